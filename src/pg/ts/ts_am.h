// The observe_ts table access method: entry points shared by its glue files.
#pragma once

#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

// Called once from _PG_init: GUCs, transaction callbacks, planner and object-access hooks, and
// (when preloaded) the maintenance worker.
void ts_am_init();

const TableAmRoutine* ts_am_routine();
// Whether a relation is an observe_ts table (not observe_log: PromQL and the aggregate custom
// scan serve metrics only). The engine's own checks use engine_profile / engine_relid_profile.
bool ts_is_observe_ts(Relation rel);
// Whether a relation id is an observe_ts table (opens nothing; syscache only).
bool ts_relid_is_observe_ts(Oid relid);

// Part of ts_am_init, one per file.
void ts_customscan_init();
void ts_lifecycle_init();
void ts_maintenance_init();

}  // namespace observe::pg
