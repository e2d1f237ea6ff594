// The PromQL engine: instant and range queries over a Queryable, with Prometheus 3.x
// semantics (lookback, staleness, delayed __name__ removal, subqueries, @ and offset).
//
// Result shapes:
//  * instant query: Value of type scalar, string, instant vector (every element at t_ms) or
//    range vector (for `x[5m]`); vector order is the evaluation order (sort*/topk order kept).
//  * range query: a matrix whose series are sorted by labels, each with ascending samples at
//    start + i*step (a series lacks the steps where it had no value).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/promql/ast.h"
#include "core/promql/storage.h"
#include "core/promql/value.h"

namespace observe::promql {

struct EngineOptions {
  int64_t lookback_ms = 300000;
  // Peak number of samples a query may hold (selected points plus result points).
  int64_t max_samples = 50000000;
  // Step of a subquery written without one (`x[1h:]`).
  int64_t default_subquery_step_ms = 60000;
  // Polled every step and every few thousand samples; true cancels the query.
  std::function<bool()> interrupted;
};

using Result = Value;

Result instant_query(Queryable& q, std::string_view query, int64_t t_ms, const EngineOptions& opts);
Result range_query(Queryable& q, std::string_view query, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                   const EngineOptions& opts);

// The same on an already parsed expression (the conformance runner rewrites the tree).
Result instant_query(Queryable& q, const NodePtr& expr, int64_t t_ms, const EngineOptions& opts);
Result range_query(Queryable& q, const NodePtr& expr, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                   const EngineOptions& opts);

// `up{job="api"}` -> {__name__="up", job="api"}; throws SyntaxError.
Labels parse_series(std::string_view text);

}  // namespace observe::promql
