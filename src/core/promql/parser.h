// Parses PromQL (Prometheus 3.x grammar) into the syntax tree of ast.h, checking types as
// Prometheus's parser does. Errors are SyntaxError with the 0-based byte position.
#pragma once

#include <string_view>

#include "core/common/labels.h"
#include "core/promql/ast.h"

namespace observe::promql {

NodePtr parse_expr(std::string_view query);

// `up{job="api"}` -> {__name__="up", job="api"}; only `=` matchers are allowed.
Labels parse_series(std::string_view text);

}  // namespace observe::promql
