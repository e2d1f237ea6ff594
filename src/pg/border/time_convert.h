// Conversions between PostgreSQL's time types and the core's milliseconds (PromQL) and
// microseconds (LogQL, before its x1000 to ns) since the Unix epoch.
#pragma once

#include <cstdint>

#include "pg/border/pg_headers.h"

extern "C" {
#include "datatype/timestamp.h"
#include "utils/timestamp.h"
}

namespace observe::pg {

// µs between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
inline constexpr int64_t kPostgresEpochOffsetUs =
    static_cast<int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

// timestamptz -> ms since the Unix epoch, rounding toward -infinity like Prometheus does
// when it truncates a time to milliseconds.
inline int64_t timestamptz_to_ms(TimestampTz ts) {
  int64_t us = ts + kPostgresEpochOffsetUs;
  return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

inline TimestampTz ms_to_timestamptz(int64_t ms) { return ms * 1000 - kPostgresEpochOffsetUs; }

// µs since the Unix epoch (LogQL works in ns; a timestamptz holds µs).
inline int64_t timestamptz_to_us(TimestampTz ts) { return ts + kPostgresEpochOffsetUs; }
inline TimestampTz us_to_timestamptz(int64_t us) { return us - kPostgresEpochOffsetUs; }

}  // namespace observe::pg
