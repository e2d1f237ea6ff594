// Planner and executor integration of observe_ts.
//
//  * Row-level UPDATE/DELETE/MERGE are refused when planned (not only when a row is found), and
//    no parallel paths are kept (the AM has no parallel scan).
//  * A custom scan, "ObserveTsScan", pushes into the AM: time-range quals on the time column
//    (<, <=, >, >=, = against any expression without Vars or volatile functions, evaluated when
//    the scan starts: constants, parameters, now() - interval ...), quals on the series key columns
//    only (name = ..., name IN (...), labels @> ..., labels->>'k' = ..., any such expression:
//    evaluated once per series against its key, so only matching series' chunks are read), and
//    column projection (chunks decode only the columns the query uses). Every qual is still
//    rechecked on each row, so the pushdown can only skip work, never change results.
#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "pg/border.h"
#include "pg/ts_am.h"
#include "pg/ts_layout.h"
#include "pg/ts_scan.h"
#include "pg/ts_series.h"
#include "pg/ts_pg_headers.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wregister"
extern "C" {
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opclass.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/ruleutils.h"
#include "utils/typcache.h"
}
#pragma GCC diagnostic pop

namespace observe::pg {

namespace {

set_rel_pathlist_hook_type prev_pathlist_hook = nullptr;

// custom_private: [n_time, (strategy, var_is_left) x n_time, n_key] and the wanted attributes.
struct Pushdown {
  List* time_clauses = NIL;
  List* time_info = NIL;  // int list: strategy, var_is_left per clause
  List* key_clauses = NIL;
};

Node* strip_relabel(Node* n) {
  while (n != nullptr && IsA(n, RelabelType)) n = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(n)->arg);
  return n;
}

bool is_time_var(Node* n, Index rti, AttrNumber time_attno) {
  n = strip_relabel(n);
  if (n == nullptr || !IsA(n, Var)) return false;
  Var* v = reinterpret_cast<Var*>(n);
  return v->varno == static_cast<int>(rti) && v->varattno == time_attno && v->varlevelsup == 0;
}

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

// A clause whose Vars are all key columns of this relation (evaluated per series).
bool key_clause(Expr* clause, Index rti, const bool* is_key, int natts) {
  if (contain_volatile_functions(reinterpret_cast<Node*>(clause)) ||
      contain_subplans(reinterpret_cast<Node*>(clause)))
    return false;
  List* vars = pull_var_clause(reinterpret_cast<Node*>(clause), PVC_RECURSE_PLACEHOLDERS);
  if (vars == NIL) return false;
  ListCell* lc;
  foreach (lc, vars) {
    Var* v = static_cast<Var*>(lfirst(lc));
    if (!IsA(v, Var) || v->varno != static_cast<int>(rti) || v->varlevelsup != 0 || v->varattno <= 0)
      return false;
    if (v->varattno > natts || !is_key[v->varattno - 1]) return false;
  }
  return true;
}

extern const CustomPathMethods ts_path_methods;
extern const CustomScanMethods ts_scan_methods;
extern const CustomExecMethods ts_exec_methods;

Plan* plan_ts_path(PlannerInfo* root, RelOptInfo* rel, CustomPath* path, List* tlist, List* clauses,
                   List*) {
  CustomScan* cscan = makeNode(CustomScan);
  cscan->scan.plan.targetlist = tlist;
  // Every qual is rechecked per row: the pushdown only skips what cannot match.
  cscan->scan.plan.qual = extract_actual_clauses(clauses, false);
  cscan->scan.scanrelid = rel->relid;
  cscan->flags = path->flags;
  cscan->methods = &ts_scan_methods;
  List* time_clauses = static_cast<List*>(linitial(path->custom_private));
  List* key_clauses = static_cast<List*>(lsecond(path->custom_private));
  cscan->custom_exprs = list_concat(list_copy(time_clauses), key_clauses);
  cscan->custom_private = list_make3(lthird(path->custom_private), lfourth(path->custom_private),
                                     list_make1_int(list_length(time_clauses)));
  (void)root;
  return &cscan->scan.plan;
}

void ts_set_rel_pathlist(PlannerInfo* root, RelOptInfo* rel, Index rti, RangeTblEntry* rte) {
  if (prev_pathlist_hook != nullptr) prev_pathlist_hook(root, rel, rti, rte);
  if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION ||
      !ts_relid_is_observe_ts(rte->relid))
    return;
  int result_rel = root->parse->resultRelation;
  bool is_target = result_rel == static_cast<int>(rti) ||
                   (result_rel > 0 && rel->top_parent_relids != nullptr &&
                    bms_is_member(result_rel, rel->top_parent_relids));  // a partition of it
  if (is_target) {
    switch (root->parse->commandType) {
      case CMD_UPDATE: ts_refuse_row_change("UPDATE");
      case CMD_DELETE: ts_refuse_row_change("DELETE");
      case CMD_MERGE: ts_refuse_row_change("MERGE");
      default: break;
    }
  }
  // Never in a parallel worker: a worker would not see this transaction's buffered rows (and
  // could not write them).
  rel->partial_pathlist = NIL;
  rel->consider_parallel = false;
  ListCell* pc;
  foreach (pc, rel->pathlist) static_cast<Path*>(lfirst(pc))->parallel_safe = false;
  if (rte->tablesample != nullptr || rel->pathlist == NIL) return;

  // The layout, copied into plain locals: no C++ object lives while PostgreSQL may ereport below.
  Relation relation = table_open(rte->relid, NoLock);
  int natts = RelationGetDescr(relation)->natts;
  bool* is_key = static_cast<bool*>(palloc0(sizeof(bool) * (natts + 1)));
  AttrNumber time_attno = 0;
  Oid time_type = InvalidOid;
  invoke_cpp([&] {
    std::shared_ptr<const TsLayout> layout = ts_layout(relation);
    for (int k : layout->key_atts) is_key[k] = true;
    time_attno = static_cast<AttrNumber>(layout->time_att + 1);
    time_type = layout->attrs[layout->time_att].type;
  });
  table_close(relation, NoLock);
  bool rls = false;
  ListCell* lc;
  foreach (lc, rel->baserestrictinfo)
    if (static_cast<RestrictInfo*>(lfirst(lc))->security_level > 0) rls = true;

  List* time_clauses = NIL;
  List* time_info = NIL;
  List* key_clauses = NIL;
  foreach (lc, rel->baserestrictinfo) {
    RestrictInfo* ri = static_cast<RestrictInfo*>(lfirst(lc));
    int strategy;
    bool var_left;
    if (time_clause(ri->clause, rti, time_attno, time_type, &strategy, &var_left)) {
      time_clauses = lappend(time_clauses, ri->clause);
      time_info = lappend_int(time_info, strategy);
      time_info = lappend_int(time_info, var_left ? 1 : 0);
    } else if (!rls && key_clause(ri->clause, rti, is_key, natts)) {
      key_clauses = lappend(key_clauses, ri->clause);
    }
  }

  // Projection: the attributes the query reads (a whole-row reference reads them all).
  Bitmapset* attrs = nullptr;
  pull_varattnos(reinterpret_cast<Node*>(rel->reltarget->exprs), rti, &attrs);
  foreach (lc, rel->baserestrictinfo)
    pull_varattnos(reinterpret_cast<Node*>(static_cast<RestrictInfo*>(lfirst(lc))->clause), rti, &attrs);
  List* wanted = NIL;
  bool whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);
  for (int i = 0; i < natts; i++)
    wanted = lappend_int(wanted, whole_row || bms_is_member(i + 1 - FirstLowInvalidHeapAttributeNumber, attrs));

  Path* seq = static_cast<Path*>(linitial(rel->pathlist));
  foreach (lc, rel->pathlist)
    if (static_cast<Path*>(lfirst(lc))->total_cost < seq->total_cost) seq = static_cast<Path*>(lfirst(lc));
  CustomPath* cpath = makeNode(CustomPath);
  cpath->path.pathtype = T_CustomScan;
  cpath->path.parent = rel;
  cpath->path.pathtarget = rel->reltarget;
  cpath->path.param_info = nullptr;
  cpath->path.parallel_safe = false;
  cpath->path.rows = rel->rows;
  cpath->path.startup_cost = 0;
  // Reading fewer chunks and columns than the plain scan: cheaper whenever anything is pushed.
  double factor = (time_clauses != NIL || key_clauses != NIL) ? 0.1 : 0.9;
  cpath->path.total_cost = seq->total_cost * factor;
  cpath->flags = 0;
  cpath->custom_private = list_make4(time_clauses, key_clauses, time_info, wanted);
  cpath->methods = &ts_path_methods;
  add_path(rel, &cpath->path);
}

// ---- execution -----------------------------------------------------------------------------

struct TsScanState {
  CustomScanState css;
  List* time_exprs;   // ExprState of the non-Var side of each time clause
  int* strategies;
  int n_time;
  ExprState* key_qual;  // the key clauses, evaluated per series
  bool has_key_qual;
  std::vector<bool>* wanted;  // owned by `context`
  MemoryContext context;
  TsReader* reader;
  bool started;
  bool empty;  // a bound is NULL: no row can match
  uint64 chunks_read, chunks_skipped;
  uint64 series_matched, series_total;
};

Node* create_scan_state(CustomScan* cscan) {
  auto* st = static_cast<TsScanState*>(palloc0(sizeof(TsScanState)));
  NodeSetTag(st, T_CustomScanState);
  st->css.methods = &ts_exec_methods;
  return reinterpret_cast<Node*>(st);
}

void begin_scan(CustomScanState* node, EState* estate, int eflags) {
  auto* st = reinterpret_cast<TsScanState*>(node);
  CustomScan* cscan = reinterpret_cast<CustomScan*>(node->ss.ps.plan);
  List* time_info = static_cast<List*>(linitial(cscan->custom_private));
  List* wanted = static_cast<List*>(lsecond(cscan->custom_private));
  st->n_time = linitial_int(static_cast<List*>(lthird(cscan->custom_private)));
  st->strategies = static_cast<int*>(palloc0(sizeof(int) * (st->n_time + 1)));
  List* key_clauses = NIL;
  int i = 0;
  ListCell* lc;
  foreach (lc, cscan->custom_exprs) {
    Expr* clause = static_cast<Expr*>(lfirst(lc));
    if (i < st->n_time) {
      OpExpr* op = reinterpret_cast<OpExpr*>(clause);
      st->strategies[i] = list_nth_int(time_info, 2 * i);
      bool var_left = list_nth_int(time_info, 2 * i + 1) != 0;
      Expr* other = static_cast<Expr*>(var_left ? lsecond(op->args) : linitial(op->args));
      st->time_exprs = lappend(st->time_exprs, ExecInitExpr(other, &node->ss.ps));
    } else {
      key_clauses = lappend(key_clauses, clause);
    }
    i++;
  }
  st->has_key_qual = key_clauses != NIL;
  st->key_qual = ExecInitQual(key_clauses, &node->ss.ps);
  st->context = AllocSetContextCreate(CurrentMemoryContext, "ObserveTsScan", ALLOCSET_DEFAULT_SIZES);
  invoke_cpp([&] {
    st->wanted = make_owned_by<std::vector<bool>>(st->context);
    foreach (lc, wanted) st->wanted->push_back(lfirst_int(lc) != 0);
  });
  (void)estate;
  (void)eflags;
}

void close_reader(TsScanState* st) {
  if (st->reader == nullptr) return;
  st->chunks_read += st->reader->chunks_read();
  st->chunks_skipped += st->reader->chunks_skipped();
  invoke_cpp([&] { st->reader->close(); });
  st->reader = nullptr;  // deleted with st->context
}

// Evaluates the time bounds and the series selection, then opens the reader.
void start_scan(TsScanState* st) {
  ExprContext* econtext = st->css.ss.ps.ps_ExprContext;
  TsReadSpec spec;
  ListCell* lc;
  int i = 0;
  foreach (lc, st->time_exprs) {
    bool isnull;
    Datum d = ExecEvalExprSwitchContext(static_cast<ExprState*>(lfirst(lc)), econtext, &isnull);
    int strat = st->strategies[i++];
    if (isnull) {
      st->empty = true;
      continue;
    }
    int64 t = DatumGetInt64(d);
    switch (strat) {
      case BTLessStrategyNumber:
        spec.max_time = std::min<int64_t>(spec.max_time, t == PG_INT64_MIN ? t : t - 1);
        if (t == PG_INT64_MIN) st->empty = true;
        break;
      case BTLessEqualStrategyNumber: spec.max_time = std::min<int64_t>(spec.max_time, t); break;
      case BTGreaterStrategyNumber:
        spec.min_time = std::max<int64_t>(spec.min_time, t == PG_INT64_MAX ? t : t + 1);
        if (t == PG_INT64_MAX) st->empty = true;
        break;
      case BTGreaterEqualStrategyNumber: spec.min_time = std::max<int64_t>(spec.min_time, t); break;
      case BTEqualStrategyNumber:
        spec.min_time = std::max<int64_t>(spec.min_time, t);
        spec.max_time = std::min<int64_t>(spec.max_time, t);
        break;
      default: break;
    }
  }
  if (spec.min_time > spec.max_time) st->empty = true;
  Relation rel = st->css.ss.ss_currentRelation;
  Snapshot snapshot = st->css.ss.ps.state->es_snapshot;
  MemoryContext old = MemoryContextSwitchTo(st->context);
  invoke_cpp([&] {
    spec.wanted = *st->wanted;
    std::shared_ptr<const TsLayout> layout = ts_layout(rel);
    if (st->has_key_qual && !st->empty) {
      // Written rows of this transaction first, so that their series are known.
      TsReader probe(rel, snapshot, TsReadSpec());
      probe.close();
      std::shared_ptr<SeriesDict> dict = ts_series_dict(layout->relid, layout->storage_id);
      TupleTableSlot* slot = st->css.ss.ss_ScanTupleSlot;
      MemoryContext series_cx = pg_guard([] {
        return AllocSetContextCreate(CurrentMemoryContext, "ObserveTsScan series", ALLOCSET_SMALL_SIZES);
      });
      spec.all_series = false;
      for (const auto& e : dict->all()) {
        st->series_total++;
        Datum* values = slot->tts_values;
        bool* nulls = slot->tts_isnull;
        pg_guard([&] {
          MemoryContextReset(series_cx);
          ExecClearTuple(slot);
          for (int a = 0; a < layout->natts; a++) nulls[a] = true;
        });
        ts_key_datums(*layout, e->key, values, nulls, series_cx);
        bool match = pg_guard([&] {
          ExecStoreVirtualTuple(slot);
          ResetExprContext(econtext);
          econtext->ecxt_scantuple = slot;
          return ExecQual(st->key_qual, econtext);
        });
        if (match) spec.series.push_back(e->id);
      }
      pg_guard([&] {
        ExecClearTuple(slot);
        MemoryContextDelete(series_cx);
      });
      std::sort(spec.series.begin(), spec.series.end());
      st->series_matched += spec.series.size();
    }
    if (st->empty) {
      spec.all_series = false;
      spec.series.clear();
    }
    st->reader = make_owned_by<TsReader>(st->context, rel, snapshot, spec);
  });
  MemoryContextSwitchTo(old);
  st->started = true;
}

TupleTableSlot* ts_access(ScanState* ss) {
  auto* st = reinterpret_cast<TsScanState*>(ss);
  if (!st->started) start_scan(st);
  TupleTableSlot* slot = ss->ss_ScanTupleSlot;
  CHECK_FOR_INTERRUPTS();
  bool got = invoke_cpp([&] { return st->reader->next(slot); });
  if (!got) {
    ExecClearTuple(slot);
    return slot;
  }
  return slot;
}

bool ts_recheck(ScanState*, TupleTableSlot*) { return true; }

TupleTableSlot* exec_scan(CustomScanState* node) { return ExecScan(&node->ss, ts_access, ts_recheck); }

void end_scan(CustomScanState* node) {
  auto* st = reinterpret_cast<TsScanState*>(node);
  close_reader(st);
  MemoryContextDelete(st->context);
}

void rescan(CustomScanState* node) {
  auto* st = reinterpret_cast<TsScanState*>(node);
  close_reader(st);  // parameters may have changed: bounds and series are evaluated again
  st->started = false;
  st->empty = false;
}

void explain_scan(CustomScanState* node, List* ancestors, ExplainState* es) {
  auto* st = reinterpret_cast<TsScanState*>(node);
  CustomScan* cscan = reinterpret_cast<CustomScan*>(node->ss.ps.plan);
  List* context = set_deparse_context_plan(es->deparse_cxt, &cscan->scan.plan, ancestors);
  List* time_clauses = NIL;
  List* key_clauses = NIL;
  int i = 0;
  ListCell* lc;
  foreach (lc, cscan->custom_exprs) {
    if (i++ < st->n_time)
      time_clauses = lappend(time_clauses, lfirst(lc));
    else
      key_clauses = lappend(key_clauses, lfirst(lc));
  }
  bool prefix = list_length(es->rtable) > 1;
  if (time_clauses != NIL)
    ExplainPropertyText("Time Range",
                        deparse_expression(reinterpret_cast<Node*>(make_ands_explicit(time_clauses)),
                                           context, prefix, false),
                        es);
  if (key_clauses != NIL)
    ExplainPropertyText("Series Filter",
                        deparse_expression(reinterpret_cast<Node*>(make_ands_explicit(key_clauses)),
                                           context, prefix, false),
                        es);
  if (es->analyze) {
    uint64 read = st->chunks_read, skipped = st->chunks_skipped;
    if (st->reader != nullptr) {
      read += st->reader->chunks_read();
      skipped += st->reader->chunks_skipped();
    }
    if (key_clauses != NIL) {
      char buf[100];
      snprintf(buf, sizeof buf, "matched %llu of %llu", static_cast<unsigned long long>(st->series_matched),
               static_cast<unsigned long long>(st->series_total));
      ExplainPropertyText("Series", buf, es);
    }
    char buf[100];
    snprintf(buf, sizeof buf, "read %llu, skipped %llu", static_cast<unsigned long long>(read),
             static_cast<unsigned long long>(skipped));
    ExplainPropertyText("Chunks", buf, es);
  }
}

const CustomPathMethods ts_path_methods = {"ObserveTsScan", plan_ts_path, nullptr};
const CustomScanMethods ts_scan_methods = {"ObserveTsScan", create_scan_state};
const CustomExecMethods ts_exec_methods = {
    "ObserveTsScan", begin_scan, exec_scan, end_scan, rescan, nullptr, nullptr,
    nullptr,         nullptr,    nullptr,   nullptr,  nullptr, explain_scan};

}  // namespace

void ts_customscan_init() {
  RegisterCustomScanMethods(&ts_scan_methods);
  prev_pathlist_hook = set_rel_pathlist_hook;
  set_rel_pathlist_hook = ts_set_rel_pathlist;
}

}  // namespace observe::pg
