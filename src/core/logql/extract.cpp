#include "core/logql/extract.h"

#include <simdjson.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace observe::logql {

using namespace simdjson;

namespace {

struct LabelCharTable {
  bool ok[256] = {};
  constexpr LabelCharTable() {
    for (int c = 0; c < 256; c++)
      ok[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
  }
};
constexpr LabelCharTable kLabelChars;

}  // namespace

void append_sanitized_label_name(std::string_view key, std::string* out) {
  if (!key.empty() && key[0] >= '0' && key[0] <= '9') *out += '_';
  size_t start = out->size();
  out->resize(start + key.size());
  char* d = out->data() + start;
  for (size_t i = 0; i < key.size(); i++) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    d[i] = kLabelChars.ok[c] ? static_cast<char>(c) : '_';
  }
}

std::string sanitize_label_name(std::string_view key) {
  std::string out;
  out.reserve(key.size() + 1);
  append_sanitized_label_name(key, &out);
  return out;
}

// The DOM API: simdjson picks the fastest kernel for the CPU at run time (the on-demand
// API would be compiled for the baseline target only).
struct JsonExtractor::Impl {
  dom::parser parser;
};

JsonExtractor::JsonExtractor() : impl_(new Impl) {}
JsonExtractor::~JsonExtractor() { delete impl_; }

namespace {

// A number as Loki prints it (jsoniter keeps the literal; integers and shortest
// round-trip floats give the same text in practice).
std::string number_text(dom::element v) {
  switch (v.type()) {
    case dom::element_type::INT64: return std::to_string(int64_t(v));
    case dom::element_type::UINT64: return std::to_string(uint64_t(v));
    default: {
      char buf[64];
      double d = double(v);
      for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (std::strtod(buf, nullptr) == d) break;
      }
      return buf;
    }
  }
}

// `name` holds the prefix of the enclosing objects ("a_b"); each field appends its part and
// takes it off again, so names are built in one buffer.
void flatten(dom::object obj, std::string& name, const FieldSink& sink) {
  const size_t prefix = name.size();
  for (auto field : obj) {
    name.resize(prefix);
    if (prefix != 0) name += '_';
    append_sanitized_label_name(field.key, &name);
    dom::element v = field.value;
    switch (v.type()) {
      case dom::element_type::OBJECT: flatten(dom::object(v), name, sink); break;
      case dom::element_type::ARRAY:
      case dom::element_type::NULL_VALUE: break;
      case dom::element_type::STRING: sink(name, std::string_view(v)); break;
      case dom::element_type::BOOL: sink(name, bool(v) ? "true" : "false"); break;
      default: sink(name, number_text(v)); break;
    }
  }
  name.resize(prefix);
}

std::string error_text(error_code e) { return error_message(e); }

// Navigates a DOM element along a path.
bool walk(dom::element el, const std::vector<std::string>& path, std::string* out) {
  for (auto& p : path) {
    if (p.size() > 2 && p.front() == '[' && p.back() == ']') {
      dom::array arr;
      if (el.get_array().get(arr)) return false;
      size_t idx = std::stoul(p.substr(1, p.size() - 2));
      if (arr.at(idx).get(el)) return false;
    } else {
      dom::object obj;
      if (el.get_object().get(obj)) return false;
      if (obj.at_key(p).get(el)) return false;
    }
  }
  switch (el.type()) {
    case dom::element_type::STRING: *out = std::string(std::string_view(el)); break;
    case dom::element_type::NULL_VALUE: out->clear(); break;
    case dom::element_type::BOOL: *out = bool(el) ? "true" : "false"; break;
    case dom::element_type::OBJECT:
    case dom::element_type::ARRAY: *out = simdjson::minify(el); break;
    default: *out = number_text(el); break;
  }
  return true;
}

}  // namespace

bool JsonExtractor::all(std::string_view line, const FieldSink& sink, std::string* err) {
  dom::element root;
  auto e = impl_->parser.parse(line.data(), line.size(), true).get(root);
  if (e) {
    *err = error_text(e);
    return false;
  }
  if (root.type() != dom::element_type::OBJECT) {
    *err = "expecting json object";
    return false;
  }
  std::string name;
  flatten(dom::object(root), name, sink);
  return true;
}

bool JsonExtractor::paths(std::string_view line, const std::vector<std::vector<std::string>>& paths,
                          std::vector<std::string>* values, std::string* err) {
  dom::element root;
  auto e = impl_->parser.parse(line.data(), line.size(), true).get(root);
  if (e || root.type() != dom::element_type::OBJECT) {
    *err = e ? error_text(e) : "expecting json object";
    return false;
  }
  values->assign(paths.size(), std::string());
  for (size_t i = 0; i < paths.size(); i++) walk(root, paths[i], &(*values)[i]);
  return true;
}

bool JsonExtractor::unpack(std::string_view line, const FieldSink& sink, std::string* entry, bool* has_entry,
                           std::string* err) {
  *has_entry = false;
  dom::element root;
  auto e = impl_->parser.parse(line.data(), line.size(), true).get(root);
  if (e || root.type() != dom::element_type::OBJECT) {
    *err = e ? error_text(e) : "expecting json object";
    return false;
  }
  for (auto field : dom::object(root)) {
    if (field.value.type() != dom::element_type::STRING) continue;
    std::string_view s(field.value);
    if (field.key == "_entry") {
      *entry = std::string(s);
      *has_entry = true;
      continue;
    }
    sink(sanitize_label_name(field.key), s);
  }
  return true;
}

std::vector<std::string> parse_json_path(std::string_view expr) {
  auto bad = [&]() { throw std::invalid_argument("cannot parse expression [" + std::string(expr) + "]: syntax error"); };
  std::vector<std::string> out;
  size_t i = 0;
  bool expect_field = true;
  if (expr.empty()) bad();
  while (i < expr.size()) {
    char c = expr[i];
    if (c == '.') {
      if (expect_field || i + 1 >= expr.size()) bad();
      i++;
      expect_field = true;
      continue;
    }
    if (c == '[') {
      size_t close = expr.find(']', i);
      if (close == std::string_view::npos) bad();
      std::string_view in = expr.substr(i + 1, close - i - 1);
      if (in.size() >= 2 && (in.front() == '"' || in.front() == '\'') && in.back() == in.front()) {
        out.emplace_back(in.substr(1, in.size() - 2));
      } else {
        if (in.empty()) bad();
        for (char d : in)
          if (!std::isdigit(static_cast<unsigned char>(d))) bad();
        out.push_back("[" + std::string(in) + "]");
      }
      i = close + 1;
      expect_field = false;
      continue;
    }
    if (!expect_field) bad();
    size_t j = i;
    while (j < expr.size() && expr[j] != '.' && expr[j] != '[') {
      char d = expr[j];
      if (!(std::isalnum(static_cast<unsigned char>(d)) || d == '_' || d == '-' || d == '$' || static_cast<unsigned char>(d) >= 0x80)) bad();
      j++;
    }
    if (j == i) bad();
    out.emplace_back(expr.substr(i, j - i));
    i = j;
    expect_field = false;
  }
  if (expect_field) bad();
  return out;
}

bool logfmt_pairs(std::string_view s, bool strict, bool keep_empty,
                  const std::function<void(std::string_view, std::string_view)>& sink, std::string* err) {
  size_t i = 0;
  std::string unq;
  auto fail = [&](const std::string& msg) {
    *err = "logfmt syntax error at pos " + std::to_string(i + 1) + " : " + msg;
    return false;
  };
  auto skip_to_space = [&]() {
    while (i < s.size() && static_cast<unsigned char>(s[i]) > ' ') i++;
  };
  while (i < s.size()) {
    while (i < s.size() && static_cast<unsigned char>(s[i]) <= ' ') i++;
    if (i >= s.size()) break;
    size_t ks = i;
    while (i < s.size() && static_cast<unsigned char>(s[i]) > ' ' && s[i] != '=' && s[i] != '"') i++;
    std::string_view key = s.substr(ks, i - ks);
    if (key.empty()) {
      if (strict) return fail(s[i] == '=' ? "unexpected '='" : "unexpected '\"'");
      skip_to_space();
      continue;
    }
    if (i < s.size() && s[i] == '"') {
      if (strict) return fail("unexpected '\"'");
      skip_to_space();
      continue;
    }
    if (i >= s.size() || s[i] != '=') {
      if (keep_empty) sink(key, "");
      continue;
    }
    i++;  // '='
    if (i < s.size() && s[i] == '"') {
      size_t j = i + 1;
      unq.clear();
      bool closed = false, bad = false;
      while (j < s.size()) {
        char c = s[j];
        if (c == '"') {
          closed = true;
          j++;
          break;
        }
        if (c == '\\' && j + 1 < s.size()) {
          char e = s[j + 1];
          switch (e) {
            case 'n': unq += '\n'; break;
            case 't': unq += '\t'; break;
            case 'r': unq += '\r'; break;
            case '\\': unq += '\\'; break;
            case '"': unq += '"'; break;
            case '/': unq += '/'; break;
            case 'b': unq += '\b'; break;
            case 'f': unq += '\f'; break;
            default: unq += '\\'; unq += e; bad = false;
          }
          j += 2;
          continue;
        }
        unq += c;
        j++;
      }
      if (!closed || bad) {
        if (strict) return fail("unterminated quoted value");
        i = s.size();
        break;
      }
      i = j;
      if (i < s.size() && static_cast<unsigned char>(s[i]) > ' ') {
        if (strict) return fail("unexpected character after quoted value");
        skip_to_space();
        continue;
      }
      if (!unq.empty() || keep_empty) sink(key, unq);
      continue;
    }
    size_t vs = i;
    bool bad = false;
    while (i < s.size() && static_cast<unsigned char>(s[i]) > ' ') {
      if (s[i] == '=' || s[i] == '"') bad = true;
      i++;
    }
    if (bad) {
      if (strict) return fail("unexpected character in value");
      continue;
    }
    std::string_view val = s.substr(vs, i - vs);
    if (!val.empty() || keep_empty) sink(key, val);
  }
  return true;
}

}  // namespace observe::logql
