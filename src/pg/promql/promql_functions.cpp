// observe.promql(query, at, source) and observe.promql_range(query, start, end, step, source):
// the PromQL engine of the core run on an observe_ts table, rows out as
// (time timestamptz, metric text, value float8).
#include "core/promql/engine.h"
#include "pg/border/border.h"
#include "pg/promql/promql_request.h"
#include "pg/border/srf_rows.h"
#include "pg/border/time_convert.h"
#include "pg/promql/promql_rows.h"
#include "pg/promql/promql_storage.h"

// observe.promql(query text, at timestamptz, source regclass)
OBSERVE_FUNCTION(observe_promql) {
  char* query = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int64_t at_ms = observe::pg::timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(1));
  Oid source = PG_GETARG_OID(2);
  observe::pg::set_error_query(query);
  observe::pg::SrfRows rows(fcinfo);
  observe::pg::TsQueryable storage(source);
  observe::promql::Result r = observe::promql::instant_query(storage, query, at_ms, observe::pg::promql_engine_options());
  observe::pg::emit_promql_rows(rows, r, 0);
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
  observe::promql::Result r = observe::promql::range_query(storage, req.query, req.start_ms, req.end_ms, req.step_ms,
                                          observe::pg::promql_engine_options());
  observe::pg::emit_promql_rows(rows, r, req.step_ms);
  observe::pg::emit_promql_annotations(r);
  return (Datum)0;
}
