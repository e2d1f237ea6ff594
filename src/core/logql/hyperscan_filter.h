// `|~` / `!~` line filters on Hyperscan, where it gives exactly Go's (RE2's) answer: measured
// 2-13x faster than RE2::PartialMatch per line on the log recording with identical results
// (bench/logs/bench_line_filters; the one exception, an IP-address regex matching nearly every
// line early, is 0.8x). RE2 stays the reference: a pattern outside the subset where the two
// engines agree gets no Hyperscan database, and a line Hyperscan cannot judge the same way is
// left to RE2.
#pragma once

#include <memory>
#include <string_view>

struct hs_database;
struct hs_scratch;

namespace observe::logql {

class HyperscanFilter {
 public:
  // nullptr when the pattern is outside the subset (see hyperscan_agrees) or Hyperscan
  // rejects it.
  static std::shared_ptr<const HyperscanFilter> compile(std::string_view pattern);
  ~HyperscanFilter();
  HyperscanFilter(const HyperscanFilter&) = delete;
  HyperscanFilter& operator=(const HyperscanFilter&) = delete;

  // 1: the pattern matches somewhere in line; 0: nowhere; -1: undecided (the line is not
  // valid UTF-8, or it has non-ASCII bytes and the pattern folds case): ask RE2.
  int match(std::string_view line) const;

 private:
  HyperscanFilter(hs_database* db, hs_scratch* scratch, bool caseless)
      : db_(db), scratch_(scratch), caseless_(caseless) {}
  hs_database* db_;
  hs_scratch* scratch_;  // one per filter: the engine evaluates a query on one thread
  bool caseless_;
};

// Whether Go's regexp and Hyperscan (HS_FLAG_UTF8, no HS_FLAG_UCP, no multiline or dotall)
// agree on every valid UTF-8 line for this pattern (ASCII lines when it folds case), judged
// from its syntax: literals, `.`, `|`, groups `(...)` `(?:...)` `(?i)` `(?i:...)`, classes
// without POSIX names, quantifiers, `^`, and the escapes \d \D \w \W \b \B and escaped
// punctuation. Left out: `$` (PCRE also matches before a final newline), \s \S (PCRE adds
// vertical tab), \p \pL... (Unicode classes), other flags, named groups, non-ASCII bytes in a
// case-folding pattern (Go folds K to the Kelvin sign, Hyperscan without UCP does not).
bool hyperscan_agrees(std::string_view pattern);

}  // namespace observe::logql
