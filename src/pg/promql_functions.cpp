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
#include "pg/border.h"
#include "pg/guc.h"
#include "pg/srf_rows.h"
#include "pg/time_convert.h"
#include "pg/promql_storage.h"

namespace {

using observe::promql::Result;
using observe::promql::ValueType;

observe::promql::EngineOptions engine_options() {
  observe::promql::EngineOptions opts;
  opts.lookback_ms = observe::pg::guc_promql_lookback_ms;
  opts.max_samples = observe::pg::guc_promql_max_samples;
  opts.interrupted = [] { return observe::pg::interrupt_pending(); };
  return opts;
}

// Rows of a matrix in long format for Grafana: ascending time, series in label order
// within a time; each series' name printed once. Rows go out in batches of kBatch.
void emit_matrix(observe::pg::SrfRows& rows, const observe::promql::Matrix& m, int64_t step_ms) {
  constexpr size_t kBatch = 4096;
  std::vector<std::string> names;
  names.reserve(m.size());
  size_t total = 0;
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto& s : m) {
    names.push_back(s.metric.to_string());
    total += s.samples.size();
    if (s.samples.empty()) continue;
    first = std::min(first, s.samples.front().t);
    last = std::max(last, s.samples.back().t);
  }
  if (total == 0) return;
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

// Prometheus answers a query's warnings and infos beside its result; a set-returning function
// has no such channel, so each comes as a NOTICE with Prometheus's text
// ("PromQL info: metric might not be a counter, … (1:6)"): psql shows them, drivers that
// ignore notices (Grafana's) are unaffected, and NOTICE stays out of the server log by default.
void emit_annotations(const Result& r) {
  for (const std::vector<std::string>* list : {&r.warnings, &r.infos}) {
    for (const std::string& a : *list) {
      const char* msg = a.c_str();
      observe::pg::pg_guard([msg] { ereport(NOTICE, (errmsg("%s", msg))); });
    }
  }
}

int64_t interval_to_ms(const Interval* step) {
  if (step->month != 0)
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "step must not contain months: use days or smaller units");
  int64_t us = step->time + static_cast<int64_t>(step->day) * USECS_PER_DAY;
  if (us <= 0)
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "zero or negative query resolution step widths are not accepted. "
                         "Try a positive integer");
  return us / 1000 > 0 ? us / 1000 : 1;
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
  Result r = observe::promql::instant_query(storage, query, at_ms, engine_options());
  emit_result(rows, r, 0);
  emit_annotations(r);
  return (Datum)0;
}

// observe.promql_range(query text, start_time timestamptz, end_time timestamptz, step interval,
//                      source regclass)
OBSERVE_FUNCTION(observe_promql_range) {
  char* query = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int64_t start_ms = observe::pg::timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(1));
  int64_t end_ms = observe::pg::timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(2));
  int64_t step_ms = interval_to_ms(PG_GETARG_INTERVAL_P(3));
  Oid source = PG_GETARG_OID(4);
  if (end_ms < start_ms)
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "end timestamp must not be before start time");
  // Prometheus's API refuses more than 11,000 points per series.
  if ((end_ms - start_ms) / step_ms > 11000)
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "exceeded maximum resolution of 11,000 points per timeseries. "
                         "Try decreasing the query resolution (?step=XX)");
  observe::pg::set_error_query(query);
  observe::pg::SrfRows rows(fcinfo);
  observe::pg::TsQueryable storage(source);
  Result r = observe::promql::range_query(storage, query, start_ms, end_ms, step_ms, engine_options());
  emit_result(rows, r, step_ms);
  emit_annotations(r);
  return (Datum)0;
}
