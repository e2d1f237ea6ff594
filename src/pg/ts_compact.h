// Merging small chunks into long ones (observe.compact and the maintenance worker).
#pragma once

#include <cstdint>

#include "pg/pg_headers.h"
#include "pg/ts_pg_headers.h"

namespace observe::pg {

// Compacts every series of an observe_ts table (the caller holds ShareUpdateExclusiveLock);
// returns the number of chunks rewritten.
int64_t ts_compact_relation(Relation rel);

}  // namespace observe::pg
