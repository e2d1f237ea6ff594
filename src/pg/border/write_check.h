// What a function that writes a table through the engine (not through the executor) must check
// that an INSERT or DELETE would check: push_loki, delete_logs, the ingest workers' SQL entry
// points.
#pragma once

#include "pg/border/pg_headers.h"

extern "C" {
#include "nodes/parsenodes.h"
#include "storage/lockdefs.h"
#include "utils/relcache.h"
}

namespace observe::pg {

// Opens relid with `lock` (kept to the end of the transaction) for `function` (named in errors,
// e.g. "observe.push_loki"): 42P01 for an OID that names no relation, 25006 in a read-only
// transaction, 42501 without every privilege of `privileges` (ACL_INSERT, ACL_DELETE |
// ACL_SELECT, ...), 0A000 when row-level security is enabled (the engine's write path cannot
// apply policies). C++-callable (PostgreSQL calls under pg_guard); close with
// table_close(rel, NoLock).
Relation open_for_writing(Oid relid, LOCKMODE lock, AclMode privileges, const char* function);

}  // namespace observe::pg
