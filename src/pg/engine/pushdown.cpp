#include "pg/engine/pushdown.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "pg/border/border.h"
#include "pg/engine/layout.h"
#include "pg/engine/series.h"
#include "pg/engine/pg_engine_headers.h"
#include "core/chunk/aggregate.h"

namespace observe::pg {

namespace {

Node* strip_relabel(Node* n) {
  while (n != nullptr && IsA(n, RelabelType)) n = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(n)->arg);
  return n;
}

bool is_time_var(Node* n, Index rti, AttrNumber time_attno) { return ts_column_of(n, rti) == time_attno - 1; }

bool is_pseudo_constant(Node* n) {
  return !contain_var_clause(n) && !contain_volatile_functions(n) && !contain_subplans(n);
}

// A `time <op> expr` clause with a btree strategy of the time type's own operator family.
bool time_clause(Expr* clause, Index rti, AttrNumber time_attno, Oid time_type, int* strategy,
                 bool* var_left) {
  if (!IsA(clause, OpExpr)) return false;
  OpExpr* op = reinterpret_cast<OpExpr*>(clause);
  if (list_length(op->args) != 2) return false;
  Node* l = static_cast<Node*>(linitial(op->args));
  Node* r = static_cast<Node*>(lsecond(op->args));
  if (is_time_var(l, rti, time_attno) && is_pseudo_constant(r))
    *var_left = true;
  else if (is_time_var(r, rti, time_attno) && is_pseudo_constant(l))
    *var_left = false;
  else
    return false;
  Oid opclass = GetDefaultOpClass(time_type, BTREE_AM_OID);
  if (!OidIsValid(opclass)) return false;
  Oid family = get_opclass_family(opclass);
  int strat;
  Oid lefttype, righttype;
  if (!op_in_opfamily(op->opno, family)) return false;
  get_op_opfamily_properties(op->opno, family, false, &strat, &lefttype, &righttype);
  if (lefttype != time_type || righttype != time_type) return false;  // cross-type: not in µs
  if (!*var_left) {
    switch (strat) {
      case BTLessStrategyNumber: strat = BTGreaterStrategyNumber; break;
      case BTLessEqualStrategyNumber: strat = BTGreaterEqualStrategyNumber; break;
      case BTGreaterStrategyNumber: strat = BTLessStrategyNumber; break;
      case BTGreaterEqualStrategyNumber: strat = BTLessEqualStrategyNumber; break;
      default: break;
    }
  }
  *strategy = strat;
  return true;
}

// The chunk column of a float8 value attribute that `n` is a plain reference to, or -1.
int float_value_column(Node* n, Index rti, const TsRelShape& shape) {
  int att = ts_column_of(n, rti);
  if (att < 0 || att >= shape.natts) return -1;
  if (shape.column[att] < 0 || shape.type[att] != FLOAT8OID || shape.has_missing[att]) return -1;
  return shape.column[att];
}

// The ValueFilter::Op of a float8 comparison operator written as `value <op> constant` (var_left)
// or `constant <op> value`: a member of float8's btree family, or `<>` (its equality's negator).
bool comparison_op(Oid opno, bool var_left, int* op) {
  Oid family = get_opclass_family(GetDefaultOpClass(FLOAT8OID, BTREE_AM_OID));
  Oid negator = get_negator(opno);
  bool not_equal = !op_in_opfamily(opno, family) && OidIsValid(negator) && op_in_opfamily(negator, family);
  if (!not_equal && !op_in_opfamily(opno, family)) return false;
  int strategy;
  Oid lefttype, righttype;
  get_op_opfamily_properties(not_equal ? negator : opno, family, false, &strategy, &lefttype, &righttype);
  if (lefttype != FLOAT8OID || righttype != FLOAT8OID) return false;
  using F = chunk::ValueFilter;
  switch (strategy) {
    case BTLessStrategyNumber: *op = var_left ? F::kLess : F::kGreater; return !not_equal;
    case BTLessEqualStrategyNumber: *op = var_left ? F::kLessEqual : F::kGreaterEqual; return !not_equal;
    case BTEqualStrategyNumber: *op = not_equal ? F::kNotEqual : F::kEqual; return true;
    case BTGreaterEqualStrategyNumber: *op = var_left ? F::kGreaterEqual : F::kLessEqual; return !not_equal;
    case BTGreaterStrategyNumber: *op = var_left ? F::kGreater : F::kLess; return !not_equal;
    default: return false;
  }
}

}  // namespace

int ts_column_of(Node* n, Index rti) {
  n = strip_relabel(n);
  if (n == nullptr || !IsA(n, Var)) return -1;
  Var* v = reinterpret_cast<Var*>(n);
  if (v->varno != static_cast<int>(rti) || v->varlevelsup != 0 || v->varattno <= 0) return -1;
  return v->varattno - 1;
}

void ts_rel_shape(Oid relid, TsRelShape* shape) {
  Relation relation = table_open(relid, NoLock);
  int natts = RelationGetDescr(relation)->natts;
  shape->natts = natts;
  shape->is_key = static_cast<bool*>(palloc0(sizeof(bool) * (natts + 1)));
  shape->column = static_cast<int*>(palloc0(sizeof(int) * (natts + 1)));
  shape->type = static_cast<Oid*>(palloc0(sizeof(Oid) * (natts + 1)));
  shape->has_missing = static_cast<bool*>(palloc0(sizeof(bool) * (natts + 1)));
  shape->token_filter = static_cast<bool*>(palloc0(sizeof(bool) * (natts + 1)));
  bool* token_filter = shape->token_filter;
  TupleDesc desc = RelationGetDescr(relation);
  for (int a = 0; a < natts; a++) {
    Form_pg_attribute att = TupleDescAttr(desc, a);
    shape->type[a] = att->attisdropped ? InvalidOid : att->atttypid;
    shape->has_missing[a] = att->atthasmissing;
  }
  bool* is_key = shape->is_key;
  int* column = shape->column;
  AttrNumber time_attno = 0;
  Oid time_type = InvalidOid;
  invoke_cpp([&] {
    std::shared_ptr<const TsLayout> layout = ts_layout(relation);
    for (int k : layout->key_atts) is_key[k] = true;
    for (int a = 0; a < natts; a++) {
      column[a] = layout->attrs[a].column;
      if (column[a] >= 0 && layout->attrs[a].kind == chunk::ColumnKind::kBytes) {
        chunk::Column probe;
        probe.kind = chunk::ColumnKind::kBytes;
        layout->profile->column_codec(layout->attrs[a], probe);
        token_filter[a] = probe.token_filter;
      }
    }
    time_attno = static_cast<AttrNumber>(layout->time_att + 1);
    time_type = layout->attrs[layout->time_att].type;
  });
  table_close(relation, NoLock);
  shape->time_attno = time_attno;
  shape->time_type = time_type;
}

bool ts_is_key_expr(Node* expr, Index rti, const TsRelShape& shape) {
  if (contain_volatile_functions(expr) || contain_subplans(expr) || contain_agg_clause(expr) ||
      contain_window_function(expr))
    return false;
  List* vars = pull_var_clause(expr, PVC_RECURSE_PLACEHOLDERS);
  if (vars == NIL) return false;
  ListCell* lc;
  foreach (lc, vars) {
    Var* v = static_cast<Var*>(lfirst(lc));
    if (!IsA(v, Var) || v->varno != static_cast<int>(rti) || v->varlevelsup != 0 || v->varattno <= 0)
      return false;
    if (v->varattno > shape.natts || !shape.is_key[v->varattno - 1]) return false;
  }
  return true;
}

void ts_classify_clauses(List* restrictinfo, Index rti, const TsRelShape& shape, TsClauses* out) {
  bool rls = false;
  ListCell* lc;
  foreach (lc, restrictinfo)
    if (static_cast<RestrictInfo*>(lfirst(lc))->security_level > 0) rls = true;
  foreach (lc, restrictinfo) {
    RestrictInfo* ri = static_cast<RestrictInfo*>(lfirst(lc));
    int strategy;
    bool var_left;
    if (!ri->pseudoconstant &&
        time_clause(ri->clause, rti, shape.time_attno, shape.time_type, &strategy, &var_left)) {
      out->time_clauses = lappend(out->time_clauses, ri->clause);
      out->time_info = lappend_int(out->time_info, strategy);
      out->time_info = lappend_int(out->time_info, var_left ? 1 : 0);
    } else if (!rls && !ri->pseudoconstant &&
               ts_is_key_expr(reinterpret_cast<Node*>(ri->clause), rti, shape)) {
      out->key_clauses = lappend(out->key_clauses, ri->clause);
    } else {
      out->other_clauses = lappend(out->other_clauses, ri);
    }
  }
}

void ts_init_quals(TsQualState* qs, List* time_clauses, List* time_info, List* key_clauses,
                   PlanState* parent) {
  qs->n_time = list_length(time_clauses);
  qs->strategies = static_cast<int*>(palloc0(sizeof(int) * (qs->n_time + 1)));
  int i = 0;
  ListCell* lc;
  foreach (lc, time_clauses) {
    OpExpr* op = static_cast<OpExpr*>(lfirst(lc));
    qs->strategies[i] = list_nth_int(time_info, 2 * i);
    bool var_left = list_nth_int(time_info, 2 * i + 1) != 0;
    Expr* other = static_cast<Expr*>(var_left ? lsecond(op->args) : linitial(op->args));
    qs->time_exprs = lappend(qs->time_exprs, ExecInitExpr(other, parent));
    i++;
  }
  qs->key_qual = key_clauses != NIL ? ExecInitQual(key_clauses, parent) : nullptr;
}

bool ts_eval_time_bounds(const TsQualState& qs, ExprContext* econtext, TsReadSpec* spec) {
  bool possible = true;
  ListCell* lc;
  int i = 0;
  foreach (lc, qs.time_exprs) {
    bool isnull;
    Datum d = ExecEvalExprSwitchContext(static_cast<ExprState*>(lfirst(lc)), econtext, &isnull);
    int strat = qs.strategies[i++];
    if (isnull) {
      possible = false;
      continue;
    }
    int64 t = DatumGetInt64(d);
    switch (strat) {
      case BTLessStrategyNumber:
        if (t == PG_INT64_MIN) possible = false;
        else spec->max_time = std::min<int64_t>(spec->max_time, t - 1);
        break;
      case BTLessEqualStrategyNumber: spec->max_time = std::min<int64_t>(spec->max_time, t); break;
      case BTGreaterStrategyNumber:
        if (t == PG_INT64_MAX) possible = false;
        else spec->min_time = std::max<int64_t>(spec->min_time, t + 1);
        break;
      case BTGreaterEqualStrategyNumber: spec->min_time = std::max<int64_t>(spec->min_time, t); break;
      case BTEqualStrategyNumber:
        spec->min_time = std::max<int64_t>(spec->min_time, t);
        spec->max_time = std::min<int64_t>(spec->max_time, t);
        break;
      default: break;
    }
  }
  return possible && spec->min_time <= spec->max_time;
}

// A clause the scan can test on decoded chunk columns, as (op, column, constant) Consts.
bool ts_value_filter(Expr* clause, Index rti, const TsRelShape& shape, List** filter) {
  int op, column;
  double constant = 0;
  if (IsA(clause, NullTest)) {
    NullTest* nt = reinterpret_cast<NullTest*>(clause);
    column = float_value_column(reinterpret_cast<Node*>(nt->arg), rti, shape);
    if (column < 0 || nt->argisrow) return false;
    op = nt->nulltesttype == IS_NULL ? chunk::ValueFilter::kIsNull : chunk::ValueFilter::kIsNotNull;
  } else if (IsA(clause, OpExpr) && list_length(reinterpret_cast<OpExpr*>(clause)->args) == 2) {
    OpExpr* expr = reinterpret_cast<OpExpr*>(clause);
    Node* l = static_cast<Node*>(linitial(expr->args));
    Node* r = static_cast<Node*>(lsecond(expr->args));
    bool var_left = float_value_column(l, rti, shape) >= 0;
    column = float_value_column(var_left ? l : r, rti, shape);
    Node* other = strip_relabel(var_left ? r : l);
    if (column < 0 || other == nullptr || !IsA(other, Const)) return false;
    Const* c = reinterpret_cast<Const*>(other);
    if (c->constisnull || c->consttype != FLOAT8OID) return false;
    constant = DatumGetFloat8(c->constvalue);
    if (!comparison_op(expr->opno, var_left, &op)) return false;
  } else {
    return false;
  }
  *filter = lappend(*filter, makeConst(INT4OID, -1, InvalidOid, 4, Int32GetDatum(op), false, true));
  *filter = lappend(*filter, makeConst(INT4OID, -1, InvalidOid, 4, Int32GetDatum(column), false, true));
  *filter = lappend(*filter, makeConst(FLOAT8OID, -1, InvalidOid, 8, Float8GetDatum(constant), false, true));
  return true;
}

std::vector<chunk::ValueFilter> ts_value_filters(List* filter_consts) {
  std::vector<chunk::ValueFilter> out;
  for (int f = 0; f + 2 < list_length(filter_consts); f += 3) {
    auto item = [&](int i) { return static_cast<Const*>(list_nth(filter_consts, f + i))->constvalue; };
    out.push_back({static_cast<chunk::ValueFilter::Op>(DatumGetInt32(item(0))), DatumGetInt32(item(1)),
                   DatumGetFloat8(item(2))});
  }
  return out;
}

uint64_t ts_for_each_series(Relation rel, Snapshot snapshot, const TsLayout& layout,
                            const TsQualState& qs, TupleTableSlot* slot, ExprContext* econtext,
                            const std::function<void(int32_t, TupleTableSlot*)>& on_series) {
  // This transaction's written rows first, so that their series are in the dictionary.
  TsReader probe(rel, snapshot, TsReadSpec());
  probe.close();
  std::shared_ptr<SeriesDict> dict = ts_series_dict(layout.relid, layout.storage_id);
  MemoryContext series_cx = pg_guard([] {
    return AllocSetContextCreate(CurrentMemoryContext, "observe_ts series keys", ALLOCSET_SMALL_SIZES);
  });
  uint64_t looked_at = 0;
  ExprState* key_qual = qs.key_qual;
  for (const auto& e : dict->all()) {
    looked_at++;
    Datum* values = slot->tts_values;
    bool* nulls = slot->tts_isnull;
    pg_guard([&] {
      MemoryContextReset(series_cx);
      ExecClearTuple(slot);
      for (int a = 0; a < layout.natts; a++) nulls[a] = true;
    });
    ts_key_datums(layout, e->key, values, nulls, series_cx);
    bool match = pg_guard([&] {
      ExecStoreVirtualTuple(slot);
      if (key_qual == nullptr) return true;
      ResetExprContext(econtext);
      econtext->ecxt_scantuple = slot;
      return ExecQual(key_qual, econtext);
    });
    if (match) on_series(e->id, slot);
  }
  pg_guard([&] {
    ExecClearTuple(slot);
    MemoryContextDelete(series_cx);
  });
  return looked_at;
}

}  // namespace observe::pg
