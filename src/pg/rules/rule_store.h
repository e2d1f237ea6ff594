// observe.rule_groups / observe.rules as the core's rule groups: read (the worker, rule_file),
// validated as promtool validates a file, and written (load_rule_file). SPI must be connected.
#pragma once

#include <string>
#include <vector>

#include "core/common/labels.h"
#include "core/rules/rule_file.h"
#include "pg/border/pg_headers.h"

namespace observe::pg {

struct StoredRuleGroup {
  std::string file;
  Oid target = InvalidOid;
  Oid log_source = InvalidOid;  // the observe_log table its LogQL rules query
  // global.external_labels of the loaded prometheus.yml (observe.scrape_global): added to the
  // alerts sent, seen by templates as $externalLabels.
  Labels external_labels;
  bool enabled = true;
  rules::RuleGroup group;  // interval_ms 0: the global evaluation interval
  std::vector<int> positions;  // observe.rules.position of each rule
};

// The groups (all when only_group is null), by name, each with its rules in position order.
std::vector<StoredRuleGroup> read_rule_groups(const char* only_group);

// The stored group written as a rule file and read back as promtool would read it (Loki's ruler
// for a group of LogQL rules): its errors with promtool's messages (empty: valid, *out is the
// group to evaluate). Rows edited by hand get the checks load_rule_file makes; a group mixing
// PromQL and LogQL rules is refused.
std::vector<std::string> validate_rule_group(const rules::RuleGroup& stored, rules::RuleGroup* out);

// Replaces the group of that name (its fields and rules; target and enabled are kept).
void write_rule_group(const rules::RuleGroup& group, const std::string& file);

}  // namespace observe::pg
