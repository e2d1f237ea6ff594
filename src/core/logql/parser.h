// LogQL parser: Loki's grammar (syntax.y) by recursive descent, with its validation rules
// and error texts ("parse error at line L, col C: syntax error: unexpected X", "parse error :
// <validation message>"). Throws SyntaxError with the byte position.
#pragma once

#include <string_view>

#include "core/logql/ast.h"

namespace observe::logql {

inline constexpr size_t kMaxQueryLength = 131072;

Query parse_query(std::string_view query);

}  // namespace observe::logql
