// Hostile nesting is refused with a syntax error instead of overflowing the stack (found by
// sql_fuzz: observe.logql with 100,000 '(' crashed the backend).
#include <gtest/gtest.h>

#include <string>

#include "core/common/error.h"
#include "core/logql/parser.h"
#include "core/logql/template.h"

namespace observe::logql {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; i++) out += s;
  return out;
}

void expect_too_deep(const std::string& q) {
  try {
    parse_query(q);
    FAIL() << "parsed: " << q.substr(0, 80);
  } catch (const SyntaxError& e) {
    EXPECT_NE(std::string(e.what()).find("nested too deeply"), std::string::npos) << e.what();
  }
}

TEST(LogqlDepth, DeepNestingAndLongChainsAreRefused) {
  expect_too_deep(repeat("(", 100000));
  expect_too_deep(repeat("(", 5000) + "count_over_time({a=\"b\"}[1m])" + repeat(")", 5000));
  expect_too_deep("count_over_time({a=\"b\"}[1m])" + repeat(" + 1", 5000));
  expect_too_deep("{a=\"b\"} | " + repeat("(", 5000) + "x=\"1\"" + repeat(")", 5000));
  expect_too_deep("{a=\"b\"} | x=\"1\"" + repeat(" and x=\"1\"", 5000));
  expect_too_deep("{a=\"b\"} | x=\"1\"" + repeat(" or x=\"1\"", 5000));
  expect_too_deep("count_over_time(" + repeat("(", 5000) + "{a=\"b\"}" + repeat(")", 5000) + "[1m])");
}

TEST(LogqlDepth, OrdinaryQueriesStillParse) {
  EXPECT_NO_THROW(parse_query("sum(" + repeat("(", 100) + "count_over_time({a=\"b\"}[1m])" + repeat(")", 100) + ")"));
  EXPECT_NO_THROW(parse_query("count_over_time({a=\"b\"}[1m])" + repeat(" + 1", 200)));
  EXPECT_NO_THROW(parse_query("{a=\"b\"} | x=\"1\"" + repeat(" and x=\"1\"", 200)));
}

TEST(LogqlDepth, DeepTemplatesDoNotCrash) {
  // line_format templates have their own parser: deep parentheses must fail cleanly too.
  std::string t = "{{ " + repeat("(", 100000) + "1" + repeat(")", 100000) + " }}";
  try {
    parse_query("{a=\"b\"} | line_format `" + t + "`");
  } catch (const Error&) {
  }
  SUCCEED();
}

}  // namespace
}  // namespace observe::logql
