// Loki's pattern syntax (`<name> - <_> "<method> <uri>"`): the `pattern` parser and the
// `|>` / `!>` line filters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace observe::logql {

class PatternMatcher {
 public:
  // Throws std::invalid_argument with Loki's texts ("at least one capture is required",
  // "invalid expression", "duplicate capture name").
  // A line filter pattern (`|>`) needs no capture and may not name one.
  explicit PatternMatcher(std::string_view pattern, bool line_filter = false);

  // The capture names (unnamed `<_>` excluded), in order.
  const std::vector<std::string>& names() const { return names_; }
  bool has_named_capture() const { return !names_.empty(); }

  // Parser: the named captures matched from the start of the line; a short line fills the
  // leading ones (the last found capture runs to the end). Empty when the line does not
  // start with the pattern's leading literal.
  std::vector<std::string_view> captures(std::string_view line) const;

  // Line filter: the whole line matches (no empty capture; a trailing literal ends the line).
  bool test(std::string_view line) const;

 private:
  struct Node {
    bool capture = false;
    bool named = false;
    std::string text;  // literal text or capture name
  };
  std::vector<Node> nodes_;
  std::vector<std::string> names_;
};

}  // namespace observe::logql
