// The PromQL function table: signatures for the parser's type checks and the
// implementations the evaluator calls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/promql/ast.h"

namespace observe::promql {

struct FunctionInfo {
  std::string name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types; n > 0: the last arg_types entry is optional and may repeat up to
  // n times in total; -1: the last entry repeats without limit (Prometheus's Variadic).
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool experimental = false;
};

// nullptr when no function has that name.
const FunctionInfo* find_function(std::string_view name);

}  // namespace observe::promql
