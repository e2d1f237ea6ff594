// The WHERE clauses an observe_ts table applies itself, shared by the row scan (ObserveTsScan)
// and the aggregate scan (ObserveTsAgg): at planning, which clauses are time bounds on the time
// column and which read only series key columns; at execution, the time bounds they give and
// the series whose keys pass the key clauses.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "pg/engine/pg_engine_headers.h"
#include "pg/engine/scan.h"
#include "core/chunk/aggregate.h"

namespace observe::pg {

struct TsLayout;

// ---- planning -------------------------------------------------------------------------------

struct TsRelShape {
  int natts = 0;
  AttrNumber time_attno = 0;
  Oid time_type = InvalidOid;
  // palloc'd arrays indexed by 0-based attribute number:
  bool* is_key = nullptr;
  int* column = nullptr;      // chunk column of a value attribute, else -1
  Oid* type = nullptr;        // InvalidOid for a dropped attribute
  bool* has_missing = nullptr;  // ADD COLUMN with a default: old chunks lack its values
  bool* token_filter = nullptr;  // a value column whose chunks carry a token filter (observe_log's line)
};
// Reads the layout of an observe_ts relation into plain values (planner side: no C++ object
// lives while PostgreSQL may ereport).
void ts_rel_shape(Oid relid, TsRelShape* shape);

// The attribute (0-based) that `n` is a plain reference to (through binary-compatible casts) in
// relation `rti`, or -1.
int ts_column_of(Node* n, Index rti);

// The clauses of `restrictinfo` (a RestrictInfo list of relation `rti`), split into time-range
// clauses (with their btree strategy and side in `time_info`: strategy, var_is_left per clause),
// series-key clauses and the rest. Key clauses are not taken from a relation under row-level
// security (a key clause evaluated per series could leak through a non-leakproof function).
struct TsClauses {
  List* time_clauses = NIL;
  List* time_info = NIL;
  List* key_clauses = NIL;
  List* other_clauses = NIL;
};
void ts_classify_clauses(List* restrictinfo, Index rti, const TsRelShape& shape, TsClauses* out);

// An expression whose Vars are all key columns of relation `rti` (at least one), with no
// volatile functions, subplans or aggregates: its value is the same for every row of a series.
bool ts_is_key_expr(Node* expr, Index rti, const TsRelShape& shape);

// A comparison of a float8 value column with a constant (float8's btree operators and <>) or
// `IS [NOT] NULL` on one, which scans can test on decoded chunk columns (chunk::ValueFilter):
// appends (op int4, chunk column int4, constant float8) Consts to *filter.
bool ts_value_filter(Expr* clause, Index rti, const TsRelShape& shape, List** filter);
// The filters of such a Const list.
std::vector<chunk::ValueFilter> ts_value_filters(List* filter_consts);

// ---- execution ------------------------------------------------------------------------------

struct TsQualState {
  List* time_exprs = NIL;  // ExprState of the non-Var side of each time clause
  int* strategies = nullptr;
  int n_time = 0;
  ExprState* key_qual = nullptr;  // the key clauses, evaluated per series; NULL: none
};
void ts_init_quals(TsQualState* qs, List* time_clauses, List* time_info, List* key_clauses,
                   PlanState* parent);

// Narrows spec's time range by the time clauses' current values; false when no row can match
// (a bound is NULL, or the range is empty).
bool ts_eval_time_bounds(const TsQualState& qs, ExprContext* econtext, TsReadSpec* spec);

// Calls on_series(id, slot) for every series of the table (this transaction's written rows
// included) whose key passes qs.key_qual (every series when there is none), with the series'
// key columns in `slot` (a virtual slot of the relation's descriptor; other columns null).
// The callback runs in C++ (call PostgreSQL through pg_guard) and the slot's values live until
// the next series. Returns the number of series looked at.
uint64_t ts_for_each_series(Relation rel, Snapshot snapshot, const TsLayout& layout,
                            const TsQualState& qs, TupleTableSlot* slot, ExprContext* econtext,
                            const std::function<void(int32_t, TupleTableSlot*)>& on_series);

}  // namespace observe::pg
