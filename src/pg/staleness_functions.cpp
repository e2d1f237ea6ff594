// observe.stale_marker() and observe.is_stale(float8): Prometheus's staleness marker, the NaN
// with bits 0x7ff0000000000002, distinct from every other NaN.
#include <cstdint>
#include <cstring>

#include "pg/border.h"

static constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;

OBSERVE_FUNCTION(observe_stale_marker) {
  double marker;
  std::memcpy(&marker, &kStaleNaNBits, sizeof marker);
  PG_RETURN_FLOAT8(marker);
}

OBSERVE_FUNCTION(observe_is_stale) {
  double value = PG_GETARG_FLOAT8(0);
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  PG_RETURN_BOOL(bits == kStaleNaNBits);
}
