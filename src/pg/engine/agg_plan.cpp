// Planning of ObserveTsAgg (see ts_agg.h): decides whether a grouping query can be answered
// from chunks and builds its path and plan.
#include "core/chunk/aggregate.h"
#include "pg/engine/agg.h"
#include "pg/ts/ts_am.h"
#include "pg/engine/pushdown.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

namespace {

using chunk::AggKind;

create_upper_paths_hook_type prev_upper_hook = nullptr;
bool enable_aggregate_pushdown = true;

extern const CustomPathMethods agg_path_methods;

// PostgreSQL 15 declares tree walkers as `bool (*)()`; void (*)() converts to any function type
// without -Wcast-function-type.
template <class Context>
auto as_walker(bool (*walker)(Node*, Context*)) {
  return reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(walker));
}

// The attribute (0-based) an aggregate argument reads, or -1 if it is not a plain column.
int arg_attribute(Aggref* agg, Index rti) {
  if (list_length(agg->args) != 1) return -1;
  return ts_column_of(reinterpret_cast<Node*>(static_cast<TargetEntry*>(linitial(agg->args))->expr), rti);
}

// The way ObserveTsAgg computes an Aggref, or false if it cannot.
bool classify_aggref(Aggref* agg, Index rti, const TsRelShape& shape, TsAggSpec* spec) {
  if (agg->aggorder != NIL || agg->aggdistinct != NIL || agg->aggfilter != nullptr ||
      agg->aggkind != AGGKIND_NORMAL || agg->agglevelsup != 0 || agg->aggsplit != AGGSPLIT_SIMPLE ||
      agg->aggvariadic)
    return false;
  if (agg->aggfnoid == F_COUNT_) {
    spec->kind = AggKind::kCountRows;
    return true;
  }
  int att = arg_attribute(agg, rti);
  if (att < 0 || att >= shape.natts || shape.has_missing[att]) return false;
  bool is_time = att == shape.time_attno - 1;
  bool is_value_float = shape.column[att] >= 0 && shape.type[att] == FLOAT8OID;
  spec->column = shape.column[att];
  switch (agg->aggfnoid) {
    case F_COUNT_ANY:
      if (is_time) {
        spec->kind = AggKind::kCountRows;
      } else if (shape.is_key[att]) {
        if (att >= 64) return false;  // the executor keeps key nulls in a 64-bit mask
        spec->kind = AggKind::kCountRows;
        spec->key_att = att;
      } else {
        spec->kind = AggKind::kCountValues;
      }
      return true;
    case F_SUM_FLOAT8: spec->kind = AggKind::kSumFloat; return is_value_float;
    case F_AVG_FLOAT8: spec->kind = AggKind::kAvgFloat; return is_value_float;
    case F_MIN_FLOAT8: spec->kind = AggKind::kMinFloat; return is_value_float;
    case F_MAX_FLOAT8: spec->kind = AggKind::kMaxFloat; return is_value_float;
    case F_MIN_TIMESTAMPTZ:
    case F_MIN_TIMESTAMP: spec->kind = AggKind::kMinTime; return is_time;
    case F_MAX_TIMESTAMPTZ:
    case F_MAX_TIMESTAMP: spec->kind = AggKind::kMaxTime; return is_time;
    default: return false;
  }
}

struct TargetCheck {
  Index rti;
  const TsRelShape* shape;
  List* groups;  // GROUP BY expressions
  List* aggrefs = NIL;
  List* specs = NIL;  // int list, kAggSpecWidth per aggref
  bool ok = true;
};

// Every part of the output and HAVING must be a GROUP BY expression, a supported aggregate,
// or an expression over those.
bool check_target(Node* node, TargetCheck* c) {
  if (node == nullptr || !c->ok) return false;
  ListCell* lc;
  foreach (lc, c->groups)
    if (equal(node, lfirst(lc))) return false;
  if (IsA(node, Aggref)) {
    foreach (lc, c->aggrefs)
      if (equal(node, lfirst(lc))) return false;
    TsAggSpec spec;
    if (!classify_aggref(reinterpret_cast<Aggref*>(node), c->rti, *c->shape, &spec)) {
      c->ok = false;
      return false;
    }
    c->aggrefs = lappend(c->aggrefs, node);
    c->specs = ts_agg_spec_append(c->specs, spec);
    return false;
  }
  if (IsA(node, Var) || IsA(node, PlaceHolderVar) || IsA(node, GroupingFunc) ||
      IsA(node, WindowFunc) || IsA(node, SubLink) || IsA(node, SubPlan)) {
    c->ok = false;  // a column outside GROUP BY, or something evaluated per row
    return false;
  }
  return expression_tree_walker(node, as_walker(check_target), c);
}

bool has_exec_param(Node* node, void* unused) {
  if (node == nullptr) return false;
  if (IsA(node, Param) && reinterpret_cast<Param*>(node)->paramkind == PARAM_EXEC) return true;
  return expression_tree_walker(node, as_walker(has_exec_param), unused);
}

// ---- time buckets: GROUP BY floor(extract(epoch from time) / C) ... (Grafana's $__timeGroup)

struct BucketSearch {
  Index rti;
  AttrNumber time_attno;
  Node* core = nullptr;  // the floor(extract(epoch from time) / C) inside the expression
  int64 width = 0;       // C in µs
  bool ok = true;
};

bool is_time_column(Node* n, const BucketSearch& s) { return ts_column_of(n, s.rti) == s.time_attno - 1; }

// C * 1e6 when C is a numeric constant in [1 ms, 100 years] of whole microseconds, else 0.
int64 width_of(Node* n) {
  if (n == nullptr || !IsA(n, Const)) return 0;
  Const* c = reinterpret_cast<Const*>(n);
  if (c->constisnull || c->consttype != NUMERICOID) return 0;
  Numeric num = DatumGetNumeric(c->constvalue);
  if (numeric_is_nan(num) || numeric_is_inf(num)) return 0;
  Datum us = DirectFunctionCall2(numeric_mul, c->constvalue, NumericGetDatum(int64_to_numeric(1000000)));
  Datum lo = NumericGetDatum(int64_to_numeric(1000));
  Datum hi = NumericGetDatum(int64_to_numeric(int64{100} * 366 * 86400 * 1000000));
  if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, us, lo)) < 0 ||
      DatumGetInt32(DirectFunctionCall2(numeric_cmp, us, hi)) > 0)
    return 0;
  Datum whole = DirectFunctionCall2(numeric_trunc, us, Int32GetDatum(0));
  if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, us, whole)) != 0) return 0;
  return DatumGetInt64(DirectFunctionCall1(numeric_int8, us));
}

// floor(extract(epoch from <time column>) / C)
int64 epoch_floor_width(Node* n, const BucketSearch& s) {
  if (!IsA(n, FuncExpr)) return 0;
  FuncExpr* floor_call = reinterpret_cast<FuncExpr*>(n);
  if (floor_call->funcid != F_FLOOR_NUMERIC || list_length(floor_call->args) != 1) return 0;
  Node* div = static_cast<Node*>(linitial(floor_call->args));
  if (!IsA(div, OpExpr)) return 0;
  OpExpr* op = reinterpret_cast<OpExpr*>(div);
  if (list_length(op->args) != 2 || get_opcode(op->opno) != F_NUMERIC_DIV) return 0;
  Node* extract = static_cast<Node*>(linitial(op->args));
  if (!IsA(extract, FuncExpr)) return 0;
  FuncExpr* ex = reinterpret_cast<FuncExpr*>(extract);
  if ((ex->funcid != F_EXTRACT_TEXT_TIMESTAMPTZ && ex->funcid != F_EXTRACT_TEXT_TIMESTAMP) ||
      list_length(ex->args) != 2 || !is_time_column(static_cast<Node*>(lsecond(ex->args)), s))
    return 0;
  Node* field = static_cast<Node*>(linitial(ex->args));
  if (!IsA(field, Const) || reinterpret_cast<Const*>(field)->constisnull) return 0;
  char* name = TextDatumGetCString(reinterpret_cast<Const*>(field)->constvalue);
  if (pg_strcasecmp(name, "epoch") != 0) return 0;
  return width_of(static_cast<Node*>(lsecond(op->args)));
}

// The time column may appear only inside one bucket core; no other column, nothing per row.
bool find_bucket(Node* node, BucketSearch* s) {
  if (node == nullptr || !s->ok) return false;
  if (int64 width = epoch_floor_width(node, *s); width > 0) {
    if (s->core != nullptr && !equal(s->core, node)) s->ok = false;
    s->core = node;
    s->width = width;
    return false;
  }
  if (IsA(node, Var) || IsA(node, PlaceHolderVar) || IsA(node, Aggref) || IsA(node, WindowFunc) ||
      IsA(node, SubLink) || IsA(node, SubPlan)) {
    s->ok = false;
    return false;
  }
  return expression_tree_walker(node, as_walker(find_bucket), s);
}

// Whether a GROUP BY expression is a function of a fixed-width bucket of the time column.
bool is_time_bucket(Node* expr, Index rti, const TsRelShape& shape, int64* width) {
  if (contain_volatile_functions(expr)) return false;
  BucketSearch s{rti, shape.time_attno};
  find_bucket(expr, &s);
  if (!s.ok || s.core == nullptr) return false;
  *width = s.width;
  return true;
}

void add_agg_path(PlannerInfo* root, RelOptInfo* input_rel, RelOptInfo* grouped_rel,
                  GroupPathExtraData* extra) {
  Query* parse = root->parse;
  if (parse->groupingSets != NIL || parse->hasTargetSRFs || parse->hasWindowFuncs ||
      extra->patype != PARTITIONWISE_AGGREGATE_NONE)
    return;
  if (input_rel->reloptkind != RELOPT_BASEREL || input_rel->rtekind != RTE_RELATION) return;
  Index rti = input_rel->relid;
  RangeTblEntry* rte = planner_rt_fetch(rti, root);
  if (rte->inh || rte->tablesample != nullptr || rte->relkind != RELKIND_RELATION ||
      !ts_relid_is_observe_ts(rte->relid))
    return;

  TsRelShape shape;
  ts_rel_shape(rte->relid, &shape);
  TsClauses clauses;
  ts_classify_clauses(input_rel->baserestrictinfo, rti, shape, &clauses);
  List* filters = NIL;        // (op, column, constant) Consts per value filter
  List* filter_clauses = NIL;
  ListCell* lc;
  foreach (lc, clauses.other_clauses) {
    RestrictInfo* ri = static_cast<RestrictInfo*>(lfirst(lc));
    if (ri->pseudoconstant || ri->security_level > 0 || !ts_value_filter(ri->clause, rti, shape, &filters)) return;
    filter_clauses = lappend(filter_clauses, ri->clause);
  }
  List* where = list_concat(list_concat(list_copy(clauses.time_clauses), clauses.key_clauses), filter_clauses);
  if (has_exec_param(reinterpret_cast<Node*>(where), nullptr)) return;

  List* groups = NIL;
  List* eqops = NIL;
  int bucket_group = -1;
  int64 bucket_width = 0;
  foreach (lc, parse->groupClause) {
    SortGroupClause* sgc = static_cast<SortGroupClause*>(lfirst(lc));
    Node* expr = get_sortgroupclause_expr(sgc, parse->targetList);
    if (!sgc->hashable || !OidIsValid(sgc->eqop)) return;
    if (!ts_is_key_expr(expr, rti, shape)) {
      int64 width;
      if (bucket_group >= 0 || !is_time_bucket(expr, rti, shape, &width)) return;
      bucket_group = list_length(groups);
      bucket_width = width;
    }
    groups = lappend(groups, expr);
    eqops = lappend_oid(eqops, sgc->eqop);
  }

  TargetCheck check{rti, &shape, groups};
  foreach (lc, grouped_rel->reltarget->exprs) check_target(static_cast<Node*>(lfirst(lc)), &check);
  check_target(extra->havingQual, &check);
  if (!check.ok) return;

  List* meta = NIL;
  meta = lappend_int(meta, static_cast<int>(rte->relid));
  meta = lappend_int(meta, static_cast<int>(rti));
  meta = lappend_int(meta, shape.natts);
  meta = lappend_int(meta, list_length(groups));
  meta = lappend_int(meta, list_length(check.aggrefs));
  meta = lappend_int(meta, list_length(clauses.time_clauses));
  meta = lappend_int(meta, list_length(filter_clauses));

  // All the work happens before the first group comes out; reading chunks costs a fraction of
  // producing a row per sample, so this is cheaper than any path that aggregates rows.
  Path* input = input_rel->cheapest_total_path;
  CustomPath* path = makeNode(CustomPath);
  path->path.pathtype = T_CustomScan;
  path->path.parent = grouped_rel;
  path->path.pathtarget = grouped_rel->reltarget;
  path->path.param_info = nullptr;
  path->path.parallel_safe = false;
  double groups_estimate = 1;
  if (grouped_rel->pathlist != NIL) groups_estimate = static_cast<Path*>(linitial(grouped_rel->pathlist))->rows;
  path->path.rows = groups_estimate;
  path->path.startup_cost = input->total_cost * 0.1;
  path->path.total_cost = path->path.startup_cost + groups_estimate * cpu_tuple_cost;
  path->flags = 0;
  // Bucket k holds the times t (µs since 2000) with floor((t + offset) / width) = k: the epoch
  // of both timestamp types counts from 1970.
  List* bucket = NIL;
  if (bucket_group >= 0) {
    int64 params[3] = {bucket_group, bucket_width, int64{946684800} * 1000000};
    for (int64 p : params)
      bucket = lappend(bucket, makeConst(INT8OID, -1, InvalidOid, 8, Int64GetDatum(p), false, true));
  }
  path->custom_private = list_make5(meta, check.specs, eqops, clauses.time_info,
                                    list_make5(where, groups, check.aggrefs, bucket, filters));
  path->methods = &agg_path_methods;
  add_path(grouped_rel, &path->path);
}

void upper_paths_hook(PlannerInfo* root, UpperRelationKind stage, RelOptInfo* input_rel,
                      RelOptInfo* output_rel, void* extra) {
  if (prev_upper_hook != nullptr) prev_upper_hook(root, stage, input_rel, output_rel, extra);
  if (stage != UPPERREL_GROUP_AGG || !enable_aggregate_pushdown || extra == nullptr) return;
  add_agg_path(root, input_rel, output_rel, static_cast<GroupPathExtraData*>(extra));
}

Plan* plan_agg_path(PlannerInfo* root, RelOptInfo* rel, CustomPath* path, List* tlist, List*, List*) {
  List* exprs = static_cast<List*>(list_nth(path->custom_private, 4));
  List* where = static_cast<List*>(linitial(exprs));
  List* groups = static_cast<List*>(lsecond(exprs));
  List* aggrefs = static_cast<List*>(lthird(exprs));
  List* meta = static_cast<List*>(linitial(path->custom_private));
  Oid relid = static_cast<Oid>(list_nth_int(meta, kMetaRelid));
  int natts = list_nth_int(meta, kMetaNatts);

  // The scan tuple: the relation's attributes, then the groups, then the aggregates.
  Index rti = static_cast<Index>(list_nth_int(meta, kMetaRti));
  Relation relation = table_open(relid, NoLock);
  TupleDesc desc = RelationGetDescr(relation);
  List* scan_tlist = NIL;
  AttrNumber resno = 1;
  for (int a = 0; a < natts; a++) {
    Form_pg_attribute att = TupleDescAttr(desc, a);
    Expr* e = att->attisdropped
                  ? reinterpret_cast<Expr*>(makeNullConst(INT4OID, -1, InvalidOid))
                  : reinterpret_cast<Expr*>(makeVar(rti, a + 1, att->atttypid, att->atttypmod, att->attcollation, 0));
    scan_tlist = lappend(scan_tlist, makeTargetEntry(e, resno++, nullptr, true));
  }
  table_close(relation, NoLock);
  ListCell* lc;
  foreach (lc, groups)
    scan_tlist = lappend(scan_tlist, makeTargetEntry(static_cast<Expr*>(lfirst(lc)), resno++, nullptr, false));
  foreach (lc, aggrefs)
    scan_tlist = lappend(scan_tlist, makeTargetEntry(static_cast<Expr*>(lfirst(lc)), resno++, nullptr, false));

  CustomScan* cscan = makeNode(CustomScan);
  cscan->scan.plan.targetlist = tlist;
  cscan->scan.plan.qual = reinterpret_cast<List*>(root->parse->havingQual);
  cscan->scan.scanrelid = 0;
  cscan->flags = path->flags;
  cscan->methods = &ts_agg_scan_methods;
  cscan->custom_scan_tlist = scan_tlist;
  cscan->custom_exprs = where;
  cscan->custom_private = lappend(list_make5(meta, lsecond(path->custom_private), lthird(path->custom_private),
                                             lfourth(path->custom_private), lfourth(exprs)),
                                  list_nth(exprs, 4));
  (void)rel;
  return &cscan->scan.plan;
}

const CustomPathMethods agg_path_methods = {"ObserveTsAgg", plan_agg_path, nullptr};

}  // namespace

void ts_agg_init() {
  DefineCustomBoolVariable(
      "observe.enable_aggregate_pushdown",
      "Answers GROUP BY queries on observe_ts tables from chunks instead of from rows.",
      "Applies to count/sum/avg/min/max over one table grouped by series key columns.",
      &enable_aggregate_pushdown, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  RegisterCustomScanMethods(&ts_agg_scan_methods);
  prev_upper_hook = create_upper_paths_hook;
  create_upper_paths_hook = upper_paths_hook;
}

}  // namespace observe::pg
