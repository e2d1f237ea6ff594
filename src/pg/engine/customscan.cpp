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

#include "pg/border/border.h"
#include "pg/ts/ts_am.h"
#include "pg/engine/profile.h"
#include "pg/engine/table_am.h"
#include "pg/engine/layout.h"
#include "pg/engine/pushdown.h"
#include "pg/engine/line_pushdown.h"
#include "pg/engine/scan.h"
#include "pg/engine/series.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

namespace {

set_rel_pathlist_hook_type prev_pathlist_hook = nullptr;

extern const CustomPathMethods ts_path_methods;
extern const CustomScanMethods ts_scan_methods;
extern const CustomExecMethods ts_exec_methods;

Plan* plan_ts_path(PlannerInfo* root, RelOptInfo* rel, CustomPath* path, List* tlist, List* clauses,
                   List*) {
  CustomScan* cscan = makeNode(CustomScan);
  cscan->scan.plan.targetlist = tlist;
  // Every qual is rechecked per row (the pushdown only skips what cannot match), but for line
  // filters the scan decides exactly on every row (TsContainsTest::exact).
  List* exact_clauses = static_cast<List*>(list_nth(path->custom_private, 8));
  List* quals = NIL;
  ListCell* qc;
  foreach (qc, clauses) {
    RestrictInfo* ri = static_cast<RestrictInfo*>(lfirst(qc));
    if (ri->pseudoconstant || list_member_ptr(exact_clauses, ri->clause)) continue;
    quals = lappend(quals, ri->clause);
  }
  cscan->scan.plan.qual = quals;
  cscan->scan.scanrelid = rel->relid;
  cscan->flags = path->flags;
  cscan->methods = &ts_scan_methods;
  List* time_clauses = static_cast<List*>(linitial(path->custom_private));
  List* key_clauses = static_cast<List*>(lsecond(path->custom_private));
  List* filter_clauses = static_cast<List*>(list_nth(path->custom_private, 5));
  List* line_clauses = static_cast<List*>(list_nth(path->custom_private, 6));
  // time clauses, key clauses, value filters (shown by EXPLAIN; applied to decoded columns),
  // line filters (shown by EXPLAIN; chunks skipped by their token filters)
  cscan->custom_exprs = list_concat(list_concat(list_concat(list_copy(time_clauses), key_clauses), filter_clauses),
                                    line_clauses);
  cscan->custom_private = list_make4(lthird(path->custom_private), lfourth(path->custom_private),
                                     list_make3_int(list_length(time_clauses), list_length(filter_clauses),
                                                    list_length(line_clauses)),
                                     list_nth(path->custom_private, 4));
  cscan->custom_private = lappend(cscan->custom_private, list_nth(path->custom_private, 7));
  (void)root;
  return &cscan->scan.plan;
}

void ts_set_rel_pathlist(PlannerInfo* root, RelOptInfo* rel, Index rti, RangeTblEntry* rte) {
  if (prev_pathlist_hook != nullptr) prev_pathlist_hook(root, rel, rti, rte);
  if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION ||
      engine_relid_profile(rte->relid) == nullptr)
    return;
  const EngineProfile& profile = *engine_relid_profile(rte->relid);
  int result_rel = root->parse->resultRelation;
  bool is_target = result_rel == static_cast<int>(rti) ||
                   (result_rel > 0 && rel->top_parent_relids != nullptr &&
                    bms_is_member(result_rel, rel->top_parent_relids));  // a partition of it
  if (is_target) {
    switch (root->parse->commandType) {
      case CMD_UPDATE: engine_refuse_row_change(profile, "UPDATE");
      case CMD_DELETE: engine_refuse_row_change(profile, "DELETE");
      case CMD_MERGE: engine_refuse_row_change(profile, "MERGE");
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

  TsRelShape shape;
  ts_rel_shape(rte->relid, &shape);
  TsClauses clauses;
  ts_classify_clauses(rel->baserestrictinfo, rti, shape, &clauses);
  List* time_clauses = clauses.time_clauses;
  List* key_clauses = clauses.key_clauses;
  int natts = shape.natts;
  ListCell* lc;
  // Comparisons of value columns with constants: tested on decoded columns before rows are made,
  // and chunks whose zone maps rule them out are not decoded (still rechecked per row).
  List* filters = NIL;
  List* filter_clauses = NIL;
  bool rls = false;
  foreach (lc, rel->baserestrictinfo)
    if (static_cast<RestrictInfo*>(lfirst(lc))->security_level > 0) rls = true;
  // Substring tests on a token-filtered column (observe_log's line): chunks whose filter rules
  // out a literal are skipped undecoded (rows still rechecked).
  List* line_tests = NIL;
  List* line_clauses = NIL;
  List* exact_clauses = NIL;
  bool exact = false;
  foreach (lc, clauses.other_clauses) {
    RestrictInfo* ri = static_cast<RestrictInfo*>(lfirst(lc));
    if (!rls && !ri->pseudoconstant && ts_value_filter(ri->clause, rti, shape, &filters))
      filter_clauses = lappend(filter_clauses, ri->clause);
    else if (!rls && !ri->pseudoconstant && ts_contains_filter(ri->clause, rti, shape, &line_tests, &exact)) {
      line_clauses = lappend(line_clauses, ri->clause);
      if (exact) exact_clauses = lappend(exact_clauses, ri->clause);
    }
  }

  // Projection: the attributes the query reads (a whole-row reference reads them all). A
  // clause the scan decides exactly reads its column inside the scan, not as a datum (the scan
  // decodes the column for its test: count(*) ... LIKE '%GET%' makes no line datums).
  Bitmapset* attrs = nullptr;
  pull_varattnos(reinterpret_cast<Node*>(rel->reltarget->exprs), rti, &attrs);
  foreach (lc, rel->baserestrictinfo) {
    Expr* clause = static_cast<RestrictInfo*>(lfirst(lc))->clause;
    if (!list_member_ptr(exact_clauses, clause)) pull_varattnos(reinterpret_cast<Node*>(clause), rti, &attrs);
  }
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
  double factor = (time_clauses != NIL || key_clauses != NIL || filters != NIL || line_tests != NIL) ? 0.1 : 0.9;
  cpath->path.total_cost = seq->total_cost * factor;
  cpath->flags = 0;
  cpath->custom_private = list_make5(time_clauses, key_clauses, clauses.time_info, wanted, filters);
  cpath->custom_private = lappend(cpath->custom_private, filter_clauses);
  cpath->custom_private = lappend(cpath->custom_private, line_clauses);
  cpath->custom_private = lappend(cpath->custom_private, line_tests);
  cpath->custom_private = lappend(cpath->custom_private, exact_clauses);
  cpath->methods = &ts_path_methods;
  add_path(rel, &cpath->path);
}

// ---- execution -----------------------------------------------------------------------------

struct TsScanState {
  CustomScanState css;
  TsQualState quals;
  std::vector<bool>* wanted;  // owned by `context`
  std::vector<chunk::ValueFilter>* filters;  // owned by `context`
  std::vector<TsContainsTest>* contains;     // owned by `context`
  int n_filters, n_line;
  MemoryContext context;
  TsReader* reader;
  bool started;
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
  List* counts = static_cast<List*>(lthird(cscan->custom_private));
  int n_time = linitial_int(counts);
  st->n_filters = lsecond_int(counts);
  st->n_line = lthird_int(counts);
  List* time_clauses = list_copy_head(cscan->custom_exprs, n_time);
  List* rest = list_copy_tail(cscan->custom_exprs, n_time);
  List* key_clauses = list_copy_head(rest, list_length(rest) - st->n_filters - st->n_line);
  List* filter_consts = static_cast<List*>(lfourth(cscan->custom_private));
  List* line_tests = static_cast<List*>(list_nth(cscan->custom_private, 4));
  ts_init_quals(&st->quals, time_clauses, time_info, key_clauses, &node->ss.ps);
  st->context = AllocSetContextCreate(CurrentMemoryContext, "ObserveTsScan", ALLOCSET_DEFAULT_SIZES);
  invoke_cpp([&] {
    st->wanted = make_owned_by<std::vector<bool>>(st->context);
    st->filters = make_owned_by<std::vector<chunk::ValueFilter>>(st->context, ts_value_filters(filter_consts));
    st->contains = make_owned_by<std::vector<TsContainsTest>>(st->context, ts_contains_tests(line_tests));
    ListCell* lc;
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
  bool possible = ts_eval_time_bounds(st->quals, econtext, &spec);
  Relation rel = st->css.ss.ss_currentRelation;
  Snapshot snapshot = st->css.ss.ps.state->es_snapshot;
  MemoryContext old = MemoryContextSwitchTo(st->context);
  invoke_cpp([&] {
    spec.wanted = *st->wanted;
    spec.filters = *st->filters;
    spec.contains = *st->contains;
    if (!possible) {
      spec.all_series = false;
    } else if (st->quals.key_qual != nullptr) {
      std::shared_ptr<const TsLayout> layout = ts_layout(rel);
      spec.all_series = false;
      st->series_total += ts_for_each_series(
          rel, snapshot, *layout, st->quals, st->css.ss.ss_ScanTupleSlot, econtext,
          [&](int32_t id, TupleTableSlot*) { spec.series.push_back(id); });
      std::sort(spec.series.begin(), spec.series.end());
      st->series_matched += spec.series.size();
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
}

void explain_scan(CustomScanState* node, List* ancestors, ExplainState* es) {
  auto* st = reinterpret_cast<TsScanState*>(node);
  CustomScan* cscan = reinterpret_cast<CustomScan*>(node->ss.ps.plan);
  List* context = set_deparse_context_plan(es->deparse_cxt, &cscan->scan.plan, ancestors);
  List* time_clauses = list_copy_head(cscan->custom_exprs, st->quals.n_time);
  List* rest = list_copy_tail(cscan->custom_exprs, st->quals.n_time);
  List* key_clauses = list_copy_head(rest, list_length(rest) - st->n_filters - st->n_line);
  List* filter_clauses = list_copy_head(list_copy_tail(rest, list_length(rest) - st->n_filters - st->n_line),
                                        st->n_filters);
  List* line_clauses = list_copy_tail(rest, list_length(rest) - st->n_line);
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
  if (filter_clauses != NIL)
    ExplainPropertyText("Value Filter",
                        deparse_expression(reinterpret_cast<Node*>(make_ands_explicit(filter_clauses)),
                                           context, prefix, false),
                        es);
  if (line_clauses != NIL)
    ExplainPropertyText("Line Filter",
                        deparse_expression(reinterpret_cast<Node*>(make_ands_explicit(line_clauses)),
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
