// Parses PromQL (Prometheus 3.x grammar) into the syntax tree of ast.h, checking types as
// Prometheus's parser does. Errors are SyntaxError with the 0-based byte position.
#pragma once

#include <string_view>

#include "core/common/labels.h"
#include "core/promql/ast.h"

namespace observe::promql {

NodePtr parse_expr(std::string_view query);

// Computes offsets, ranges and steps written as duration expressions, for a query with
// that step and range (both 0 for an instant query). Throws Error (kInvalidParameter).
void resolve_durations(Node& root, int64_t step_ms, int64_t range_ms);

// `up{job="api"}` -> {__name__="up", job="api"}; only `=` matchers are allowed.
Labels parse_series(std::string_view text);

}  // namespace observe::promql
