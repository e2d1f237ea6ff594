#include "core/promconfig/duration.h"

#include <limits>

#include "core/common/error.h"
#include "core/common/utf8.h"

namespace observe::promconfig {

int64_t parse_duration(std::string_view s) {
  if (s == "0") return 0;
  if (s.empty()) throw Error(ErrorKind::kInvalidParameter, "empty duration string");
  auto invalid = [&] {
    return Error(ErrorKind::kInvalidParameter, "not a valid duration string: " + quote_for_message(s));
  };
  struct Unit {
    std::string_view name;
    int64_t ms;
  };
  // The order of durationRE; "m" must not take the "m" of "ms".
  static constexpr Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000},
                                    {"d", 24LL * 3600 * 1000},        {"h", 3600LL * 1000},
                                    {"m", 60LL * 1000},               {"s", 1000},
                                    {"ms", 1}};
  size_t pos = 0;
  size_t next_unit = 0;
  uint64_t total = 0;  // wraps as Go's int64 arithmetic does; checked below as Go checks
  bool out_of_range = false;
  while (pos < s.size()) {
    size_t digits_end = pos;
    while (digits_end < s.size() && s[digits_end] >= '0' && s[digits_end] <= '9') ++digits_end;
    if (digits_end == pos) throw invalid();
    size_t unit_end = digits_end;
    while (unit_end < s.size() && s[unit_end] >= 'a' && s[unit_end] <= 'z') ++unit_end;
    std::string_view unit = s.substr(digits_end, unit_end - digits_end);
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].name != unit) ++u;
    if (u == std::size(kUnits)) throw invalid();
    next_unit = u + 1;
    // strconv.Atoi: past int64 it yields the clamped maximum (the error is ignored).
    int64_t n = 0;
    for (size_t i = pos; i < digits_end; ++i) {
      int d = s[i] - '0';
      if (n > (std::numeric_limits<int64_t>::max() - d) / 10) {
        n = std::numeric_limits<int64_t>::max();
        break;
      }
      n = n * 10 + d;
    }
    const int64_t mult = kUnits[u].ms;
    if (n > std::numeric_limits<int64_t>::max() / mult / 1000000) out_of_range = true;
    // time.Duration is in nanoseconds: Go adds n*1e6*mult ns with wrap-around.
    total += static_cast<uint64_t>(n) * 1000000u * static_cast<uint64_t>(mult);
    if (static_cast<int64_t>(total) < 0) out_of_range = true;
    pos = unit_end;
  }
  if (out_of_range) throw Error(ErrorKind::kInvalidParameter, "duration out of range");
  return static_cast<int64_t>(total) / 1000000;
}

std::string format_duration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string r;
  auto f = [&](const char* unit, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    int64_t v = ms / mult;
    if (v > 0) {
      r += std::to_string(v) + unit;
      ms -= v * mult;
    }
  };
  f("y", 365LL * 24 * 3600 * 1000, true);
  f("w", 7LL * 24 * 3600 * 1000, true);
  f("d", 24LL * 3600 * 1000, false);
  f("h", 3600LL * 1000, false);
  f("m", 60LL * 1000, false);
  f("s", 1000, false);
  f("ms", 1, false);
  return r;
}

}  // namespace observe::promconfig
