// Rule files written back as YAML (observe.rule_file): the inverse of parse_rule_file, so
// that parse_rule_file(format_rule_file(f)) gives f again (rule lines aside).
#pragma once

#include <string>

#include "core/rules/rule_file.h"

namespace observe::rules {

// `groups:` with every group and rule; unset or zero fields are left out as Prometheus leaves
// them out (interval 0, no query_offset, limit 0, for 0, keep_firing_for 0, empty maps);
// durations as model.Duration prints them ("1m30s"); strings quoted by yaml-cpp where YAML
// needs it, multi-line expressions as literal blocks.
std::string format_rule_file(const RuleFile& file);

}  // namespace observe::rules
