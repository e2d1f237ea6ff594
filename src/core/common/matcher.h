// A label matcher (`=`, `!=`, `=~`, `!~`) with Prometheus semantics: regexes are RE2
// syntax, fully anchored, and a missing label matches as the empty string.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/labels.h"

namespace re2 {
class RE2;
}

namespace observe {

enum class MatchOp { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

class LabelMatcher {
 public:
  // Throws observe::Error (kInvalidParameter) for a regex that does not compile.
  LabelMatcher(MatchOp op, std::string name, std::string value);

  MatchOp op() const { return op_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  bool matches(std::string_view value) const;
  bool matches(const Labels& labels) const { return matches(labels.get(name_)); }
  // True when the matcher also accepts a series that lacks the label entirely.
  bool matches_empty() const { return matches(std::string_view()); }

  // `name="value"` as Prometheus prints it.
  std::string to_string() const;

 private:
  MatchOp op_;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // shared so matchers copy cheaply
};

using Matchers = std::vector<LabelMatcher>;

bool matches_all(const Matchers& matchers, const Labels& labels);

}  // namespace observe
