// Hyperscan line filters against RE2, the reference: on every pattern Hyperscan takes and every
// line it decides, the same answer as RE2::PartialMatch (Go's regexp semantics); hand-picked
// traps (Kelvin sign, vertical tab, trailing newline, invalid UTF-8) and random patterns.
#include "core/logql/hyperscan_filter.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>
#include <string>
#include <vector>

#include "core/logql/parser.h"

namespace observe::logql {
namespace {

const std::vector<std::string> kLines = {
    "",
    "GET /orders/100002 HTTP/1.1\" 200 512",
    "level=error msg=\"connection refused\"",
    "ERROR: deadlock detected\nDETAIL: Process 12 waits",
    "timeout after 5s\n",
    "Kelvin \xe2\x84\xaa and long s \xc5\xbf",  // U+212A folds to k, U+017F to s in Go
    "tab\there vt\vthere",
    "caf\xc3\xa9 na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac",
    "bad \xff byte",
    "word_boundary-test 10.0.0.1:5432",
    "{\"timestamp\":\"2026-12-06\",\"error_severity\":\"ERROR\"}",
    "aaa bbb abcabc ABC kK sS",
};

void same_as_re2(const std::string& pattern, const std::vector<std::string>& lines, int* decided = nullptr) {
  RE2 re(pattern, RE2::Quiet);
  ASSERT_TRUE(re.ok()) << pattern;
  auto hs = HyperscanFilter::compile(pattern);
  if (!hs) return;
  for (const auto& line : lines) {
    int m = hs->match(line);
    if (m < 0) continue;
    if (decided) ++*decided;
    EXPECT_EQ(m == 1, RE2::PartialMatch(line, re)) << "pattern " << pattern << " line " << line;
  }
}

TEST(HyperscanFilter, TheSubsetWhereBothAgree) {
  for (const char* ok : {"error|warn|fatal", "(?i)timeout", "\" 5\\d\\d ", "(GET|POST) /orders/\\d+",
                         "\\d{1,3}\\.\\d{1,3}", "^\\{\"timestamp\"", "[^a-z]+x", "(?:ab)+", "(?i:abc)d", "a\\bb",
                         "caf\xc3\xa9", "[]a]", "x*", "a\\$b", "[\\w-]+@"})
    EXPECT_TRUE(hyperscan_agrees(ok)) << ok;
  for (const char* no : {"error$", "a\\sb", "\\S+", "(?s)a.b", "(?m)^a", "(?P<x>a)", "[[:alpha:]]", "\\pL",
                         "(?i)caf\xc3\xa9", "\\x41", "\\Qa.b\\E", "[\\b]", "a\\", "[abc", "(?U)a+"})
    EXPECT_FALSE(hyperscan_agrees(no)) << no;
}

TEST(HyperscanFilter, DecidesAsRe2OnTheTraps) {
  int decided = 0;
  for (const char* p : {"error|warn|fatal", "(?i)timeout", "(?i)k", "(?i)s", "timeout", "^timeout", "\\bword",
                        "[^a-z ]", ".", "^.*$x", "\\d+:\\d+", "[\\W]", "\\B", "caf\xc3\xa9", ".\xe6\x9c\xac",
                        "x*", "(?i)ABC", "a|", "^", "vt.there", "bad . byte", "\\w+_\\w+"})
    same_as_re2(p, kLines, &decided);
  EXPECT_GT(decided, 150);  // most pairs are Hyperscan's, not left to RE2
}

TEST(HyperscanFilter, LeavesToRe2WhatItCannotJudge) {
  auto hs = HyperscanFilter::compile("(?i)k");
  ASSERT_TRUE(hs);
  EXPECT_EQ(hs->match("Kelvin \xe2\x84\xaa"), -1);  // non-ASCII line, case folding
  EXPECT_EQ(hs->match("plain k"), 1);
  auto plain = HyperscanFilter::compile("byte");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->match("bad \xff byte"), -1);  // invalid UTF-8
  EXPECT_EQ(plain->match("a byte"), 1);
  EXPECT_EQ(plain->match("nothing"), 0);
}

TEST(HyperscanFilter, RandomPatternsAgreeWithRe2) {
  std::mt19937 rng(20261207);
  const std::vector<std::string> atoms = {"a", "b", "k", "K", "\xc3\xa9", ".", "[a-c]", "[^b]", "\\d", "\\w", "\\W",
                                          "\\b", " ", "x", "(?i)", "^"};
  const std::vector<std::string> quant = {"", "", "", "*", "+", "?", "{1,2}", "*?"};
  const std::vector<std::string> chars = {"a", "b", "c", "k", "K", "\xc3\xa9", "\xe2\x84\xaa", " ", "1", "\n", "x", "_"};
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::vector<std::string> lines;
  for (int i = 0; i < 60; i++) {
    std::string l;
    for (int n = rng() % 12; n > 0; n--) l += pick(chars);
    lines.push_back(l);
  }
  int compiled = 0;
  for (int i = 0; i < 600; i++) {
    std::string p;
    for (int n = 1 + rng() % 4; n > 0; n--) {
      std::string a = pick(atoms);
      if (rng() % 5 == 0) a = "(" + a + pick(atoms) + "|" + pick(atoms) + ")";
      p += a + (a == "(?i)" || a == "^" || a == "\\b" ? "" : pick(quant));
    }
    RE2 re(p, RE2::Quiet);
    if (!re.ok()) continue;
    if (HyperscanFilter::compile(p)) compiled++;
    same_as_re2(p, lines);
  }
  EXPECT_GT(compiled, 300);
}

TEST(HyperscanFilter, TheParserHandsRegexFiltersToIt) {
  Query q = parse_query("{app=\"x\"} |~ \"err(or)?\" !~ \"(?s)a.b\"");
  const auto& stages = q.log.stages;
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_TRUE(stages[0].line_filter.terms[0].hs != nullptr);
  EXPECT_TRUE(stages[1].line_filter.terms[0].hs == nullptr);  // (?s): RE2 only
}

}  // namespace
}  // namespace observe::logql
