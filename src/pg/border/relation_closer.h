// Closes a relation the caller opened when the scope ends, however it ends (a C++ exception
// too); the lock stays until the transaction ends. table_close with NoLock does not ereport.
#pragma once

#include "pg/border/pg_headers.h"

extern "C" {
#include "access/table.h"
}

namespace observe::pg {

struct RelationCloser {
  Relation rel;
  ~RelationCloser() { table_close(rel, NoLock); }
};

}  // namespace observe::pg
