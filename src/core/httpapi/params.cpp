#include "core/httpapi/params.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/common/error.h"

namespace observe::httpapi {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        throw Error(ErrorKind::kInvalidParameter,
                    "invalid URL escape " + quote_for_message(s.substr(i, 3), 16));
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Go's strconv.ParseFloat on the whole string (decimal or special forms), nullopt otherwise.
std::optional<double> parse_float(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string z(s);
  for (char c : z)
    if (c == 'x' || c == 'X' || c == ' ' || c == '\t' || c == '\n') return std::nullopt;  // no hex, no spaces
  errno = 0;
  char* end = nullptr;
  double d = strtod(z.c_str(), &end);
  if (end != z.c_str() + z.size()) return std::nullopt;
  return d;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int two(std::string_view s, size_t at) {
  if (at + 2 > s.size() || !all_digits(s.substr(at, 2))) return -1;
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

}  // namespace

void Form::parse_urlencoded(std::string_view body) {
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    add(unescape(key), unescape(value));
  }
}

std::optional<std::string> Form::get(std::string_view name) const {
  for (const auto& [k, v] : pairs_)
    if (k == name) return v;
  return std::nullopt;
}

std::vector<std::string> Form::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : pairs_)
    if (k == name) out.push_back(v);
  return out;
}

namespace {

// YYYY-MM-DDTHH:MM:SS[.fffffffff](Z|+hh:mm|-hh:mm) as Unix seconds and the fraction in ns.
bool parse_rfc3339(std::string_view s, int64_t* secs_out, int64_t* frac_out) {
  if (s.size() < 20 || !all_digits(s.substr(0, 4)) || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return false;
  int64_t year = std::stoi(std::string(s.substr(0, 4)));
  int mon = two(s, 5), day = two(s, 8), hh = two(s, 11), mm = two(s, 14), ss = two(s, 17);
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
    return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[mon - 1] + (mon == 2 && leap ? 1 : 0)) return false;
  size_t i = 19;
  int64_t frac_ns = 0;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    int64_t scale = 100000000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (scale > 0) frac_ns += (s[i] - '0') * scale;
      scale /= 10;
      i++;
    }
    if (i == start) return false;
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh = two(s, i + 1), om = two(s, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
  } else {
    return false;
  }
  *secs_out = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
  *frac_out = frac_ns;
  return true;
}

}  // namespace

std::optional<int64_t> parse_rfc3339_ns(std::string_view s) {
  int64_t secs, frac;
  if (!parse_rfc3339(s, &secs, &frac)) return std::nullopt;
  // ns since 1970 reach the years 1677-2262 only
  if (secs > 9223372035 || secs < -9223372035) return std::nullopt;
  return secs * 1000000000 + frac;
}

std::optional<int64_t> parse_prom_time_ms(std::string_view s) {
  if (auto f = parse_float(s)) {
    // Prometheus's MinTime/MaxTime bound every time (±9.2e15 ms); Go converts floats beyond
    // with undefined results: refuse them.
    if (!(std::fabs(*f) <= 9.2e12)) return std::nullopt;
    double ip;
    double frac = std::modf(*f, &ip);
    frac = std::round(frac * 1000) / 1000;
    return static_cast<int64_t>(ip) * 1000 + static_cast<int64_t>(std::llround(frac * 1000));
  }
  int64_t secs, frac;
  if (parse_rfc3339(s, &secs, &frac)) return secs * 1000 + frac / 1000000;  // years 0000-9999 fit
  if (s == "-292273086-05-16T16:47:06Z") return kPromMinTimeMs;
  if (s == "292277025-08-18T07:12:54.999999999Z") return kPromMaxTimeMs;
  return std::nullopt;
}

std::optional<bool> parse_go_bool(std::string_view s) {
  static const char* const kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char* const kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (const char* v : kTrue)
    if (s == v) return true;
  for (const char* v : kFalse)
    if (s == v) return false;
  return std::nullopt;
}

std::optional<int64_t> parse_model_duration_ms(std::string_view s) {
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  static const struct {
    const char* unit;
    int64_t ms;
  } kUnits[] = {{"y", 365LL * 86400000}, {"w", 7LL * 86400000}, {"d", 86400000}, {"h", 3600000},
                {"m", 60000},         {"s", 1000},             {"ms", 1}};
  size_t next_unit = 0;
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++;
    if (i == start || i - start > 18) return std::nullopt;
    int64_t n = std::stoll(std::string(s.substr(start, i - start)));
    size_t ustart = i;
    while (i < s.size() && (s[i] < '0' || s[i] > '9')) i++;
    std::string_view unit = s.substr(ustart, i - ustart);
    size_t k = next_unit;
    while (k < 7 && unit != kUnits[k].unit) k++;
    if (k == 7) return std::nullopt;  // unknown unit or out of order
    next_unit = k + 1;
    if (n > std::numeric_limits<int64_t>::max() / kUnits[k].ms) return std::nullopt;
    total += n * kUnits[k].ms;
    if (total < 0) return std::nullopt;
  }
  return total;
}

std::optional<int64_t> parse_prom_duration_ms(std::string_view s) {
  if (auto f = parse_float(s)) {
    double ns = *f * 1e9;
    if (!(ns <= 9.2233720368547758e18 && ns >= -9.2233720368547758e18)) return std::nullopt;
    return static_cast<int64_t>(ns) / 1000000;
  }
  return parse_model_duration_ms(s);
}

std::optional<int64_t> parse_loki_time_ns(std::string_view s) {
  if (s.find('.') != std::string_view::npos) {
    if (auto f = parse_float(s)) {
      if (!(std::fabs(*f) < 9.2e9)) return std::nullopt;
      double ip;
      double frac = std::round(std::modf(*f, &ip) * 1000) / 1000;
      return static_cast<int64_t>(ip) * 1000000000 + static_cast<int64_t>(std::llround(frac * 1e9));
    }
  }
  bool negative = !s.empty() && s[0] == '-';
  std::string_view digits = negative ? s.substr(1) : s;
  if (all_digits(digits) && digits.size() <= 19) {
    errno = 0;
    long long n = strtoll(std::string(s).c_str(), nullptr, 10);
    if (errno == ERANGE) return std::nullopt;
    if (s.size() <= 10) {  // seconds
      if (n > 9223372035LL || n < -9223372035LL) return std::nullopt;
      return static_cast<int64_t>(n) * 1000000000;
    }
    return static_cast<int64_t>(n);
  }
  return parse_rfc3339_ns(s);
}

int64_t prom_time_param(const Form& f, std::string_view name, int64_t def) {
  std::string v = f.value(name);
  if (v.empty()) return def;
  auto t = parse_prom_time_ms(v);
  if (!t)
    throw Error(ErrorKind::kInvalidParameter, "invalid parameter \"" + std::string(name) + "\": cannot parse " +
                                                  quote_for_message(v, 64) + " to a valid timestamp");
  return *t;
}

std::optional<int64_t> prom_timeout_param_ms(const Form& f) {
  std::string v = f.value("timeout");
  if (v.empty()) return std::nullopt;
  auto d = parse_prom_duration_ms(v);
  if (!d)
    throw Error(ErrorKind::kInvalidParameter,
                "invalid parameter \"timeout\": cannot parse " + quote_for_message(v, 64) + " to a valid duration");
  return d;
}

PromRangeParams prom_range_params(const Form& f) {
  PromRangeParams p;
  auto need = [&](const char* name) {
    std::string v = f.value(name);
    if (v.empty())
      throw Error(ErrorKind::kInvalidParameter,
                  "invalid parameter \"" + std::string(name) + "\": cannot parse \"\" to a valid " +
                      (std::string(name) == "step" ? "duration" : "timestamp"));
    return v;
  };
  p.start_ms = prom_time_param(f, "start", 0);
  need("start");
  p.end_ms = prom_time_param(f, "end", 0);
  need("end");
  if (p.end_ms < p.start_ms)
    throw Error(ErrorKind::kInvalidParameter, "invalid parameter \"end\": end timestamp must not be before start time");
  std::string step = need("step");
  auto d = parse_prom_duration_ms(step);
  if (!d)
    throw Error(ErrorKind::kInvalidParameter,
                "invalid parameter \"step\": cannot parse " + quote_for_message(step, 64) + " to a valid duration");
  if (*d <= 0)
    throw Error(ErrorKind::kInvalidParameter,
                "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. "
                "Try a positive integer");
  p.step_ms = *d;
  if ((p.end_ms - p.start_ms) / p.step_ms > 11000)
    throw Error(ErrorKind::kInvalidParameter,
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                "resolution (?step=XX)");
  return p;
}

}  // namespace observe::httpapi
