// /api/v1/parse_query's answer: a PromQL syntax tree as the JSON Prometheus's translateAST
// (web/api/v1/translate_ast.go) builds for its UI's tree view. Objects are Go maps, so their
// keys come out sorted.
#pragma once

#include <string>

#include "core/promql/ast.h"

namespace observe::httpapi {

std::string promql_ast_json(const promql::Node& node);

}  // namespace observe::httpapi
