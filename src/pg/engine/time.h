// The time column's units (µs since 2000-01-01, timestamptz/timestamp) and the workers' ms since
// the Unix epoch, converted exactly (floor for times before 1970).
#pragma once

#include <cstdint>

namespace observe::pg {

inline constexpr int64_t kTsUnixEpochOffsetUs = 946684800000000LL;  // 1970 -> 2000 in µs

inline int64_t ts_us_to_unix_ms(int64_t us) {
  int64_t u = us + kTsUnixEpochOffsetUs;
  return u >= 0 ? u / 1000 : -((-u + 999) / 1000);
}

inline int64_t ts_unix_ms_to_us(int64_t ms) { return ms * 1000 - kTsUnixEpochOffsetUs; }

}  // namespace observe::pg
