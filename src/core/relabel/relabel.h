// Prometheus relabeling (model/relabel of Prometheus 2.42): the rule, its defaults, the
// validation Prometheus does when it reads a rule from YAML, and Process over a label set.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/labels.h"
#include "core/relabel/go_text.h"

namespace re2 {
class RE2;
}

namespace observe::relabel {

enum class Action {
  kEmpty,  // `action:` given as YAML null: Prometheus's "relabel action cannot be empty"
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// The action named `s`, compared after Go's strings.ToLower as Prometheus does; nullopt when
// unknown (Prometheus: unknown relabel action "s").
std::optional<Action> parse_action(std::string_view s);
std::string_view action_name(Action a);

// A regex as Prometheus holds it: compiled anchored, `^(?:source)$`, with RE2 (the syntax
// Go's regexp implements).
class Regex {
 public:
  // Throws observe::Error (kInvalidParameter) when the pattern does not compile:
  // "error parsing regexp: <RE2's reason>: `^(?:source)$`".
  explicit Regex(std::string source);
  const std::string& source() const { return source_; }
  bool full_match(std::string_view s) const;
  // Submatches of the anchored match of s (the whole string), or false when it does not match.
  bool match(std::string_view s, std::vector<Span>* spans) const;
  const std::vector<std::string>& group_names() const { return names_; }

 private:
  std::string source_;
  std::shared_ptr<const re2::RE2> re_;
  std::vector<std::string> names_;
};

struct Config {
  std::vector<std::string> source_labels;
  // Go tells a nil list (key absent or null) from an empty one (`source_labels: []`): the
  // labeldrop/labelkeep check rejects the latter.
  bool source_labels_given = false;
  std::string separator = ";";
  // The default `(.*)`; Prometheus compares the regex by identity, so any `regex:` key at
  // all (even the default's text) counts as set for the keepequal/dropequal check.
  std::shared_ptr<const Regex> regex = default_regex();
  bool regex_given = false;
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  Action action = Action::kReplace;

  static std::shared_ptr<const Regex> default_regex();
};

// The check Prometheus's Config.UnmarshalYAML does after reading a rule, with its message;
// "" when the rule is valid.
std::string validate(const Config& c);

// Relabels a copy of `labels` with each rule in order; nullopt when a rule drops the set.
std::optional<Labels> process(const Labels& labels, const std::vector<Config>& rules);

// relabelTarget of relabel.go: what a replace/lowercase/... target_label and a labelmap
// replacement must look like (label-name characters and $ references).
bool is_valid_relabel_target(std::string_view s);

}  // namespace observe::relabel
