// What the PromQL SQL functions share: engine options from the GUCs, a range query's
// arguments (query, start, end, step, source) checked against Prometheus's limits, and the
// result's annotations as NOTICEs.
#pragma once

#include <cstdint>

#include "core/promql/engine.h"
#include "pg/border/pg_headers.h"

namespace observe::pg {

observe::promql::EngineOptions promql_engine_options();

struct PromqlRangeRequest {
  const char* query;  // palloc'd in the function's memory context
  int64_t start_ms;
  int64_t end_ms;
  int64_t step_ms;
  Oid source;
};

// Arguments (query text, start_time timestamptz, end_time timestamptz, step interval,
// source regclass); throws observe::Error (22023) for a bad step or window.
PromqlRangeRequest promql_range_request(FunctionCallInfo fcinfo);

// Prometheus answers a query's warnings and infos beside its result; a set-returning function
// has no such channel, so each comes as a NOTICE with Prometheus's text.
void emit_promql_annotations(const observe::promql::Result& r);

}  // namespace observe::pg
