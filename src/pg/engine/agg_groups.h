// Distinct group values for ObserveTsAgg: PostgreSQL's TupleHashTable with the GROUP BY clauses'
// equality and hash functions (what HashAggregate uses), numbering groups in order of first
// appearance. PostgreSQL code: may ereport.
#pragma once

#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

struct TsGroupTable {
  int ncols;
  Oid* eq_ops;
  TupleDesc desc;
  TupleTableSlot* lookup;  // the caller fills it (virtual), then calls ts_group_lookup
  TupleTableSlot* read;    // a group's values, read back
  TupleHashTable table;
  MinimalTuple* tuples;    // by group number
  int count, capacity;
};

// Slots and descriptor for groups of `exprs` (a list of Expr) with equality operators `eq_ops`.
void ts_group_init(TsGroupTable* groups, EState* estate, List* exprs, const Oid* eq_ops);
// Empties the table; its memory comes from `cx` (reset by the caller between executions).
void ts_group_reset(TsGroupTable* groups, PlanState* parent, MemoryContext cx, MemoryContext temp);
// The number of the group in `lookup` (new groups get the next number). Without columns there is
// one group, 0.
int ts_group_lookup(TsGroupTable* groups);
// Group `n`'s values, deformed in `read`.
TupleTableSlot* ts_group_values(TsGroupTable* groups, int n);

}  // namespace observe::pg
