// Merging small chunks into long ones (observe.compact and the maintenance worker).
#pragma once

#include <cstdint>

#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

// Compacts every series of an observe_ts table (the caller holds ShareUpdateExclusiveLock);
// returns the number of chunks rewritten.
// Ends by removing the series left without chunks (ts_series_gc).
int64_t ts_compact_relation(Relation rel);

// Removes the table's series that no chunk row names any more from observe._ts_series and
// every backend's cache (when no other transaction is writing the table); returns how many.
int64_t ts_series_gc(Relation rel);

}  // namespace observe::pg
