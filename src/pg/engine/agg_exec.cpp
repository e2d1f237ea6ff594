// Execution of ObserveTsAgg (see ts_agg.h): every matching series is put in its group once (the
// GROUP BY expressions evaluated on its key, grouped with the operators HashAggregate would use),
// then the chunks of those series are read once and folded into per-group aggregate states.
// Memory: one state per group and aggregate plus one decoded chunk at a time.
#include <algorithm>
#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/chunk/aggregate.h"
#include "pg/border/border.h"
#include "pg/engine/agg.h"
#include "pg/engine/agg_groups.h"
#include "pg/engine/layout.h"
#include "pg/engine/pushdown.h"
#include "pg/engine/scan.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

namespace {

using chunk::AggKind;
using chunk::AggState;

// The C++ side of one execution: per-series key group, per-group states. With a time bucket the
// groups are (key group, bucket) pairs, numbered by `resolve` when first met.
struct AggRun {
  std::vector<TsAggSpec> specs;
  std::vector<int32_t> series_group;       // by series id: its (key) group; -1: not read
  std::vector<uint64_t> series_key_nulls;  // by series id: bit a set when key attribute a is null
  std::vector<AggState> states;            // group * specs.size() + aggregate
  std::vector<int64_t> group_rows;         // rows read per group: a group without rows is no group
  int64_t min_time = 0, max_time = 0;
  bool overflow = false;

  std::vector<chunk::ValueFilter> filters;
  std::vector<uint8_t> mask;  // the current chunk's rows that pass the filters

  const chunk::TimeBuckets* buckets = nullptr;
  std::function<int32_t(int32_t, int64_t)> resolve;  // (key group, bucket) -> group
  struct PairHash {
    size_t operator()(const std::pair<int32_t, int64_t>& p) const {
      return std::hash<int64_t>()(p.second * 1000003 + p.first);
    }
  };
  std::unordered_map<std::pair<int32_t, int64_t>, int32_t, PairHash> bucket_groups;

  void add_group() {
    states.resize(states.size() + specs.size());
    group_rows.push_back(0);
  }
  void ensure_group(int32_t g) {
    while (static_cast<size_t>(g) >= group_rows.size()) add_group();
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
  int32_t group_of_bucket(int32_t key_group, int64_t bucket) {
    auto it = bucket_groups.find({key_group, bucket});
    if (it != bucket_groups.end()) return it->second;
    int32_t g = resolve(key_group, bucket);
    ensure_group(g);
    bucket_groups.emplace(std::make_pair(key_group, bucket), g);
    return g;
  }
  void fold(int32_t series, int32_t g, const chunk::RowSelection& rows, const chunk::ChunkData& data) {
    group_rows[g] += static_cast<int64_t>(rows.count());
    AggState* group = &states[static_cast<size_t>(g) * specs.size()];
    for (size_t a = 0; a < specs.size(); a++) {
      const TsAggSpec& s = specs[a];
      if (s.key_att >= 0 && (series_key_nulls[series] >> s.key_att & 1)) continue;
      const chunk::Column* col =
          s.column >= 0 && static_cast<size_t>(s.column) < data.columns.size() ? &data.columns[s.column] : nullptr;
      chunk::aggregate_rows(s.kind, group[a], rows, data.times, col);
      overflow = overflow || group[a].overflow;
    }
  }
  void add_chunk(int32_t series, const chunk::ChunkData& data) {
    if (series < 0 || static_cast<size_t>(series) >= series_group.size() || series_group[series] < 0)
      return;  // not a selected series
    const std::vector<uint8_t>* kept = nullptr;
    if (!filters.empty()) {
      mask.assign(data.times.size(), 1);
      chunk::apply_filters(filters, data, mask);
      kept = &mask;
    }
    chunk::RowSelection rows(data.times, min_time, max_time, kept);
    if (rows.count() == 0) return;
    int32_t key_group = series_group[series];
    if (buckets == nullptr) {
      fold(series, key_group, rows, data);
      return;
    }
    const std::vector<int64_t>& t = data.times;
    auto fold_run = [&](size_t first, size_t last) {
      chunk::RowSelection run = chunk::RowSelection::rows(t, first, last, kept);
      if (run.count() == 0) return;  // filtered out: no group for it
      fold(series, group_of_bucket(key_group, buckets->bucket_of(t[first])), run, data);
    };
    if (rows.sorted()) {  // runs of rows in one bucket
      for (size_t r = rows.first(); r < rows.last();) {
        size_t end = buckets->run_end(t, r, rows.last());
        fold_run(r, end);
        r = end;
      }
    } else {
      rows.for_each([&](size_t r) { fold_run(r, r + 1); });
    }
  }
};

struct TsAggState {
  CustomScanState css;
  TsQualState quals;
  Oid relid;
  int natts, n_groups, n_aggs, n_filters;
  Relation rel;
  int time_att;                 // 0-based
  TupleTableSlot* series_slot;  // a row of the relation: a series' key columns, or a bucket's time
  // GROUP BY: `keys` are the expressions of key columns (evaluated per series); with a time
  // bucket, `groups` are all expressions (key values + the bucket's value), else keys == groups.
  List* key_exprs;              // ExprState per key expression
  int* key_pos;                 // per key expression: its position among the GROUP BY columns
  int* group_var_att;           // per GROUP BY column: the attribute if a bare column, else -1
  int bucket_group;             // the bucket's position among the GROUP BY columns, or -1
  ExprState* bucket_expr;
  chunk::TimeBuckets* buckets;
  TsGroupTable keys;
  TsGroupTable groups;          // with a time bucket; else `keys` are the groups
  MemoryContext context;        // the node's life
  MemoryContext run_context;    // one execution (reset on rescan)
  int next_group;
  ExprState* key_qual;  // = quals.key_qual, evaluated on series_slot by find_key_group
  bool* key_in_qual;    // per key expression: read by the key clauses as a GROUP BY column
  AggRun* run;
  TsReader* reader;
  bool computed;
  uint64 chunks_read, chunks_skipped, series_matched, series_total;
};

TsGroupTable* final_groups(TsAggState* st) { return st->bucket_group >= 0 ? &st->groups : &st->keys; }

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
  st->n_filters = list_nth_int(meta, kMetaFilters);
  int n_key = list_length(cscan->custom_exprs) - n_time - st->n_filters;
  ts_init_quals(&st->quals, list_copy_head(cscan->custom_exprs, n_time),
                static_cast<List*>(list_nth(cscan->custom_private, kAggTimeInfo)),
                list_copy_head(list_copy_tail(cscan->custom_exprs, n_time), n_key), &node->ss.ps);
  st->key_qual = st->quals.key_qual;
  st->rel = table_open(st->relid, AccessShareLock);
  // Shaped like the scan tuple: the relation's attributes (a series' key), then the GROUP BY
  // columns, which the key clauses may reference (setrefs turns a WHERE subexpression equal to a
  // GROUP BY expression into a reference to that column).
  TupleDesc scan_desc = node->ss.ss_ScanTupleSlot->tts_tupleDescriptor;
  st->series_slot = ExecInitExtraTupleSlot(estate, scan_desc, &TTSOpsVirtual);
  for (int a = 0; a < scan_desc->natts; a++) st->series_slot->tts_isnull[a] = true;

  List* bucket = static_cast<List*>(list_nth(cscan->custom_private, kAggBucket));
  st->bucket_group = -1;
  if (bucket != NIL) {
    st->bucket_group = static_cast<int>(DatumGetInt64(static_cast<Const*>(linitial(bucket))->constvalue));
    st->buckets = static_cast<chunk::TimeBuckets*>(palloc0(sizeof(chunk::TimeBuckets)));
    st->buckets->width = DatumGetInt64(static_cast<Const*>(lsecond(bucket))->constvalue);
    st->buckets->offset = DatumGetInt64(static_cast<Const*>(lthird(bucket))->constvalue);
  }
  List* eq_list = static_cast<List*>(list_nth(cscan->custom_private, kAggEqOps));
  Oid* eq_ops = static_cast<Oid*>(palloc0(sizeof(Oid) * (st->n_groups + 1)));
  Oid* key_eq_ops = static_cast<Oid*>(palloc0(sizeof(Oid) * (st->n_groups + 1)));
  st->key_pos = static_cast<int*>(palloc0(sizeof(int) * (st->n_groups + 1)));
  st->group_var_att = static_cast<int*>(palloc0(sizeof(int) * (st->n_groups + 1)));
  List* group_exprs = NIL;
  List* key_exprs = NIL;
  for (int g = 0; g < st->n_groups; g++) {
    Expr* e = static_cast<TargetEntry*>(list_nth(cscan->custom_scan_tlist, st->natts + g))->expr;
    group_exprs = lappend(group_exprs, e);
    eq_ops[g] = list_nth_oid(eq_list, g);
    st->group_var_att[g] = IsA(e, Var) ? reinterpret_cast<Var*>(e)->varattno - 1 : -1;
    if (g == st->bucket_group) {
      st->bucket_expr = ExecInitExpr(e, &node->ss.ps);
      continue;
    }
    key_eq_ops[list_length(key_exprs)] = eq_ops[g];
    st->key_pos[list_length(key_exprs)] = g;
    key_exprs = lappend(key_exprs, e);
    st->key_exprs = lappend(st->key_exprs, ExecInitExpr(e, &node->ss.ps));
  }
  ts_group_init(&st->keys, estate, key_exprs, key_eq_ops);
  // The key expressions the key clauses read as GROUP BY columns: evaluated before the clauses.
  st->key_in_qual = static_cast<bool*>(palloc0(sizeof(bool) * (st->n_groups + 1)));
  List* rest = list_copy_tail(cscan->custom_exprs, n_time);
  List* key_clauses = list_copy_head(rest, list_length(rest) - st->n_filters);
  ListCell* vc;
  foreach (vc, pull_var_clause(reinterpret_cast<Node*>(key_clauses), 0)) {
    Var* v = static_cast<Var*>(lfirst(vc));
    if (v->varno != INDEX_VAR || v->varattno <= st->natts || v->varattno > st->natts + st->n_groups) continue;
    for (int i = 0; i < st->keys.ncols; i++)
      if (st->key_pos[i] == v->varattno - st->natts - 1) st->key_in_qual[i] = true;
  }
  if (st->bucket_group >= 0) ts_group_init(&st->groups, estate, group_exprs, eq_ops);
  st->context = AllocSetContextCreate(CurrentMemoryContext, "ObserveTsAgg", ALLOCSET_DEFAULT_SIZES);
  st->run_context = AllocSetContextCreate(st->context, "ObserveTsAgg run", ALLOCSET_DEFAULT_SIZES);
}

// The key group of the series whose key is in st->series_slot (creating it when new), or -1 when
// the series fails the key clauses. GROUP BY columns the clauses read are computed first.
int32_t find_key_group(TsAggState* st) {
  ExprContext* econtext = st->css.ss.ps.ps_ExprContext;
  ResetExprContext(econtext);
  TupleTableSlot* row = st->series_slot;
  econtext->ecxt_scantuple = row;
  TupleTableSlot* slot = st->keys.lookup;
  if (slot != nullptr) ExecClearTuple(slot);
  auto evaluate = [&](bool in_qual) {
    int i = 0;
    ListCell* lc;
    foreach (lc, st->key_exprs) {
      if (st->key_in_qual[i] == in_qual) {
        slot->tts_values[i] = ExecEvalExpr(static_cast<ExprState*>(lfirst(lc)), econtext, &slot->tts_isnull[i]);
        row->tts_values[st->natts + st->key_pos[i]] = slot->tts_values[i];
        row->tts_isnull[st->natts + st->key_pos[i]] = slot->tts_isnull[i];
      }
      i++;
    }
  };
  if (slot != nullptr) evaluate(true);
  if (st->key_qual != nullptr && !ExecQual(st->key_qual, econtext)) return -1;
  if (slot == nullptr) return 0;
  evaluate(false);
  ExecStoreVirtualTuple(slot);
  return ts_group_lookup(&st->keys);
}

// The group of key group `key_group` in time bucket `bucket`: the bucket expression evaluated at a
// time inside the bucket, beside the key group's values.
int32_t find_bucket_group(TsAggState* st, int32_t key_group, int64_t bucket) {
  ExprContext* econtext = st->css.ss.ps.ps_ExprContext;
  ResetExprContext(econtext);
  TupleTableSlot* row = st->series_slot;
  ExecClearTuple(row);
  for (int a = 0; a < row->tts_tupleDescriptor->natts; a++) row->tts_isnull[a] = true;
  row->tts_values[st->time_att] = Int64GetDatum(st->buckets->time_in(bucket));
  row->tts_isnull[st->time_att] = false;
  ExecStoreVirtualTuple(row);
  econtext->ecxt_scantuple = row;
  TupleTableSlot* slot = st->groups.lookup;
  ExecClearTuple(slot);
  slot->tts_values[st->bucket_group] = ExecEvalExpr(st->bucket_expr, econtext, &slot->tts_isnull[st->bucket_group]);
  if (st->keys.ncols > 0) {
    TupleTableSlot* keys = ts_group_values(&st->keys, key_group);
    for (int i = 0; i < st->keys.ncols; i++) {
      slot->tts_values[st->key_pos[i]] = keys->tts_values[i];
      slot->tts_isnull[st->key_pos[i]] = keys->tts_isnull[i];
    }
  }
  ExecStoreVirtualTuple(slot);
  return ts_group_lookup(&st->groups);
}

// Groups the series, then reads their chunks into the states.
void compute(TsAggState* st) {
  MemoryContextReset(st->run_context);
  MemoryContext temp = st->css.ss.ps.ps_ExprContext->ecxt_per_tuple_memory;
  ts_group_reset(&st->keys, &st->css.ss.ps, st->run_context, temp);
  if (st->bucket_group >= 0) ts_group_reset(&st->groups, &st->css.ss.ps, st->run_context, temp);
  st->next_group = 0;
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
      run->specs.push_back(ts_agg_spec_at(specs, a));
    run->min_time = spec.min_time;
    run->max_time = spec.max_time;
    run->filters = ts_value_filters(static_cast<List*>(list_nth(cscan->custom_private, kAggFilters)));
    if (st->n_groups == 0) run->add_group();  // one group, even without rows: count(*) is 0
    if (st->bucket_group >= 0) {
      run->buckets = st->buckets;
      run->resolve = [st](int32_t key_group, int64_t bucket) {
        return pg_guard([&] { return find_bucket_group(st, key_group, bucket); });
      };
    }
    std::shared_ptr<const TsLayout> layout = ts_layout(st->rel);
    st->time_att = layout->time_att;
    spec.wanted.assign(layout->natts, false);
    for (const TsAggSpec& s : run->specs)
      if (s.column >= 0) spec.wanted[layout->value_atts[s.column]] = true;
    for (const chunk::ValueFilter& f : run->filters) spec.wanted[layout->value_atts[f.column]] = true;
    spec.all_series = st->quals.key_qual == nullptr;
    if (possible) {
      TsQualState every_series = st->quals;  // the key clauses run in find_key_group
      every_series.key_qual = nullptr;
      st->series_total += ts_for_each_series(
          st->rel, snapshot, *layout, every_series, st->series_slot, econtext,
          [&](int32_t id, TupleTableSlot* slot) {
            int32_t g = pg_guard([&] { return find_key_group(st); });
            if (g < 0) return;
            if (st->bucket_group < 0) run->ensure_group(g);
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

Datum agg_result(const TsAggSpec& spec, const AggState& state, bool* isnull) {
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
  TsGroupTable* groups = final_groups(st);
  // With GROUP BY, a group exists only if rows were read for it (its series may have none in the
  // time range); without, there is always the one row.
  int count = st->n_groups == 0 ? 1 : groups->count;
  while (st->n_groups > 0 && st->next_group < count && run->group_rows[st->next_group] == 0)
    st->next_group++;
  if (st->next_group >= count) return slot;
  int g = st->next_group++;
  int natts = st->natts;
  for (int a = 0; a < slot->tts_tupleDescriptor->natts; a++) slot->tts_isnull[a] = true;
  if (st->n_groups > 0) {
    TupleTableSlot* values = ts_group_values(groups, g);
    for (int i = 0; i < st->n_groups; i++) {
      slot->tts_values[natts + i] = values->tts_values[i];
      slot->tts_isnull[natts + i] = values->tts_isnull[i];
      int att = st->group_var_att[i];  // the output may name the column by its attribute
      if (att >= 0 && att < natts) {
        slot->tts_values[att] = values->tts_values[i];
        slot->tts_isnull[att] = values->tts_isnull[i];
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
  List* rest = list_copy_tail(cscan->custom_exprs, st->quals.n_time);
  List* key_clauses = list_copy_head(rest, list_length(rest) - st->n_filters);
  List* filter_clauses = list_copy_tail(rest, list_length(rest) - st->n_filters);
  auto show = [&](const char* label, List* exprs) {
    if (exprs == NIL) return;
    ExplainPropertyText(label,
                        deparse_expression(reinterpret_cast<Node*>(make_ands_explicit(exprs)), context,
                                           false, false),
                        es);
  };
  show("Time Range", time_clauses);
  show("Series Filter", key_clauses);
  show("Value Filter", filter_clauses);
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
