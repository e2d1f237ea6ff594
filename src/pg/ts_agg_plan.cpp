// Planning of ObserveTsAgg (see ts_agg.h): decides whether a grouping query can be answered
// from chunks and builds its path and plan.
#include "core/chunk/aggregate.h"
#include "pg/ts_agg.h"
#include "pg/ts_am.h"
#include "pg/ts_pushdown.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wregister"
extern "C" {
#include "catalog/pg_aggregate.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planner.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
}
#pragma GCC diagnostic pop

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

Node* strip_relabel(Node* n) {
  while (n != nullptr && IsA(n, RelabelType)) n = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(n)->arg);
  return n;
}

// The attribute (0-based) an aggregate argument reads, or -1 if it is not a plain column.
int arg_attribute(Aggref* agg, Index rti) {
  if (list_length(agg->args) != 1) return -1;
  Node* arg = strip_relabel(reinterpret_cast<Node*>(static_cast<TargetEntry*>(linitial(agg->args))->expr));
  if (arg == nullptr || !IsA(arg, Var)) return -1;
  Var* v = reinterpret_cast<Var*>(arg);
  if (v->varno != static_cast<int>(rti) || v->varlevelsup != 0 || v->varattno <= 0) return -1;
  return v->varattno - 1;
}

struct AggSpec {
  AggKind kind;
  int column = -1;   // chunk column of the aggregated value attribute
  int key_att = -1;  // count(key column): rows of the series whose key value is not null
};

// The way ObserveTsAgg computes an Aggref, or false if it cannot.
bool classify_aggref(Aggref* agg, Index rti, const TsRelShape& shape, AggSpec* spec) {
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
    AggSpec spec;
    if (!classify_aggref(reinterpret_cast<Aggref*>(node), c->rti, *c->shape, &spec)) {
      c->ok = false;
      return false;
    }
    c->aggrefs = lappend(c->aggrefs, node);
    c->specs = lappend_int(c->specs, static_cast<int>(spec.kind));
    c->specs = lappend_int(c->specs, spec.column);
    c->specs = lappend_int(c->specs, spec.key_att);
    return false;
  }
  if (IsA(node, Var) || IsA(node, PlaceHolderVar) || IsA(node, GroupingFunc) ||
      IsA(node, WindowFunc) || IsA(node, SubLink) || IsA(node, SubPlan)) {
    c->ok = false;  // a column outside GROUP BY, or something evaluated per row
    return false;
  }
  return expression_tree_walker(node, as_walker(check_target), c);
}

bool contains_equal(Node* node, Node* target) {  // target: a Node, walker-style
  if (node == nullptr) return false;
  if (equal(node, target)) return true;
  return expression_tree_walker(node, as_walker(contains_equal), target);
}

bool has_exec_param(Node* node, void* unused) {
  if (node == nullptr) return false;
  if (IsA(node, Param) && reinterpret_cast<Param*>(node)->paramkind == PARAM_EXEC) return true;
  return expression_tree_walker(node, as_walker(has_exec_param), unused);
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
  if (clauses.other_clauses != NIL) return;
  List* where = list_concat(list_copy(clauses.time_clauses), clauses.key_clauses);
  if (has_exec_param(reinterpret_cast<Node*>(where), nullptr)) return;

  List* groups = NIL;
  List* eqops = NIL;
  ListCell* lc;
  foreach (lc, parse->groupClause) {
    SortGroupClause* sgc = static_cast<SortGroupClause*>(lfirst(lc));
    Node* expr = get_sortgroupclause_expr(sgc, parse->targetList);
    if (!sgc->hashable || !OidIsValid(sgc->eqop) || !ts_is_key_expr(expr, rti, shape)) return;
    // A WHERE clause that contains a GROUP BY expression would be rewritten by setrefs into a
    // reference to the group column, which the per-series evaluation does not fill.
    if (!IsA(expr, Var) && contains_equal(reinterpret_cast<Node*>(where), expr)) return;
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
  path->custom_private = list_make5(meta, check.specs, eqops, clauses.time_info,
                                    list_make3(where, groups, check.aggrefs));
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
  cscan->custom_private = list_make4(meta, lsecond(path->custom_private), lthird(path->custom_private),
                                     lfourth(path->custom_private));
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
