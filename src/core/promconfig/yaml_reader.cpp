#include "core/promconfig/yaml_reader.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include <re2/re2.h>

#include "core/common/base64.h"
#include "core/promconfig/config.h"

namespace observe::promconfig::yaml {
namespace {

bool is_plain(const YAML::Node& n) { return n.Tag() == "?" || n.Tag().empty(); }

bool one_of(const std::string& s, std::initializer_list<const char*> list) {
  for (const char* x : list)
    if (s == x) return true;
  return false;
}

// YAML 1.1 booleans as yaml.v2 resolves them.
int plain_bool(const std::string& s) {
  if (one_of(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) return 1;
  if (one_of(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) return 0;
  return -1;
}

// yaml.v2's integer resolution: optional sign, `_` separators, 0x / 0o / 0b / leading-0 octal.
bool plain_int(std::string s, bool* negative, uint64_t* value) {
  std::string t;
  for (char c : s)
    if (c != '_') t.push_back(c);
  *negative = false;
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) *negative = t[i++] == '-';
  int base = 10;
  if (t.compare(i, 2, "0x") == 0) base = 16, i += 2;
  else if (t.compare(i, 2, "0b") == 0) base = 2, i += 2;
  else if (t.compare(i, 2, "0o") == 0) base = 8, i += 2;
  else if (t.size() - i > 1 && t[i] == '0') base = 8, i += 1;
  if (i >= t.size()) return false;
  uint64_t v = 0;
  for (; i < t.size(); ++i) {
    int d;
    char c = t[i];
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    if (d >= base) return false;
    if (v > (std::numeric_limits<uint64_t>::max() - d) / base) return false;
    v = v * base + d;
  }
  *value = v;
  return true;
}

// yaml.v2's float resolution: .inf/.nan spellings, or yamlStyleFloat after removing `_`.
bool plain_float(const std::string& s) {
  if (one_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                 ".nan", ".NaN", ".NAN"}))
    return true;
  std::string t;
  for (char c : s)
    if (c != '_') t.push_back(c);
  static const RE2 style(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  return RE2::FullMatch(t, style);
}

double plain_float_value(const std::string& s) {
  if (s.find("inf") != std::string::npos || s.find("Inf") != std::string::npos || s.find("INF") != std::string::npos)
    return s[0] == '-' ? -INFINITY : INFINITY;
  if (s.find("nan") != std::string::npos || s.find("NaN") != std::string::npos || s.find("NAN") != std::string::npos)
    return NAN;
  std::string t;
  for (char c : s)
    if (c != '_') t.push_back(c);
  return std::strtod(t.c_str(), nullptr);
}

std::string decode_base64(const std::string& in, int line) {
  std::string out;
  if (!base64_decode(in, true, &out)) throw ConfigError("!!binary value contains invalid base64 data", line);
  return out;
}

thread_local size_t* budget_left = nullptr;

}  // namespace

DecodeBudget::DecodeBudget(size_t document_bytes) {
  // A node takes at least two bytes of text unless it is reached through an alias; allow
  // plenty for real files (every node decoded ten times over) and a floor for tiny ones.
  budget_left = new size_t(10 * document_bytes + 100000);
}

DecodeBudget::~DecodeBudget() {
  delete budget_left;
  budget_left = nullptr;
}

void count_decode(const YAML::Node& n) {
  if (!budget_left) return;
  if (*budget_left == 0) throw ConfigError("yaml: document contains excessive aliasing", line_of(n));
  --*budget_left;
}

void type_error(const YAML::Node& n, const std::string& go_type) {
  std::string what = kind_name(n);
  if (n.IsScalar()) what += " `" + n.Scalar() + "`";
  throw ConfigError("cannot unmarshal " + what + " into " + go_type, line_of(n));
}

int line_of(const YAML::Node& n, int fallback) {
  const YAML::Mark m = n.Mark();
  return m.line >= 0 ? m.line + 1 : fallback;
}

bool is_null(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return true;
  if (n.Tag() == "tag:yaml.org,2002:null") return true;
  return n.IsScalar() && is_plain(n) && one_of(n.Scalar(), {"~", "null", "Null", "NULL", ""});
}

std::string kind_name(const YAML::Node& n) {
  if (is_null(n)) return "!!null";
  if (n.IsSequence()) return "!!seq";
  if (n.IsMap()) return "!!map";
  const std::string& tag = n.Tag();
  const std::string prefix = "tag:yaml.org,2002:";
  if (tag.rfind(prefix, 0) == 0) return "!!" + tag.substr(prefix.size());
  if (!is_plain(n)) return "!!str";
  const std::string& s = n.Scalar();
  bool neg;
  uint64_t v;
  if (plain_bool(s) >= 0) return "!!bool";
  if (plain_int(s, &neg, &v)) return "!!int";
  if (plain_float(s)) return "!!float";
  return "!!str";
}

std::string as_string(const YAML::Node& n) {
  count_decode(n);
  if (is_null(n)) return "";
  if (!n.IsScalar()) type_error(n, "string");
  if (n.Tag() == "tag:yaml.org,2002:binary") return decode_base64(n.Scalar(), line_of(n));
  return n.Scalar();
}

bool as_bool(const YAML::Node& n) {
  count_decode(n);
  if (is_null(n)) return false;
  if (kind_name(n) == "!!bool") return plain_bool(n.Scalar()) == 1;
  type_error(n, "bool");
}

uint64_t as_uint(const YAML::Node& n) {
  count_decode(n);
  if (is_null(n)) return 0;
  if (n.IsScalar() && kind_name(n) == "!!int") {
    bool neg;
    uint64_t v;
    if (plain_int(n.Scalar(), &neg, &v) && (!neg || v == 0)) return v;
  }
  if (n.IsScalar() && kind_name(n) == "!!float") {
    // yaml.v2 takes any float <= MaxUint64 and converts it as Go on amd64 does: truncated,
    // a negative one wrapped through int64 (-1.5 becomes 2^64-1).
    double d = plain_float_value(n.Scalar());
    if (d <= 18446744073709551616.0) {
      if (d >= 9223372036854775808.0)
        return static_cast<uint64_t>(static_cast<int64_t>(d - 9223372036854775808.0)) ^ (uint64_t(1) << 63);
      if (d <= -9223372036854775808.0) return uint64_t(1) << 63;
      return static_cast<uint64_t>(static_cast<int64_t>(d));
    }
  }
  type_error(n, "uint");
}

int64_t as_int(const YAML::Node& n) {
  count_decode(n);
  if (is_null(n)) return 0;
  if (n.IsScalar() && kind_name(n) == "!!int") {
    bool neg;
    uint64_t v;
    if (plain_int(n.Scalar(), &neg, &v)) {
      if (!neg && v <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v);
      if (neg && v <= static_cast<uint64_t>(INT64_MAX) + 1) return static_cast<int64_t>(0 - v);
    }
  }
  if (n.IsScalar() && kind_name(n) == "!!float") {
    double d = plain_float_value(n.Scalar());
    if (d > -9223372036854775808.0 && d < 9223372036854775808.0) return static_cast<int64_t>(d);
  }
  type_error(n, "int");
}

std::vector<std::string> as_string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (is_null(n)) return out;
  if (!n.IsSequence()) type_error(n, "[]string");
  for (const auto& item : n) out.push_back(as_string(item));
  return out;
}

void visit_map(const YAML::Node& n, const MapVisitor& v) {
  count_decode(n);
  if (is_null(n)) return;
  if (!n.IsMap()) type_error(n, v.type_name);
  std::vector<std::string> seen;
  for (const auto& kv : n) {
    const YAML::Node& key = kv.first;
    count_decode(key);
    int line = line_of(key, line_of(n));
    std::string name = key.IsScalar() ? key.Scalar() : kind_name(key);
    for (const auto& s : seen)
      if (s == name) throw ConfigError("field " + name + " already set in type " + v.type_name, line);
    seen.push_back(name);
    if (v.visit(name, kv.second, line)) continue;
    if (v.known_elsewhere(name)) {
      v.not_imported(name, line);
      continue;
    }
    throw ConfigError("field " + name + " not found in type " + v.type_name, line);
  }
}

}  // namespace observe::promconfig::yaml
