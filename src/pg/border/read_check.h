// What a query language reading a table through its access method (not through a query) must
// check that a SELECT would check.
#pragma once

#include "pg/border/pg_headers.h"

extern "C" {
#include "utils/relcache.h"
}

namespace observe::pg {

// The SELECT privilege (on the table or on every column), and no row-level security policy the
// engine could not apply. `language` names the reader in the error ("PromQL", "LogQL").
// May ereport: call it under pg_guard from C++ code.
void check_can_read(Relation rel, const char* language);

// Opens relid for a query language's read (AccessShareLock, kept to the end of the
// transaction) after check_can_read; 42P01 for an OID that names no relation. C++-callable
// (PostgreSQL calls under pg_guard); the caller closes it with table_close(rel, NoLock).
Relation open_for_reading(Oid relid, const char* language);

}  // namespace observe::pg
