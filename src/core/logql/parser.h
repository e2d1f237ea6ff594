// LogQL parser: Loki's grammar (syntax.y) by recursive descent, with its validation rules
// and error texts ("parse error at line L, col C: syntax error: unexpected X", "parse error :
// <validation message>"). Throws SyntaxError with the byte position.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/logql/ast.h"

namespace observe::logql {

inline constexpr size_t kMaxQueryLength = 131072;

Query parse_query(std::string_view query);

// The literals of a regex that is only an alternation of plain strings (`deadlock|timeout`,
// `a\.b|c`: backslash before punctuation is that character), so that the regex matches a
// line exactly when one of them is a substring; false (and *out cleared) for any other regex:
// an empty alternative, a metacharacter, a group, a class, a flag or an escape before a
// letter or digit.
bool regex_literal_alternatives(std::string_view re, std::vector<std::string>* out);

}  // namespace observe::logql
