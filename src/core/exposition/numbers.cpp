#include "core/exposition/numbers.h"

#include "core/exposition/ascii.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

namespace observe::exposition {

static double normal_nan() {
  // Go's math.NaN() and Prometheus's value.NormalNaN.
  const uint64_t bits = 0x7ff8000000000001ULL;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

NumberStatus parse_go_float(std::string_view s, double* out) {
  if (s.empty()) return NumberStatus::kSyntax;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  std::string_view body = s.substr(i);
  if (!body.empty() && ascii_lower(body[0]) == 'i') {
    if (iequals_ascii(body, "inf") || iequals_ascii(body, "infinity")) {
      *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      return NumberStatus::kOk;
    }
    return NumberStatus::kSyntax;
  }
  if (i == 0 && iequals_ascii(body, "nan")) {  // Go takes no sign before NaN
    *out = normal_nan();
    return NumberStatus::kOk;
  }
  // Decimal grammar; from_chars would also take "inf"/"nan(...)" and no '+', so check first.
  size_t j = 0, n = body.size(), int_digits = 0, frac_digits = 0;
  while (j < n && is_digit(body[j])) ++j, ++int_digits;
  if (j < n && body[j] == '.') {
    ++j;
    while (j < n && is_digit(body[j])) ++j, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return NumberStatus::kSyntax;
  if (j < n && (body[j] == 'e' || body[j] == 'E')) {
    ++j;
    if (j < n && (body[j] == '+' || body[j] == '-')) ++j;
    size_t exp_digits = 0;
    while (j < n && is_digit(body[j])) ++j, ++exp_digits;
    if (exp_digits == 0) return NumberStatus::kSyntax;
  }
  if (j != n) return NumberStatus::kSyntax;
  double v = 0;
  auto res = std::from_chars(body.data(), body.data() + n, v);
  if (res.ec == std::errc::result_out_of_range) {
    // Out of range either way: Go reports overflow but rounds underflow to zero. The decimal
    // magnitude (position of the first significant digit plus the exponent) tells which.
    long exp10 = 0;
    size_t e = body.find_first_of("eE");
    if (e != std::string_view::npos) {
      std::string_view es = body.substr(e + 1);
      bool eneg = !es.empty() && es[0] == '-';
      if (!es.empty() && (es[0] == '-' || es[0] == '+')) es.remove_prefix(1);
      for (char c : es) {
        exp10 = exp10 * 10 + (c - '0');
        if (exp10 > 100000) break;  // far past either end of the double range
      }
      if (eneg) exp10 = -exp10;
    }
    long magnitude = 0;
    size_t k = 0;
    while (k < int_digits && body[k] == '0') ++k;
    if (k < int_digits) {
      magnitude = static_cast<long>(int_digits - k);
    } else {
      size_t f = int_digits + (int_digits < n && body[int_digits] == '.' ? 1 : 0);
      long zeros = 0;
      while (f < n && body[f] == '0') ++f, ++zeros;
      magnitude = -zeros;
    }
    bool big = magnitude + exp10 > 0;
    if (big) return NumberStatus::kRange;
    *out = neg ? -0.0 : 0.0;
    return NumberStatus::kOk;
  }
  if (res.ec != std::errc() || res.ptr != body.data() + n) return NumberStatus::kSyntax;
  *out = neg ? -v : v;
  return NumberStatus::kOk;
}

NumberStatus parse_decimal_int64(std::string_view digits, int64_t* out) {
  if (digits.empty()) return NumberStatus::kSyntax;
  uint64_t v = 0;
  for (char c : digits) {
    if (!is_digit(c)) return NumberStatus::kSyntax;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - d) / 10)
      return NumberStatus::kRange;
    v = v * 10 + d;
  }
  *out = static_cast<int64_t>(v);
  return NumberStatus::kOk;
}

std::string format_openmetrics_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then Go's %g layout: exponent form when exp < -4 || exp >= 6
  // (strconv uses 6 as the precision for this choice when the shortest digits are asked for).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t epos = sci.find('e');
  int exp = std::stoi(sci.substr(epos + 1));
  if (exp < -4 || exp >= 6) return sci;  // "1.5e+06", "1e-05": same spelling as Go
  std::string out;
  if (sci[0] == '-') out.push_back('-');
  std::string digits;
  for (size_t i = (sci[0] == '-' ? 1 : 0); i < epos; ++i)
    if (sci[i] != '.') digits.push_back(sci[i]);
  if (exp < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exp - 1), '0');
    out += digits;
  } else {
    size_t int_len = static_cast<size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits;
      out.append(int_len - digits.size(), '0');
      out += ".0";  // Prometheus's rule: a float label value always shows it is one
    } else {
      out += digits.substr(0, int_len);
      out.push_back('.');
      out += digits.substr(int_len);
    }
  }
  return out;
}

std::string format_go_fixed(double v) {
  char buf[400];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

}  // namespace observe::exposition
