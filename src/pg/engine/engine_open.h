// Opening an engine table (observe_ts or observe_log) for one of pg_observe's functions on it
// (settings, compaction, retention, statistics), with the check the function needs; and the
// horizon those functions compare chunk times with.
#pragma once

#include <cstdint>

#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

// `mode` for functions that need ownership (settings and compaction, like VACUUM).
inline constexpr AclMode kEngineOwner = 0;

// Opens an engine table by OID with `lock`, refusing other tables (kInvalidParameter) and users
// without `mode` (a privilege such as ACL_DELETE, or kEngineOwner). C++-callable.
Relation engine_open(Oid relid, LOCKMODE lock, AclMode mode);
// Closes it, keeping the lock to the end of the transaction.
void engine_close(Relation rel);

struct TsLayout;
// The stored time (the profile's units) below which rows are older than older_than, for the
// table's time column (a `timestamp` column compares in the session's time zone).
int64_t engine_cutoff(const TsLayout& layout, TimestampTz older_than);

}  // namespace observe::pg
