// `promtool test rules` (cmd/promtool/unittest.go): a unit-test file names rule files
// (relative to it, globbed), an evaluation_interval and test groups of input series (the
// promql test notation: `1+2x3`, `_`, `_x3`, `stale`), alert_rule_test and promql_expr_test.
// Each group loads its series into a MemoryStorage, evaluates every rule group from 0 to the
// largest eval_time every evaluation_interval, compares the firing alerts and expression
// results at each eval_time, and reports promtool's messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/promql/storage.h"

namespace observe::rules {

// One `values:` string expanded: nullopt-like `omitted` entries keep their slot.
struct SeriesValue {
  bool omitted = false;
  double v = 0;  // StaleNaN for `stale`
};
// Throws observe::Error (kInvalidParameter) on bad notation.
std::vector<SeriesValue> expand_series_values(std::string_view values);

struct UnitTestReport {
  bool ok = true;
  std::vector<std::string> errors;  // promtool's texts, one per failed check
  std::string output;               // what promtool prints for the file
};

// Runs every test group of the file at `path`.
UnitTestReport run_rule_unit_test_file(const std::string& path);

}  // namespace observe::rules
