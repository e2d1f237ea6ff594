// Prometheus rule files (model/rulefmt): groups of recording and alerting rules, read with
// yaml-cpp under yaml.v3's strict rules, validated as `promtool check rules` validates them.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace observe::rules {

using StringPairs = std::vector<std::pair<std::string, std::string>>;  // in file order

// Prometheus's rule files hold PromQL; Loki's ruler reads the same format with LogQL metric
// queries.
enum class QueryLanguage { kPromQL, kLogQL };
const char* query_language_name(QueryLanguage l);  // "promql", "logql"

struct Rule {
  std::string record;  // exactly one of record / alert is set in a valid file
  std::string alert;
  std::string expr;
  QueryLanguage language = QueryLanguage::kPromQL;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  StringPairs labels;
  StringPairs annotations;
  int line = 0;  // of the rule's first key

  bool is_alert() const { return !alert.empty(); }
  const std::string& name() const { return alert.empty() ? record : alert; }
};

struct RuleGroup {
  std::string name;
  int64_t interval_ms = 0;  // 0: the global evaluation_interval
  int64_t query_offset_ms = 0;
  bool has_query_offset = false;  // set in the file (Prometheus >= 2.53)
  int64_t limit = 0;              // 0: no limit
  StringPairs labels;             // group labels (Prometheus >= 3.0): added to every rule
  std::vector<Rule> rules;
  int line = 0;
};

struct RuleFile {
  std::vector<RuleGroup> groups;
};

// Every problem of a file, each message as promtool prints it after `FILE: ` (e.g.
// `12:17: group "g", rule 2, "1bad": invalid recording rule name: 1bad`).
class RuleFileError : public std::runtime_error {
 public:
  explicit RuleFileError(std::vector<std::string> errors);
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

struct RuleFileOptions {
  // Group `query_offset` (Prometheus 2.53) and `labels` (3.0). Off: refused as unknown fields,
  // as promtool 2.42 refuses them (the differential tests run that way).
  bool newer_group_fields = true;
  // The language of every expression of the file (a Loki rule file: LogQL, parsed as Loki's
  // ruler parses it; a log query is accepted here and fails when evaluated, as in Loki).
  QueryLanguage language = QueryLanguage::kPromQL;
};

// Parses and validates; throws RuleFileError listing every error found.
RuleFile parse_rule_file(std::string_view text, const RuleFileOptions& opts = {});

// The same, returning the errors instead of throwing (empty: valid; *out filled then).
std::vector<std::string> check_rule_file(std::string_view text, RuleFile* out, const RuleFileOptions& opts = {});

// model.IsValidMetricName / LabelName.IsValid as Prometheus 2.42 defines them.
bool is_valid_metric_name(std::string_view s);
bool is_valid_label_name(std::string_view s);

}  // namespace observe::rules
