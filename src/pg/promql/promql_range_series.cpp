// observe.promql_range_series(query, start_time, end_time, step, source): a range query's answer
// one row per series, shaped as Prometheus's matrix result is:
//   (metric text, first_time timestamptz, time_step interval, value float8[])
// value[k] is the series' point at first_time + (k - 1) * time_step, NULL at a step where it has
// none; first_time is the series' first point. observe.promql_range returns a row per point,
// which Grafana needs, but PostgreSQL spends about 0.35 µs per row on output and protocol alone
// (docs/performance.md): for thousands of points one array per series is several times cheaper.
#include "core/promql/engine.h"
#include "pg/border/border.h"
#include "pg/promql/promql_request.h"
#include "pg/promql/promql_rows.h"
#include "pg/promql/promql_storage.h"

// observe.promql_range_series(query text, start_time timestamptz, end_time timestamptz,
//                             step interval, source regclass)
OBSERVE_FUNCTION(observe_promql_range_series) {
  observe::pg::PromqlRangeRequest req = observe::pg::promql_range_request(fcinfo);
  observe::pg::set_error_query(req.query);
  observe::pg::TsQueryable storage(req.source);
  observe::promql::Result r = observe::promql::range_query(storage, req.query, req.start_ms, req.end_ms,
                                                           req.step_ms, observe::pg::promql_engine_options());
  observe::pg::emit_promql_series_rows(fcinfo, r, req.start_ms, req.step_ms);
  observe::pg::emit_promql_annotations(r);
  return (Datum)0;
}
