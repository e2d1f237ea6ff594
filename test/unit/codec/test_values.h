// Float bit patterns every float codec must round-trip exactly.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace observe::codec::testing {

inline uint64_t bits_of(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

inline constexpr uint64_t kStaleNaN = 0x7ff0000000000002ULL;   // Prometheus staleness marker
inline constexpr uint64_t kNormalNaN = 0x7ff8000000000001ULL;  // Prometheus's ordinary NaN

inline std::vector<uint64_t> special_bits() {
  return {kStaleNaN,
          kNormalNaN,
          0x7ff8000000000000ULL,  // default quiet NaN
          0xfff8000000000000ULL,  // negative NaN
          bits_of(std::numeric_limits<double>::infinity()),
          bits_of(-std::numeric_limits<double>::infinity()),
          bits_of(-0.0),
          bits_of(0.0),
          bits_of(std::numeric_limits<double>::denorm_min()),
          bits_of(-std::numeric_limits<double>::denorm_min()),
          bits_of(std::numeric_limits<double>::min()),
          bits_of(std::numeric_limits<double>::max()),
          bits_of(std::numeric_limits<double>::lowest()),
          bits_of(0.1 + 0.2),
          bits_of(1e300),
          bits_of(9007199254740993.0),
          bits_of(0.25),
          bits_of(1.0)};
}

}  // namespace observe::codec::testing
