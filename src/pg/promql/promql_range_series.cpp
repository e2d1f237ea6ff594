// observe.promql_range_series(query, start_time, end_time, step, source): a range query's answer
// one row per series, shaped as Prometheus's matrix result is:
//   (metric text, first_time timestamptz, time_step interval, value float8[])
// value[k] is the series' point at first_time + (k - 1) * time_step, NULL at a step where it has
// none; first_time is the series' first point. observe.promql_range returns a row per point,
// which Grafana needs, but PostgreSQL spends about 0.35 µs per row on output and protocol alone
// (docs/performance.md): for thousands of points one array per series is several times cheaper.
#include <string>
#include <vector>

#include "core/promql/engine.h"
#include "pg/border/border.h"
#include "pg/promql/promql_request.h"
#include "pg/promql/promql_storage.h"
#include "pg/border/time_convert.h"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/tuplestore.h"
}

namespace {

// One series as its row: the points laid on the step grid from the first point on.
struct SeriesRow {
  std::string metric;
  int64_t first_ms = 0;
  std::vector<Datum> values;
  std::vector<bool> present;
};

SeriesRow grid_row(const observe::promql::Series& s, int64_t start_ms, int64_t step_ms) {
  SeriesRow row;
  row.metric = s.metric.to_string();
  row.first_ms = s.samples.front().t;
  int64_t span = s.samples.back().t - row.first_ms;
  size_t n = static_cast<size_t>(span / step_ms) + 1;
  row.values.assign(n, (Datum)0);
  row.present.assign(n, false);
  for (const auto& p : s.samples) {
    int64_t offset = p.t - row.first_ms;
    // The engine's contract: a range query's points sit at start + k * step (so the first
    // point does too, and every offset from it is a whole number of steps).
    if ((p.t - start_ms) % step_ms != 0)
      throw observe::Error(observe::ErrorKind::kInternal, "range query result off its step grid");
    size_t k = static_cast<size_t>(offset / step_ms);
    row.values[k] = Float8GetDatum(p.v);
    row.present[k] = true;
  }
  return row;
}

// Under pg_guard: no object with a destructor lives in this frame.
void put_row(ReturnSetInfo* rsinfo, MemoryContext scratch, const SeriesRow& row, int64_t step_ms) {
  MemoryContext old = MemoryContextSwitchTo(scratch);
  int n = static_cast<int>(row.values.size());
  bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * n));
  for (int i = 0; i < n; i++) nulls[i] = !row.present[i];
  int dims[1] = {n};
  int lbs[1] = {1};
  ArrayType* array = construct_md_array(const_cast<Datum*>(row.values.data()), nulls, 1, dims, lbs, FLOAT8OID,
                                        sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
  // A fixed duration, as Prometheus's step is: first_time + k * time_step never meets a calendar day.
  Interval* step = static_cast<Interval*>(palloc0(sizeof(Interval)));
  step->time = step_ms * 1000;
  Datum values[4] = {CStringGetTextDatum(row.metric.c_str()),
                     TimestampTzGetDatum(observe::pg::ms_to_timestamptz(row.first_ms)),
                     IntervalPGetDatum(step), PointerGetDatum(array)};
  bool isnull[4] = {false, false, false, false};
  tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, isnull);
  MemoryContextSwitchTo(old);
  MemoryContextReset(scratch);
  CHECK_FOR_INTERRUPTS();
}

}  // namespace

// observe.promql_range_series(query text, start_time timestamptz, end_time timestamptz,
//                             step interval, source regclass)
OBSERVE_FUNCTION(observe_promql_range_series) {
  observe::pg::PromqlRangeRequest req = observe::pg::promql_range_request(fcinfo);
  observe::pg::set_error_query(req.query);
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  MemoryContext scratch = observe::pg::pg_guard([fcinfo] {
    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    return AllocSetContextCreate(CurrentMemoryContext, "promql_range_series row", ALLOCSET_DEFAULT_SIZES);
  });
  observe::pg::TsQueryable storage(req.source);
  observe::promql::Result r = observe::promql::range_query(storage, req.query, req.start_ms, req.end_ms,
                                                           req.step_ms, observe::pg::promql_engine_options());
  for (const auto& s : r.matrix) {
    if (s.samples.empty()) continue;
    SeriesRow row = grid_row(s, req.start_ms, req.step_ms);
    observe::pg::pg_guard([&] { put_row(rsinfo, scratch, row, req.step_ms); });
  }
  observe::pg::emit_promql_annotations(r);
  return (Datum)0;
}
