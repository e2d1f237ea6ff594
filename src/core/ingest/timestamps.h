// Timestamp texts the decoders meet: Go's strconv.ParseInt (Loki's nanosecond strings), RFC 3339,
// and Unix numbers in a given unit.
#pragma once

#include <cstdint>
#include <string_view>

namespace observe::ingest {

// strconv.ParseInt(s, 10, 64): optional sign, decimal digits only, within int64.
bool parse_go_int64(std::string_view s, int64_t* out);

// RFC 3339: 2006-01-02T15:04:05[.fraction](Z|±hh:mm), `t` and `z` accepted (RFC 3339 §5.6),
// fractions up to 9 digits. Nanoseconds since the epoch; false if malformed, out of range
// (month 13, hour 24, ...) or outside int64 nanoseconds (years 1678-2262).
bool parse_rfc3339_ns(std::string_view s, int64_t* out);

enum class TimeUnit { kSeconds, kMilliseconds, kMicroseconds, kNanoseconds };

// A Unix time given as a number in `unit` (fractions allowed for s/ms/us) to nanoseconds;
// false when not finite or outside int64 nanoseconds.
bool unix_to_ns(double value, TimeUnit unit, int64_t* out);
// Same for a decimal text (integer or fraction, exact for integers).
bool unix_text_to_ns(std::string_view text, TimeUnit unit, int64_t* out);
// An integer in `unit` to nanoseconds; false outside int64 nanoseconds.
bool unix_int_to_ns(int64_t v, TimeUnit unit, int64_t* out);

}  // namespace observe::ingest
