// observe.stale_marker() and observe.is_stale(float8): Prometheus's staleness marker, the NaN
// with bits 0x7ff0000000000002, distinct from every other NaN.
#include "core/common/stale.h"
#include "pg/border/border.h"

OBSERVE_FUNCTION(observe_stale_marker) { PG_RETURN_FLOAT8(observe::stale_nan()); }

OBSERVE_FUNCTION(observe_is_stale) { PG_RETURN_BOOL(observe::is_stale_nan(PG_GETARG_FLOAT8(0))); }
