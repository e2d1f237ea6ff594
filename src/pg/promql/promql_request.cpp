#include "pg/promql/promql_request.h"

#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "pg/border/border.h"
#include "pg/module/guc.h"
#include "pg/border/time_convert.h"

namespace observe::pg {

observe::promql::EngineOptions promql_engine_options() {
  observe::promql::EngineOptions opts;
  opts.lookback_ms = guc_promql_lookback_ms;
  opts.max_samples = guc_promql_max_samples;
  opts.interrupted = [] { return interrupt_pending(); };
  return opts;
}

static int64_t interval_to_ms(const Interval* step) {
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

PromqlRangeRequest promql_range_request(FunctionCallInfo fcinfo) {
  PromqlRangeRequest r;
  const Interval* step = nullptr;
  pg_guard([&] {  // detoasting may ereport
    r.query = text_to_cstring(PG_GETARG_TEXT_PP(0));
    step = PG_GETARG_INTERVAL_P(3);
  });
  r.start_ms = timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(1));
  r.end_ms = timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(2));
  r.step_ms = interval_to_ms(step);
  r.source = PG_GETARG_OID(4);
  if (r.end_ms < r.start_ms)
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "end timestamp must not be before start time");
  // Prometheus's API refuses more than 11,000 points per series.
  if ((r.end_ms - r.start_ms) / r.step_ms > 11000)
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "exceeded maximum resolution of 11,000 points per timeseries. "
                         "Try decreasing the query resolution (?step=XX)");
  return r;
}

// Drivers that ignore notices (Grafana's) are unaffected, psql shows them, and NOTICE stays out
// of the server log by default. Texts as Prometheus's ("PromQL info: metric might not be a
// counter, … (1:6)").
void emit_promql_annotations(const observe::promql::Result& r) {
  for (const std::vector<std::string>* list : {&r.warnings, &r.infos}) {
    for (const std::string& a : *list) {
      std::string safe = escape_message(a);  // annotations quote label values: any bytes
      const char* msg = safe.c_str();
      pg_guard([msg] { ereport(NOTICE, (errmsg("%s", msg))); });
    }
  }
}

}  // namespace observe::pg
