#include "core/httpapi/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/common/go_time.h"
#include "core/common/utf8.h"

namespace observe::httpapi {

namespace {

void append_escaped_valid(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      continue;
    }
    // U+2028 and U+2029 (E2 80 A8 / E2 80 A9): JavaScript line terminators, escaped by Go.
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    out += static_cast<char>(c);
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  if (valid_utf8(s)) {
    append_escaped_valid(out, s);
  } else {
    append_escaped_valid(out, to_valid_utf8(s));
  }
  out += '"';
}

void append_prom_float(std::string& out, double v) {
  char buf[kPromFloatMax];
  out.append(buf, format_prom_float(buf, v));
}

size_t format_prom_float(char* buf, double v) {
  if (std::isnan(v)) {
    std::memcpy(buf, "NaN", 3);
    return 3;
  }
  if (std::isinf(v)) {
    std::memcpy(buf, v > 0 ? "+Inf" : "-Inf", 4);
    return 4;
  }
  double a = std::fabs(v);
  // An integer below 2^53 (counters, byte counts, gauges of whole values): its shortest
  // round-tripping decimal is its own digits (the doubles next to it are at most 1 apart, so
  // no shorter digit string with trailing zeros rounds to it), which the integer conversion
  // writes without the shortest-digits search (Ryu) that removes trailing zeros one at a time.
  if (a != 0 && a < 9007199254740992.0 && a == std::trunc(a))
    return static_cast<size_t>(std::to_chars(buf, buf + 32, static_cast<int64_t>(v)).ptr - buf);
  std::chars_format fmt = (a != 0 && (a < 1e-6 || a >= 1e21)) ? std::chars_format::scientific
                                                               : std::chars_format::fixed;
  return static_cast<size_t>(std::to_chars(buf, buf + kPromFloatMax, v, fmt).ptr - buf);
}

void append_go_float_e(std::string& out, double v) {
  if (std::isnan(v) || std::isinf(v)) {
    append_prom_float(out, v);
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  out.append(buf, r.ptr);
}

void append_go_time(std::string& out, std::optional<int64_t> unix_ns) {
  out += '"';
  out += unix_ns ? go_format_time(*unix_ns, kGoRFC3339Nano) : "0001-01-01T00:00:00Z";
  out += '"';
}

void append_prom_timestamp(std::string& out, int64_t t_ms) {
  char buf[32];
  char* p = buf;
  uint64_t t = static_cast<uint64_t>(t_ms);
  if (t_ms < 0) {
    *p++ = '-';
    t = 0 - t;  // well defined for INT64_MIN too
  }
  p = std::to_chars(p, buf + sizeof buf, t / 1000).ptr;
  unsigned fraction = static_cast<unsigned>(t % 1000);
  if (fraction != 0) {
    p[0] = '.';
    p[1] = static_cast<char>('0' + fraction / 100);
    p[2] = static_cast<char>('0' + fraction / 10 % 10);
    p[3] = static_cast<char>('0' + fraction % 10);
    p += 4;
  }
  out.append(buf, p);
}

void append_labels_object(std::string& out, const Labels& labels) {
  out += '{';
  bool first = true;
  for (const Label& l : labels.items()) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, l.name);
    out += ':';
    append_json_string(out, l.value);
  }
  out += '}';
}

void append_prom_point(std::string& out, int64_t t_ms, double v) {
  out += '[';
  append_prom_timestamp(out, t_ms);
  out += ",\"";
  append_prom_float(out, v);
  out += "\"]";
}

}  // namespace observe::httpapi
