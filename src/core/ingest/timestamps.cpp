#include "core/ingest/timestamps.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace observe::ingest {

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr int64_t kNsPerUnit[] = {1000000000, 1000000, 1000, 1};

}  // namespace

bool parse_go_int64(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i == s.size()) return false;
  uint64_t v = 0;
  const uint64_t limit = neg ? uint64_t(1) << 63 : (uint64_t(1) << 63) - 1;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned d = static_cast<unsigned>(s[i] - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

bool parse_rfc3339_ns(std::string_view s, int64_t* out) {
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' ||
      !digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, &h) || s[13] != ':' ||
      !digits(s, 14, 2, &mi) || s[16] != ':' || !digits(s, 17, 2, &se))
    return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap(y)) || h > 23 || mi > 59 || se > 59)
    return false;
  size_t i = 19;
  int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    i++;
    size_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n < 9) frac = frac * 10 + (s[i] - '0');
      n++;
      i++;
    }
    if (n == 0) return false;
    for (size_t k = n; k < 9; k++) frac *= 10;
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    i++;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, &om) || oh > 23 ||
        om > 59)
      return false;
    offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
                 mi * 60 + se - offset_s;
  // int64 nanoseconds: about 1677-09-21 to 2262-04-11.
  if (secs > std::numeric_limits<int64_t>::max() / 1000000000 - 1 ||
      secs < std::numeric_limits<int64_t>::min() / 1000000000 + 1)
    return false;
  *out = secs * 1000000000 + frac;
  return true;
}

bool unix_to_ns(double value, TimeUnit unit, int64_t* out) {
  if (!std::isfinite(value)) return false;
  long double ns = static_cast<long double>(value) * kNsPerUnit[static_cast<int>(unit)];
  if (ns >= 9223372036854775807.0L || ns < -9223372036854775808.0L) return false;
  *out = static_cast<int64_t>(std::llround(ns));
  return true;
}

bool unix_int_to_ns(int64_t v, TimeUnit unit, int64_t* out) {
  const int64_t mul = kNsPerUnit[static_cast<int>(unit)];
  if (v > std::numeric_limits<int64_t>::max() / mul || v < std::numeric_limits<int64_t>::min() / mul) return false;
  *out = v * mul;
  return true;
}

bool unix_text_to_ns(std::string_view text, TimeUnit unit, int64_t* out) {
  int64_t v;
  if (parse_go_int64(text, &v)) return unix_int_to_ns(v, unit, out);
  // A fraction: decimal digits only (no exponent, no hex, no inf/nan).
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) i++;
  size_t dot = std::string_view::npos, nd = 0;
  for (; i < text.size(); i++) {
    if (text[i] == '.' && dot == std::string_view::npos) dot = i;
    else if (text[i] >= '0' && text[i] <= '9') nd++;
    else return false;
  }
  if (nd == 0 || nd > 40) return false;
  std::string copy(text);
  return unix_to_ns(std::strtod(copy.c_str(), nullptr), unit, out);
}

}  // namespace observe::ingest
