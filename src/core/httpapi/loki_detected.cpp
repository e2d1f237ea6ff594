#include "core/httpapi/loki_detected.h"

#include <cctype>
#include <cmath>
#include <cerrno>
#include <cstdlib>

#include "core/httpapi/json.h"
#include "core/httpapi/params.h"
#include "core/logql/extract.h"

namespace observe::httpapi {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// strconv.ParseInt(v, 10, 64)
bool go_parse_int(std::string_view v) {
  std::string_view d = v;
  if (!d.empty() && (d[0] == '+' || d[0] == '-')) d.remove_prefix(1);
  if (!all_digits(d)) return false;
  std::string s(v);
  errno = 0;
  (void)strtoll(s.c_str(), nullptr, 10);
  return errno != ERANGE;
}

// strconv.ParseFloat(v, 64): decimal, or hex with a p exponent, inf/infinity/nan in any case;
// no surrounding space; an overflow is an error (Go returns ±Inf with ErrRange).
bool go_parse_float(std::string_view v) {
  if (v.empty() || isspace(static_cast<unsigned char>(v[0]))) return false;
  std::string_view body = v;
  if (body[0] == '+' || body[0] == '-') body.remove_prefix(1);
  if (body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') &&
      body.find_first_of("pP") == std::string_view::npos)
    return false;
  if (body.size() > 3 && (body.substr(0, 3) == "nan" || body.substr(0, 3) == "NaN" || body.substr(0, 3) == "NAN"))
    return false;  // C's nan(chars)
  std::string s(v);
  char* end = nullptr;
  errno = 0;
  double d = strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  return !(errno == ERANGE && std::isinf(d));
}

// time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?unit)+ with units ns us µs μs ms s m h, or "0".
bool go_parse_duration(std::string_view v) {
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  if (v == "0") return true;
  if (v.empty()) return false;
  while (!v.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < v.size() && isdigit(static_cast<unsigned char>(v[i]))) i++, digits = true;
    if (i < v.size() && v[i] == '.') {
      i++;
      while (i < v.size() && isdigit(static_cast<unsigned char>(v[i]))) i++, digits = true;
    }
    if (!digits) return false;
    v.remove_prefix(i);
    static const char* const kUnits[] = {"ns", "us", "\xC2\xB5s", "\xCE\xBCs", "ms", "s", "m", "h"};
    size_t best = 0;
    for (const char* u : kUnits) {
      std::string_view unit(u);
      // the longest unit that the text starts with and that is followed by a digit, '.' or the end
      if (v.substr(0, unit.size()) == unit && unit.size() > best &&
          (v.size() == unit.size() || isdigit(static_cast<unsigned char>(v[unit.size()])) || v[unit.size()] == '.'))
        best = unit.size();
    }
    if (best == 0) return false;
    v.remove_prefix(best);
  }
  return true;
}

// humanize.ParseBytes: a number (digits, '.', ',') then optional spaces and a unit of
// b, k/kb/kib/ki, m..., g, t, p, e (any case), or none.
bool go_parse_bytes(std::string_view v) {
  size_t i = 0;
  while (i < v.size() && (isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.' || v[i] == ',')) i++;
  std::string num;
  for (char c : v.substr(0, i))
    if (c != ',') num += c;
  if (num.empty()) return false;
  char* end = nullptr;
  (void)strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return false;
  std::string unit;
  for (char c : v.substr(i))
    if (c != ' ') unit += static_cast<char>(tolower(static_cast<unsigned char>(c)));
  static const char* const kUnits[] = {"", "b", "k", "kb", "kib", "ki", "m", "mb", "mib", "mi", "g", "gb", "gib", "gi",
                                       "t", "tb", "tib", "ti", "p", "pb", "pib", "pi", "e", "eb", "eib", "ei"};
  for (const char* u : kUnits)
    if (unit == u) return true;
  return false;
}

// uuid.Parse: 36 chars with hyphens at 8/13/18/23, optionally urn:uuid:, {braced}, or 32 hex.
bool go_parse_uuid(std::string_view v) {
  auto hex = [](std::string_view s) {
    for (char c : s)
      if (!isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
  };
  if (v.size() == 36 + 9 && v.substr(0, 9) == "urn:uuid:") v.remove_prefix(9);
  else if (v.size() == 38 && v.front() == '{' && v.back() == '}') v = v.substr(1, 36);
  if (v.size() == 32) return hex(v);
  if (v.size() != 36 || v[8] != '-' || v[13] != '-' || v[18] != '-' || v[23] != '-') return false;
  return hex(v.substr(0, 8)) && hex(v.substr(9, 4)) && hex(v.substr(14, 4)) && hex(v.substr(19, 4)) && hex(v.substr(24));
}

// shouldRejectLabel / containsAllIDTypes
bool reject_label(const std::set<std::string>& values) {
  if (values.empty()) return true;
  auto all_ids = [&] {
    for (const std::string& v : values)
      if (!go_parse_float(v) && !go_parse_uuid(v)) return false;
    return true;
  };
  if (values.size() > 2) return all_ids();
  for (const std::string& v : values)
    if (v != "0" && v != "1") return all_ids();
  return false;
}

}  // namespace

std::string loki_detected_labels_json(const std::vector<Labels>& streams) {
  std::map<std::string, std::set<std::string>> values;
  for (const Labels& s : streams)
    for (const Label& l : s.items()) values[l.name].insert(l.value);
  static const std::set<std::string> kStatic = {"cluster", "namespace", "instance", "pod"};
  std::string out = "{";
  bool first = true;
  for (const auto& [name, vals] : values) {
    if (!(kStatic.count(name) && !vals.empty()) && reject_label(vals)) continue;
    out += first ? "\"detectedLabels\":[" : ",";
    first = false;
    out += "{\"label\":";
    append_json_string(out, name);
    out += ",\"cardinality\":" + std::to_string(vals.size()) + "}";
  }
  if (!first) out += "]";
  return out + "}";
}

const char* loki_detected_field_type(std::string_view v) {
  if (go_parse_int(v)) return "int";
  if (go_parse_float(v)) return "float";
  if (parse_go_bool(v)) return "boolean";
  if (go_parse_duration(v)) return "duration";
  if (go_parse_bytes(v)) return "bytes";
  return "string";
}

void DetectedFields::add_value(const std::string& name, std::string_view value, const char* parser) {
  auto it = fields_.find(name);
  if (it == fields_.end()) {
    if (fields_.size() >= limit_) return;
    it = fields_.emplace(name, Field()).first;
  }
  Field& f = it->second;
  if (parser) f.parsers.insert(parser);
  f.type = loki_detected_field_type(value);  // the latest value decides, as Loki re-detects per entry
  f.values.emplace(value);
}

void DetectedFields::add(const Labels& stream, std::string_view line, const Labels& metadata) {
  for (const Label& l : metadata.items()) add_value(l.name, l.value, nullptr);
  // The line as JSON, else as logfmt (non-strict, empty values dropped); a parsed name that is
  // also a stream label becomes name_extracted, as Loki's label builder names it.
  auto parsed = [&](const std::string& key, std::string_view value, const char* parser) {
    std::string name = logql::sanitize_label_name(key);
    if (name.empty()) return;
    if (stream.has(name)) name += "_extracted";
    add_value(name, value, parser);
  };
  static thread_local logql::JsonExtractor json;
  std::string err;
  std::vector<std::pair<std::string, std::string>> fields;
  if (json.all(line, [&](const std::string& k, std::string_view v) { fields.emplace_back(k, std::string(v)); }, &err)) {
    for (const auto& [k, v] : fields) parsed(k, v, "json");
    return;
  }
  logql::logfmt_pairs(line, false, false, [&](std::string_view k, std::string_view v) {
    if (!v.empty()) parsed(std::string(k), v, "logfmt");
  }, &err);
}

std::string DetectedFields::fields_json() const {
  if (fields_.empty()) return "{}";
  std::string out = "{\"fields\":[";
  bool first = true;
  for (const auto& [name, f] : fields_) {
    if (!first) out += ',';
    first = false;
    out += "{\"label\":";
    append_json_string(out, name);
    out += ",\"type\":\"";
    out += f.type;
    out += "\",\"cardinality\":" + std::to_string(f.values.size()) + ",\"parsers\":";
    if (f.parsers.empty()) {
      out += "null";
    } else {
      out += '[';
      bool p1 = true;
      for (const std::string& p : f.parsers) {
        if (!p1) out += ',';
        p1 = false;
        append_json_string(out, p);
      }
      out += ']';
    }
    out += '}';
  }
  return out + "],\"limit\":" + std::to_string(limit_) + "}";
}

std::string DetectedFields::values_json(const std::string& name) const {
  auto it = fields_.find(name);
  if (it == fields_.end() || it->second.values.empty()) return "{}";
  std::string out = "{\"values\":[";
  size_t n = 0;
  for (const std::string& v : it->second.values) {
    if (n == limit_) break;
    if (n++) out += ',';
    append_json_string(out, v);
  }
  return out + "],\"limit\":" + std::to_string(limit_) + "}";
}

}  // namespace observe::httpapi
