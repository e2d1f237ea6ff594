// Execution of ObserveTsAgg (see ts_agg.h): every matching series is put in its group once (the
// GROUP BY expressions evaluated on its key, grouped with the operators HashAggregate would use),
// then the chunks of those series are read once and folded into per-group aggregate states.
// Memory: one state per group and aggregate plus one decoded chunk at a time.
#include <algorithm>
#include <memory>
#include <vector>

#include "core/chunk/aggregate.h"
#include "pg/border.h"
#include "pg/ts_agg.h"
#include "pg/ts_layout.h"
#include "pg/ts_pushdown.h"
#include "pg/ts_scan.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wregister"
extern "C" {
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "utils/ruleutils.h"
}
#pragma GCC diagnostic pop

namespace observe::pg {

namespace {

using chunk::AggKind;
using chunk::AggState;

struct AggSpec {
  AggKind kind;
  int column;   // chunk column, or -1
  int key_att;  // count(key column): that attribute (0-based), or -1
};

// The C++ side of one execution: per-series group, per-group states.
struct AggRun {
  std::vector<AggSpec> specs;
  std::vector<int32_t> series_group;       // by series id; -1: not read
  std::vector<uint64_t> series_key_nulls;  // by series id: bit a set when key attribute a is null
  std::vector<AggState> states;            // group * specs.size() + aggregate
  std::vector<int64_t> group_rows;         // rows read per group: a group without rows is no group
  int64_t min_time = 0, max_time = 0;
  bool overflow = false;

  void add_group() {
    states.resize(states.size() + specs.size());
    group_rows.push_back(0);
  }
  void assign(int32_t series, int32_t group, uint64_t key_nulls) {
    if (series < 0) return;
    if (static_cast<size_t>(series) >= series_group.size()) {
      series_group.resize(series + 1, -1);
      series_key_nulls.resize(series + 1, 0);
    }
    series_group[series] = group;
    series_key_nulls[series] = key_nulls;
  }
  void add_chunk(int32_t series, const chunk::ChunkData& data) {
    if (series < 0 || static_cast<size_t>(series) >= series_group.size() || series_group[series] < 0)
      return;  // not a selected series
    chunk::RowSelection rows(data.times, min_time, max_time);
    if (rows.count() == 0) return;
    group_rows[series_group[series]] += static_cast<int64_t>(rows.count());
    AggState* group = &states[static_cast<size_t>(series_group[series]) * specs.size()];
    for (size_t a = 0; a < specs.size(); a++) {
      const AggSpec& s = specs[a];
      if (s.key_att >= 0 && (series_key_nulls[series] >> s.key_att & 1)) continue;
      const chunk::Column* col =
          s.column >= 0 && static_cast<size_t>(s.column) < data.columns.size() ? &data.columns[s.column] : nullptr;
      chunk::aggregate_rows(s.kind, group[a], rows, data.times, col);
      overflow = overflow || group[a].overflow;
    }
  }
};

struct TsAggState {
  CustomScanState css;
  TsQualState quals;
  Oid relid;
  int natts, n_groups, n_aggs;
  Relation rel;
  List* group_exprs;       // ExprState per GROUP BY expression, over a row of the relation
  int* group_var_att;      // per group: the attribute if the expression is a bare column, else -1
  Oid* eq_ops;
  TupleDesc group_desc;
  TupleTableSlot* series_slot;  // a row of the relation: the series' key columns
  TupleTableSlot* lookup_slot;  // group values, virtual
  TupleTableSlot* group_slot;   // group values, read back from the hash table
  MemoryContext context;        // the node's life
  MemoryContext run_context;    // one execution (reset on rescan)
  TupleHashTable groups;
  MinimalTuple* group_tuples;
  int group_capacity, group_count, next_group;
  AggRun* run;
  TsReader* reader;
  bool computed;
  uint64 chunks_read, chunks_skipped, series_matched, series_total;
};

extern const CustomExecMethods agg_exec_methods;

Node* create_agg_state(CustomScan*) {
  auto* st = static_cast<TsAggState*>(palloc0(sizeof(TsAggState)));
  NodeSetTag(st, T_CustomScanState);
  st->css.methods = &agg_exec_methods;
  return reinterpret_cast<Node*>(st);
}

void begin_agg(CustomScanState* node, EState* estate, int) {
  auto* st = reinterpret_cast<TsAggState*>(node);
  CustomScan* cscan = reinterpret_cast<CustomScan*>(node->ss.ps.plan);
  List* meta = static_cast<List*>(list_nth(cscan->custom_private, kAggMeta));
  st->relid = static_cast<Oid>(list_nth_int(meta, kMetaRelid));
  st->natts = list_nth_int(meta, kMetaNatts);
  st->n_groups = list_nth_int(meta, kMetaGroups);
  st->n_aggs = list_nth_int(meta, kMetaAggs);
  int n_time = list_nth_int(meta, kMetaTime);
  ts_init_quals(&st->quals, list_copy_head(cscan->custom_exprs, n_time),
                static_cast<List*>(list_nth(cscan->custom_private, kAggTimeInfo)),
                list_copy_tail(cscan->custom_exprs, n_time), &node->ss.ps);
  st->rel = table_open(st->relid, AccessShareLock);
  st->series_slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(st->rel), &TTSOpsVirtual);

  List* group_exprs = NIL;
  st->group_var_att = static_cast<int*>(palloc0(sizeof(int) * (st->n_groups + 1)));
  st->eq_ops = static_cast<Oid*>(palloc0(sizeof(Oid) * (st->n_groups + 1)));
  List* eq_ops = static_cast<List*>(list_nth(cscan->custom_private, kAggEqOps));
  for (int g = 0; g < st->n_groups; g++) {
    Expr* e = static_cast<TargetEntry*>(list_nth(cscan->custom_scan_tlist, st->natts + g))->expr;
    group_exprs = lappend(group_exprs, e);
    st->group_exprs = lappend(st->group_exprs, ExecInitExpr(e, &node->ss.ps));
    st->group_var_att[g] = IsA(e, Var) ? reinterpret_cast<Var*>(e)->varattno - 1 : -1;
    st->eq_ops[g] = list_nth_oid(eq_ops, g);
  }
  if (st->n_groups > 0) {
    st->group_desc = ExecTypeFromExprList(group_exprs);
    st->lookup_slot = ExecInitExtraTupleSlot(estate, st->group_desc, &TTSOpsVirtual);
    st->group_slot = ExecInitExtraTupleSlot(estate, st->group_desc, &TTSOpsMinimalTuple);
  }
  st->context = AllocSetContextCreate(CurrentMemoryContext, "ObserveTsAgg", ALLOCSET_DEFAULT_SIZES);
  st->run_context = AllocSetContextCreate(st->context, "ObserveTsAgg run", ALLOCSET_DEFAULT_SIZES);
}

// The group of the series whose key is in st->series_slot (creating it when new).
int32_t find_group(TsAggState* st) {
  if (st->n_groups == 0) return 0;
  ExprContext* econtext = st->css.ss.ps.ps_ExprContext;
  ResetExprContext(econtext);
  econtext->ecxt_scantuple = st->series_slot;
  TupleTableSlot* slot = st->lookup_slot;
  ExecClearTuple(slot);
  int g = 0;
  ListCell* lc;
  foreach (lc, st->group_exprs) {
    slot->tts_values[g] = ExecEvalExpr(static_cast<ExprState*>(lfirst(lc)), econtext, &slot->tts_isnull[g]);
    g++;
  }
  ExecStoreVirtualTuple(slot);
  bool isnew;
  TupleHashEntry entry = LookupTupleHashEntry(st->groups, slot, &isnew, nullptr);
  if (isnew) {
    if (st->group_count == st->group_capacity) {
      st->group_capacity *= 2;
      st->group_tuples = static_cast<MinimalTuple*>(
          repalloc(st->group_tuples, sizeof(MinimalTuple) * st->group_capacity));
    }
    entry->additional = reinterpret_cast<void*>(static_cast<uintptr_t>(st->group_count));
    st->group_tuples[st->group_count++] = entry->firstTuple;
  }
  return static_cast<int32_t>(reinterpret_cast<uintptr_t>(entry->additional));
}

void start_run(TsAggState* st) {
  MemoryContextReset(st->run_context);
  MemoryContext old = MemoryContextSwitchTo(st->run_context);
  st->group_count = 0;
  st->next_group = 0;
  st->group_capacity = 64;
  st->group_tuples = static_cast<MinimalTuple*>(palloc(sizeof(MinimalTuple) * st->group_capacity));
  if (st->n_groups > 0) {
    Oid* eqfuncs;
    FmgrInfo* hashfuncs;
    execTuplesHashPrepare(st->n_groups, st->eq_ops, &eqfuncs, &hashfuncs);
    auto* keys = static_cast<AttrNumber*>(palloc(sizeof(AttrNumber) * st->n_groups));
    Oid* collations = static_cast<Oid*>(palloc(sizeof(Oid) * st->n_groups));
    for (int g = 0; g < st->n_groups; g++) {
      keys[g] = static_cast<AttrNumber>(g + 1);
      collations[g] = TupleDescAttr(st->group_desc, g)->attcollation;
    }
    st->groups = BuildTupleHashTableExt(&st->css.ss.ps, st->group_desc, st->n_groups, keys, eqfuncs,
                                        hashfuncs, collations, 256, 0, st->run_context,
                                        st->run_context, st->css.ss.ps.ps_ExprContext->ecxt_per_tuple_memory,
                                        false);
  }
  MemoryContextSwitchTo(old);
}

// Groups the series, then reads their chunks into the states.
void compute(TsAggState* st) {
  start_run(st);
  ExprContext* econtext = st->css.ss.ps.ps_ExprContext;
  TsReadSpec spec;
  bool possible = ts_eval_time_bounds(st->quals, econtext, &spec);
  Snapshot snapshot = st->css.ss.ps.state->es_snapshot;
  CustomScan* cscan = reinterpret_cast<CustomScan*>(st->css.ss.ps.plan);
  List* specs = static_cast<List*>(list_nth(cscan->custom_private, kAggSpecs));
  MemoryContext old = MemoryContextSwitchTo(st->run_context);
  invoke_cpp([&] {
    AggRun* run = make_owned_by<AggRun>(st->run_context);
    st->run = run;
    for (int a = 0; a < st->n_aggs; a++)
      run->specs.push_back({static_cast<AggKind>(list_nth_int(specs, a * kAggSpecWidth)),
                            list_nth_int(specs, a * kAggSpecWidth + 1),
                            list_nth_int(specs, a * kAggSpecWidth + 2)});
    run->min_time = spec.min_time;
    run->max_time = spec.max_time;
    if (st->n_groups == 0) {  // one group, even without rows: count(*) is 0, sum is NULL
      run->add_group();
      st->group_count = 1;
    }
    std::shared_ptr<const TsLayout> layout = ts_layout(st->rel);
    spec.wanted.assign(layout->natts, false);
    for (const AggSpec& s : run->specs)
      if (s.column >= 0) spec.wanted[layout->value_atts[s.column]] = true;
    spec.all_series = st->quals.key_qual == nullptr;
    if (possible) {
      st->series_total += ts_for_each_series(
          st->rel, snapshot, *layout, st->quals, st->series_slot, econtext,
          [&](int32_t id, TupleTableSlot* slot) {
            int32_t g = pg_guard([&] { return find_group(st); });
            if (static_cast<size_t>(g) >= run->group_rows.size()) run->add_group();
            uint64_t key_nulls = 0;
            for (int a = 0; a < std::min(layout->natts, 64); a++)
              if (slot->tts_isnull[a]) key_nulls |= uint64_t{1} << a;
            run->assign(id, g, key_nulls);
            if (!spec.all_series) spec.series.push_back(id);
          });
      std::sort(spec.series.begin(), spec.series.end());
      st->series_matched += run->series_group.size() - std::count(run->series_group.begin(), run->series_group.end(), -1);
    } else {
      spec.all_series = false;
    }
    st->reader = make_owned_by<TsReader>(st->run_context, st->rel, snapshot, spec);
  });
  MemoryContextSwitchTo(old);
  AggRun* run = st->run;
  TsReader* reader = st->reader;
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    bool more = invoke_cpp([&] {
      int32_t series;
      const chunk::ChunkData* data;
      if (!reader->next_chunk_data(&series, &data)) return false;
      run->add_chunk(series, *data);
      return true;
    });
    if (run->overflow)
      ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("value out of range: overflow")));
    if (!more) break;
  }
  st->chunks_read += reader->chunks_read();
  st->chunks_skipped += reader->chunks_skipped();
  invoke_cpp([&] { reader->close(); });
  st->reader = nullptr;
  st->computed = true;
}

Datum agg_result(const AggSpec& spec, const AggState& state, bool* isnull) {
  *isnull = state.result_is_null(spec.kind);
  if (*isnull) return 0;
  switch (spec.kind) {
    case AggKind::kCountRows:
    case AggKind::kCountValues: return Int64GetDatum(state.count);
    case AggKind::kMinTime:
    case AggKind::kMaxTime: return Int64GetDatum(state.time_extreme);
    default: return Float8GetDatum(state.float_result(spec.kind));
  }
}

TupleTableSlot* next_group(ScanState* ss) {
  auto* st = reinterpret_cast<TsAggState*>(ss);
  if (!st->computed) compute(st);
  TupleTableSlot* slot = ss->ss_ScanTupleSlot;
  ExecClearTuple(slot);
  const AggRun* run = st->run;
  // With GROUP BY, a group exists only if rows were read for it (its series may have none in the
  // time range); without, there is always the one row.
  while (st->n_groups > 0 && st->next_group < st->group_count && run->group_rows[st->next_group] == 0)
    st->next_group++;
  if (st->next_group >= st->group_count) return slot;
  int g = st->next_group++;
  int natts = st->natts;
  for (int a = 0; a < slot->tts_tupleDescriptor->natts; a++) slot->tts_isnull[a] = true;
  if (st->n_groups > 0) {
    ExecStoreMinimalTuple(st->group_tuples[g], st->group_slot, false);
    slot_getallattrs(st->group_slot);
    for (int i = 0; i < st->n_groups; i++) {
      slot->tts_values[natts + i] = st->group_slot->tts_values[i];
      slot->tts_isnull[natts + i] = st->group_slot->tts_isnull[i];
      int att = st->group_var_att[i];  // the output may name the column by its attribute
      if (att >= 0 && att < natts) {
        slot->tts_values[att] = st->group_slot->tts_values[i];
        slot->tts_isnull[att] = st->group_slot->tts_isnull[i];
      }
    }
  }
  for (int a = 0; a < st->n_aggs; a++) {
    const AggState& state = run->states[static_cast<size_t>(g) * run->specs.size() + a];
    int pos = natts + st->n_groups + a;
    slot->tts_values[pos] = agg_result(run->specs[a], state, &slot->tts_isnull[pos]);
  }
  return ExecStoreVirtualTuple(slot);
}

bool recheck_group(ScanState*, TupleTableSlot*) { return true; }

TupleTableSlot* exec_agg(CustomScanState* node) { return ExecScan(&node->ss, next_group, recheck_group); }

void end_agg(CustomScanState* node) {
  auto* st = reinterpret_cast<TsAggState*>(node);
  if (st->reader != nullptr) invoke_cpp([&] { st->reader->close(); });
  st->reader = nullptr;
  MemoryContextDelete(st->context);
  table_close(st->rel, NoLock);
}

void rescan_agg(CustomScanState* node) {
  auto* st = reinterpret_cast<TsAggState*>(node);
  if (st->reader != nullptr) invoke_cpp([&] { st->reader->close(); });
  st->reader = nullptr;
  st->computed = false;  // parameters may have changed: everything is computed again
}

void explain_agg(CustomScanState* node, List* ancestors, ExplainState* es) {
  auto* st = reinterpret_cast<TsAggState*>(node);
  CustomScan* cscan = reinterpret_cast<CustomScan*>(node->ss.ps.plan);
  List* context = set_deparse_context_plan(es->deparse_cxt, &cscan->scan.plan, ancestors);
  ExplainPropertyText("Relation", RelationGetRelationName(st->rel), es);
  List* time_clauses = list_copy_head(cscan->custom_exprs, st->quals.n_time);
  List* key_clauses = list_copy_tail(cscan->custom_exprs, st->quals.n_time);
  auto show = [&](const char* label, List* exprs) {
    if (exprs == NIL) return;
    ExplainPropertyText(label,
                        deparse_expression(reinterpret_cast<Node*>(make_ands_explicit(exprs)), context,
                                           false, false),
                        es);
  };
  show("Time Range", time_clauses);
  show("Series Filter", key_clauses);
  List* keys = NIL;
  for (int g = 0; g < st->n_groups; g++) {
    Node* e = reinterpret_cast<Node*>(static_cast<TargetEntry*>(list_nth(cscan->custom_scan_tlist, st->natts + g))->expr);
    keys = lappend(keys, deparse_expression(e, context, false, false));
  }
  if (keys != NIL) ExplainPropertyList("Group Key", keys, es);
  if (es->analyze) {
    char buf[100];
    snprintf(buf, sizeof buf, "matched %llu of %llu", static_cast<unsigned long long>(st->series_matched),
             static_cast<unsigned long long>(st->series_total));
    ExplainPropertyText("Series", buf, es);
    snprintf(buf, sizeof buf, "read %llu, skipped %llu", static_cast<unsigned long long>(st->chunks_read),
             static_cast<unsigned long long>(st->chunks_skipped));
    ExplainPropertyText("Chunks", buf, es);
  }
}

const CustomExecMethods agg_exec_methods = {
    "ObserveTsAgg", begin_agg, exec_agg, end_agg, rescan_agg, nullptr, nullptr,
    nullptr,        nullptr,   nullptr,  nullptr, nullptr,    explain_agg};

}  // namespace

const CustomScanMethods ts_agg_scan_methods = {"ObserveTsAgg", create_agg_state};

}  // namespace observe::pg
