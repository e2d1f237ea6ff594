// observe.promql(query, at, source) and observe.promql_range(query, start, end, step, source):
// the PromQL engine of the core run on an observe_ts table, rows out as
// (time timestamptz, metric text, value float8).
#include <algorithm>
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

// A scalar comes back as one row without a metric, a string as one row with the string in
// `metric` and no value; vectors one row per element; matrices one row per sample, by time.
void emit_result(observe::pg::SrfRows& rows, const Result& r) {
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
    case ValueType::kMatrix: {
      // Long format for Grafana: ascending time, series in label order within a time. The
      // series are each in time order: a k-way merge by (time, series), the name of a
      // series printed once.
      using Cursor = std::pair<int64_t, size_t>;  // (next time, series)
      std::vector<std::string> names;
      std::vector<size_t> next(r.matrix.size(), 0);
      std::priority_queue<Cursor, std::vector<Cursor>, std::greater<Cursor>> heap;
      size_t total = 0;
      for (size_t i = 0; i < r.matrix.size(); i++) {
        names.push_back(r.matrix[i].metric.to_string());
        total += r.matrix[i].samples.size();
        if (!r.matrix[i].samples.empty()) heap.push({r.matrix[i].samples[0].t, i});
      }
      std::vector<observe::pg::SrfRows::Row> out;
      out.reserve(total);
      while (!heap.empty()) {
        size_t i = heap.top().second;
        heap.pop();
        const auto& s = r.matrix[i].samples;
        out.push_back({s[next[i]].t, i, s[next[i]].v});
        if (++next[i] < s.size()) heap.push({s[next[i]].t, i});
      }
      rows.add_rows(names, out);
      break;
    }
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
  emit_result(rows, r);
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
  emit_result(rows, r);
  emit_annotations(r);
  return (Datum)0;
}
