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

}  // namespace observe::pg
