// Prints a syntax tree back as PromQL, in the canonical form Prometheus's String() uses
// (`sum by (job) (rate(x[5m] offset 1m))`). Parsing the output gives the same tree.
#pragma once

#include <cstdint>
#include <string>

#include "core/promql/ast.h"

namespace observe::promql {

std::string to_string(const Node& n);
// Prometheus duration notation, largest units first: 90m -> "1h30m", 0 -> "0s".
std::string format_duration(int64_t ms);

}  // namespace observe::promql
