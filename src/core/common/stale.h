// Prometheus's staleness marker: a NaN with its own bit pattern, distinct from the NaN a
// payload can carry (0x7ff8000000000001), so readers can tell "series ended" from a value.
#pragma once

#include <cstdint>
#include <cstring>

namespace observe {

inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;

inline double stale_nan() {
  double d;
  std::memcpy(&d, &kStaleNaNBits, sizeof d);
  return d;
}

inline bool is_stale_nan(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b == kStaleNaNBits;
}

}  // namespace observe
