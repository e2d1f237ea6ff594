#include "pg/promql/promql_rows.h"

#include <algorithm>
#include <climits>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "pg/border/border.h"
#include "pg/border/time_convert.h"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/tuplestore.h"
}

namespace observe::pg {

// Rows of a matrix in long format for Grafana: ascending time, series in label order
// within a time; each series' name printed once. Rows go out in batches of kBatch.
static void emit_matrix(SrfRows& rows, const observe::promql::Matrix& m, int64_t step_ms) {
  constexpr size_t kBatch = 4096;
  std::vector<std::string> names;
  names.reserve(m.size());
  size_t total = 0, text_bytes = 0;
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto& s : m) {
    names.push_back(s.metric.to_string());
    total += s.samples.size();
    text_bytes += s.samples.size() * names.back().size();
    if (s.samples.empty()) continue;
    first = std::min(first, s.samples.front().t);
    last = std::max(last, s.samples.back().t);
  }
  if (total == 0) return;
  rows.expect(total, text_bytes);
  rows.set_texts(names);
  std::vector<SrfRows::Row> batch;
  batch.reserve(std::min(total, kBatch));
  auto put = [&](int64_t t, size_t i, double v) {
    batch.push_back({t, i, v});
    if (batch.size() == kBatch) {
      rows.add_rows(batch);
      batch.clear();
    }
  };
  std::vector<size_t> next(m.size(), 0);
  // A range query's points sit on its step grid: when series x steps is not much more than
  // the points, visit each step and every series' next point; otherwise merge by time.
  uint64_t grid = step_ms > 0 ? static_cast<uint64_t>((last - first) / step_ms + 1) : 0;
  if (step_ms > 0 && grid * m.size() <= 8 * total + 4096) {
    for (int64_t t = first; t <= last; t += step_ms) {
      for (size_t i = 0; i < m.size(); i++) {
        const auto& s = m[i].samples;
        if (next[i] < s.size() && s[next[i]].t == t) {
          put(t, i, s[next[i]].v);
          next[i]++;
        }
      }
    }
    for (size_t i = 0; i < m.size(); i++)  // the engine's contract: points at start + k*step
      if (next[i] != m[i].samples.size())
        throw observe::Error(observe::ErrorKind::kInternal, "range query result off its step grid");
  } else {
    using Cursor = std::pair<int64_t, size_t>;  // (next time, series)
    std::priority_queue<Cursor, std::vector<Cursor>, std::greater<Cursor>> heap;
    for (size_t i = 0; i < m.size(); i++)
      if (!m[i].samples.empty()) heap.push({m[i].samples[0].t, i});
    while (!heap.empty()) {
      size_t i = heap.top().second;
      heap.pop();
      const auto& s = m[i].samples;
      put(s[next[i]].t, i, s[next[i]].v);
      if (++next[i] < s.size()) heap.push({s[next[i]].t, i});
    }
  }
  if (!batch.empty()) rows.add_rows(batch);
}

// A scalar comes back as one row without a metric, a string as one row with the string in
// `metric` and no value; vectors one row per element; matrices one row per sample, by time.
void emit_promql_rows(SrfRows& rows, const promql::Result& r, int64_t step_ms) {
  switch (r.type) {
    case promql::ValueType::kScalar:
      rows.add(r.t, nullptr, &r.scalar);
      break;
    case promql::ValueType::kString: {
      // A string literal's escapes ("\xff") can make any bytes; a text datum must be valid
      // UTF-8, and Prometheus's JSON writes such bytes as U+FFFD.
      std::string text = valid_utf8(r.str) ? r.str : to_valid_utf8(r.str);
      rows.add(r.t, &text, nullptr);
      break;
    }
    case promql::ValueType::kVector:
      for (const auto& e : r.vector) {
        std::string metric = e.metric.to_string();
        rows.add(r.t, &metric, &e.v);
      }
      break;
    case promql::ValueType::kMatrix:
      emit_matrix(rows, r.matrix, step_ms);
      break;
    case promql::ValueType::kNone:
      break;
  }
}


// One series as its row: the points laid on the step grid from the first point on.
namespace {
struct SeriesRow {
  std::string metric;
  int64_t first_ms = 0;
  std::vector<Datum> values;
  std::vector<bool> present;
};

}  // namespace

static SeriesRow grid_row(const promql::Series& s, int64_t start_ms, int64_t step_ms) {
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
static void put_row(ReturnSetInfo* rsinfo, MemoryContext scratch, const SeriesRow& row, int64_t step_ms) {
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
                     TimestampTzGetDatum(ms_to_timestamptz(row.first_ms)),
                     IntervalPGetDatum(step), PointerGetDatum(array)};
  bool isnull[4] = {false, false, false, false};
  tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, isnull);
  MemoryContextSwitchTo(old);
  MemoryContextReset(scratch);
  CHECK_FOR_INTERRUPTS();
}


void emit_promql_series_rows(FunctionCallInfo fcinfo, const promql::Result& r, int64_t start_ms, int64_t step_ms) {
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  MemoryContext scratch = pg_guard([fcinfo] {
    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    return AllocSetContextCreate(CurrentMemoryContext, "range series row", ALLOCSET_DEFAULT_SIZES);
  });
  for (const auto& s : r.matrix) {
    if (s.samples.empty()) continue;
    SeriesRow row = grid_row(s, start_ms, step_ms);
    pg_guard([&] { put_row(rsinfo, scratch, row, step_ms); });
  }
}

}  // namespace observe::pg
