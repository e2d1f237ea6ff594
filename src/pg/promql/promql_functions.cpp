// observe.promql(query, at, source) and observe.promql_range(query, start, end, step, source):
// the PromQL engine of the core run on an observe_ts table, rows out as
// (time timestamptz, metric text, value float8).
#include <algorithm>
#include <climits>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "core/promql/engine.h"
#include "pg/border/border.h"
#include "pg/promql/promql_request.h"
#include "pg/border/srf_rows.h"
#include "pg/border/time_convert.h"
#include "pg/promql/promql_storage.h"

namespace {

using observe::promql::Result;
using observe::promql::ValueType;

// Rows of a matrix in long format for Grafana: ascending time, series in label order
// within a time; each series' name printed once. Rows go out in batches of kBatch.
void emit_matrix(observe::pg::SrfRows& rows, const observe::promql::Matrix& m, int64_t step_ms) {
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
  std::vector<observe::pg::SrfRows::Row> batch;
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
void emit_result(observe::pg::SrfRows& rows, const Result& r, int64_t step_ms) {
  switch (r.type) {
    case ValueType::kScalar:
      rows.add(r.t, nullptr, &r.scalar);
      break;
    case ValueType::kString:
      rows.add(r.t, &r.str, nullptr);
      break;
    case ValueType::kVector:
      for (const auto& e : r.vector) {
        std::string metric = e.metric.to_string();
        rows.add(r.t, &metric, &e.v);
      }
      break;
    case ValueType::kMatrix:
      emit_matrix(rows, r.matrix, step_ms);
      break;
    case ValueType::kNone:
      break;
  }
}

}  // namespace

// observe.promql(query text, at timestamptz, source regclass)
OBSERVE_FUNCTION(observe_promql) {
  char* query = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int64_t at_ms = observe::pg::timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(1));
  Oid source = PG_GETARG_OID(2);
  observe::pg::set_error_query(query);
  observe::pg::SrfRows rows(fcinfo);
  observe::pg::TsQueryable storage(source);
  Result r = observe::promql::instant_query(storage, query, at_ms, observe::pg::promql_engine_options());
  emit_result(rows, r, 0);
  observe::pg::emit_promql_annotations(r);
  return (Datum)0;
}

// observe.promql_range(query text, start_time timestamptz, end_time timestamptz, step interval,
//                      source regclass)
OBSERVE_FUNCTION(observe_promql_range) {
  observe::pg::PromqlRangeRequest req = observe::pg::promql_range_request(fcinfo);
  observe::pg::set_error_query(req.query);
  observe::pg::SrfRows rows(fcinfo);
  observe::pg::TsQueryable storage(req.source);
  Result r = observe::promql::range_query(storage, req.query, req.start_ms, req.end_ms, req.step_ms,
                                          observe::pg::promql_engine_options());
  emit_result(rows, r, req.step_ms);
  observe::pg::emit_promql_annotations(r);
  return (Datum)0;
}
