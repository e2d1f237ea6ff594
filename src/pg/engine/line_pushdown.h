// Substring predicates on token-filtered text columns (observe_log's line) pushed into the scan
// as chunk-skipping tests (line_pushdown.cpp). Both run C++ through invoke_cpp / pg_guard.
#pragma once

#include <vector>

#include "pg/engine/pg_engine_headers.h"
#include "pg/engine/pushdown.h"
#include "pg/engine/scan.h"

namespace observe::pg {

// When `clause` requires a token-filtered column to contain literals (LIKE/ILIKE, ~/~* with a
// literal pattern, position/strpos > 0), appends one test per literal of at least 3 bytes to
// *tests (each a List of Consts: column int4, case_insensitive bool, needle text, exact bool);
// false if none. *exact: the clause is true exactly when the column holds the test's one needle
// (case-sensitive LIKE '%lit%', ~ 'lit', position/strpos(lit) > 0, in a database encoding and
// collation where that is byte containment): the scan then decides it on every row and the
// executor need not evaluate it.
bool ts_contains_filter(Expr* clause, Index rti, const TsRelShape& shape, List** tests, bool* exact);
// The tests of such a list (executor side, C++).
std::vector<TsContainsTest> ts_contains_tests(List* tests);

}  // namespace observe::pg
