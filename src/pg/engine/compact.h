// Merging small chunks into long ones (observe.compact and the maintenance worker).
#pragma once

#include <cstddef>
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
// At most observe.series_gc_slice a call: the scan that finds them is kept in this process for
// the calls that follow (series_gc.cpp). The caller holds ShareUpdateExclusiveLock on rel.
int64_t ts_series_gc(Relation rel);

// Candidates of the table's kept scan not yet consumed by ts_series_gc in this process (0: the
// next call scans every chunk row again). Safe outside a transaction.
size_t ts_series_gc_pending(Oid relid) noexcept;

// observe.series_gc_slice: series without chunks one call removes at most.
extern int ts_series_gc_slice;

}  // namespace observe::pg
