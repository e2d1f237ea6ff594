// A PromQL result (from PromQL or from a LogQL metric query, which the PromQL engine
// evaluates) as rows of a set-returning function.
#pragma once

#include <cstdint>

#include "core/promql/engine.h"
#include "pg/border/pg_headers.h"
#include "pg/border/srf_rows.h"

namespace observe::pg {

// (time, metric, value) rows: a scalar is one row without a metric, a string one row with the
// string in `metric` and no value, vectors one row per element, matrices one row per sample in
// time order (series in label order within a time; each series' name printed once).
void emit_promql_rows(SrfRows& rows, const promql::Result& r, int64_t step_ms);

// A range query's matrix one row per series, shaped as Prometheus's matrix result is:
//   (metric text, first_time timestamptz, time_step interval, value float8[])
// value[k] is the point at first_time + (k - 1) * time_step, NULL at a step without one.
void emit_promql_series_rows(FunctionCallInfo fcinfo, const promql::Result& r, int64_t start_ms, int64_t step_ms);

}  // namespace observe::pg
