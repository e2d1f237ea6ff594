#include "core/logql/parser.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/common/error.h"

namespace observe::logql {
namespace {

std::string parse_error(std::string_view q) {
  try {
    parse_query(q);
  } catch (const SyntaxError& e) {
    return e.what();
  }
  return "";
}

TEST(LogqlParser, LogQueryStages) {
  Query q = parse_query(R"({app="a", env=~"prod|dev"} |= "x" or "y" | json a="b.c[0]", d | logfmt --strict --keep-empty k | regexp `(?P<m>\w+)` | pattern "<ip> <_>" | unpack | status >= 500 and (lvl="err" or took > 1s), size < 2KiB | line_format "{{.a}}" | label_format x=y, z="{{.a}}" | drop p, q="v" | keep a | decolorize)");
  ASSERT_TRUE(q.is_log);
  EXPECT_EQ(q.log.matchers.size(), 2u);
  ASSERT_EQ(q.log.stages.size(), 12u);
  EXPECT_EQ(q.log.stages[0].line_filter.terms.size(), 2u);
  EXPECT_EQ(q.log.stages[1].kind, StageKind::kJson);
  EXPECT_EQ(q.log.stages[1].params[0].json_path, (std::vector<std::string>{"b", "c", "[0]"}));
  EXPECT_EQ(q.log.stages[1].params[1].value, "d");
  EXPECT_TRUE(q.log.stages[2].strict);
  EXPECT_TRUE(q.log.stages[2].keep_empty);
  EXPECT_EQ(q.log.stages[6].kind, StageKind::kLabelFilter);
  EXPECT_EQ(q.log.stages[6].label_filter->kind, LabelFilter::kAnd);
  EXPECT_EQ(q.log.stages[8].params.size(), 2u);
  EXPECT_FALSE(q.log.stages[8].params[0].is_template);
  EXPECT_TRUE(q.log.stages[8].params[1].is_template);
  EXPECT_EQ(q.log.stages[9].items.size(), 2u);
  EXPECT_EQ(q.log.stages[11].kind, StageKind::kDecolorize);
}

TEST(LogqlParser, AndBindsTighterThanOr) {
  Query q = parse_query(R"({a="b"} | x="1" or y="1" and z="1")");
  auto& f = q.log.stages[0].label_filter;
  ASSERT_EQ(f->kind, LabelFilter::kOr);
  EXPECT_EQ(f->rhs->kind, LabelFilter::kAnd);
}

TEST(LogqlParser, MetricQueryBuildsAPromqlTree) {
  Query q = parse_query(R"(sum by (app) (rate({a="b"} |= "x" [5m] offset 1m)) / on (app) group_left count_over_time({a="b"}[1m]) > bool 1)");
  ASSERT_FALSE(q.is_log);
  EXPECT_EQ(q.metric->kind, promql::NodeKind::kBinary);
  EXPECT_EQ(q.metric->op, promql::BinOp::kGtr);
  EXPECT_TRUE(q.metric->return_bool);
  const auto& div = q.metric->args[0];
  EXPECT_EQ(div->op, promql::BinOp::kDiv);
  EXPECT_TRUE(div->zero_divisor_nan);
  EXPECT_TRUE(div->matching.on);
  EXPECT_EQ(div->matching.card, promql::Card::kManyToOne);
  EXPECT_EQ(div->args[0]->kind, promql::NodeKind::kAggregate);
  EXPECT_EQ(div->args[0]->args[0]->kind, promql::NodeKind::kExternal);
}

TEST(LogqlParser, UnwrapAndRangePlacements) {
  for (const char* q : {R"(sum_over_time({a="b"} | logfmt | unwrap duration(x) | __error__="" [5m]))",
                        R"(sum_over_time({a="b"}[5m] | logfmt | unwrap bytes(x)))",
                        R"(rate(({a="b"} |~ ".+" | unwrap x)[1m]))",
                        R"(count_over_time(({a="b"} |= "x")[1m] offset -5m))",
                        R"(quantile_over_time(0.99, {a="b"} | json | unwrap latency [5m]) by (route))"})
    EXPECT_NO_THROW(parse_query(q)) << q;
}

TEST(LogqlParser, LiteralsFold) {
  Query q = parse_query("1 + 2 * 3 ^ 2 ^ 0.5 > bool 2");
  ASSERT_EQ(q.metric->kind, promql::NodeKind::kNumber);
  EXPECT_EQ(q.metric->number, 1);
  EXPECT_EQ(parse_query("-2^2").metric->number, 4);
  EXPECT_TRUE(std::isnan(parse_query("-10 / 0").metric->number));
}

TEST(LogqlParser, ValidationErrors) {
  EXPECT_NE(parse_error(R"({foo!="bar"})").find("at least one regexp or equality matcher"), std::string::npos);
  EXPECT_NE(parse_error(R"(count_over_time({a=~".*"}[5m]))").find("at least one regexp or equality matcher"), std::string::npos);
  EXPECT_NE(parse_error(R"(count_over_time({a="b"} | json | unwrap foo [5m]))").find("invalid aggregation count_over_time with unwrap"), std::string::npos);
  EXPECT_NE(parse_error(R"(avg_over_time({a="b"}[5m]))").find("invalid aggregation avg_over_time without unwrap"), std::string::npos);
  EXPECT_NE(parse_error(R"(rate({a="b"}[5m]) by (x))").find("grouping not allowed for rate aggregation"), std::string::npos);
  EXPECT_NE(parse_error(R"(topk(1.5, count_over_time({a="b"}[5m])))").find("invalid parameter topk(1.5,"), std::string::npos);
  EXPECT_NE(parse_error(R"(topk(count_over_time({a="b"}[5m])))").find("parameter required for operation topk"), std::string::npos);
  EXPECT_NE(parse_error(R"(sum(3, count_over_time({a="b"}[5m])))").find("unsupported parameter for operation sum(3,"), std::string::npos);
  EXPECT_NE(parse_error(R"({a="b"} + 1)").find("unexpected type for left leg of binary operation (+): *syntax.MatchersExpr"), std::string::npos);
  EXPECT_NE(parse_error("1 and 2").find("unexpected literal for left leg of logical/set binary operation (and): 1.000000"), std::string::npos);
  EXPECT_NE(parse_error(R"({a="b"} | logfmt | x > 0x10)").find("unable to parse literal as a float"), std::string::npos);
  EXPECT_NE(parse_error(R"(label_replace(rate({a="b"}[5m]), "a", "$1", "b", "("))").find("invalid regex in label_replace"), std::string::npos);
}

TEST(LogqlParser, SyntaxErrorsCarryPositions) {
  try {
    parse_query(R"({foo="bar"} |~)");
    FAIL();
  } catch (const SyntaxError& e) {
    EXPECT_STREQ(e.what(), "parse error at line 1, col 15: syntax error: unexpected $end, expecting STRING or ip");
    EXPECT_EQ(e.position(), 14);
  }
  EXPECT_NE(parse_error("vector(abc)").find("syntax error: unexpected IDENTIFIER, expecting NUMBER"), std::string::npos);
  EXPECT_NE(parse_error(R"(x bool > y)").find("syntax error"), std::string::npos);
  EXPECT_NE(parse_error(R"({a="b"} | logfmt | addr >= ip("1.2.3.4"))").find("syntax error: unexpected ip"), std::string::npos);
  EXPECT_NE(parse_error(R"({a="b"} | logfmt | code == "200")").find("syntax error"), std::string::npos);
  EXPECT_NE(parse_error(R"({a="b"} | drop)").find("expecting IDENTIFIER"), std::string::npos);
  EXPECT_NE(parse_error(R"(-count_over_time({a="b"}[1m]))").find("expecting NUMBER"), std::string::npos);
}

TEST(LogqlParser, StageErrorsAreDeferredToEvaluation) {
  // Loki builds the pipeline after parsing: the text is valid, the query fails when run.
  Query q = parse_query(R"({a="b"} |~ "(")");
  EXPECT_NE(q.deferred_error.find("error parsing regexp"), std::string::npos);
  EXPECT_NE(parse_query(R"({a="b"} | regexp "nocapture")").deferred_error.find("at least one named capture"), std::string::npos);
  EXPECT_NE(parse_query(R"({a="b"} | line_format "{{ nosuch }}")").deferred_error.find("not defined"), std::string::npos);
  EXPECT_NE(parse_query(R"({a="b"} |~ ip("1.2.3.4"))").deferred_error.find("ip: invalid operation"), std::string::npos);
  EXPECT_TRUE(parse_query(R"({a="b"} |= ip("1.2.3.0/24"))").deferred_error.empty());
}

TEST(LogqlParser, FunctionNamesAreLabelNamesWhenNotCalled) {
  Query q = parse_query(R"(sum by (rate, count) (count_over_time({rate="x"} | json | count > 1 [1m])))");
  EXPECT_EQ(q.metric->grouping, (std::vector<std::string>{"rate", "count"}));
}

TEST(LogqlParser, RegexLiteralAlternatives) {
  std::vector<std::string> lits;
  EXPECT_TRUE(regex_literal_alternatives("deadlock detected|could not serialize|timeout", &lits));
  EXPECT_EQ(lits, (std::vector<std::string>{"deadlock detected", "could not serialize", "timeout"}));
  EXPECT_TRUE(regex_literal_alternatives(R"(a\.b|c\|d|e-f/g "h")", &lits));
  EXPECT_EQ(lits, (std::vector<std::string>{"a.b", "c|d", "e-f/g \"h\""}));
  EXPECT_TRUE(regex_literal_alternatives("x", &lits));
  EXPECT_EQ(lits, (std::vector<std::string>{"x"}));
  // Anything that is not a plain string: no literals (an empty alternative matches every line).
  for (const char* re : {"", "a|", "|a", "a||b", "a.b", "(a|b)", "(?i)a", "a\\d", "\\bword", "[ab]", "a*", "a+",
                         "a?", "^a", "a$", "a{2}", "\\", "\\x41", "\\Qa\\E"}) {
    lits = {"stale"};
    EXPECT_FALSE(regex_literal_alternatives(re, &lits)) << re;
    EXPECT_TRUE(lits.empty()) << re;
  }
  // The parser keeps them on the |~ / !~ terms, for storage; the regex still decides.
  Query q = parse_query(R"({a="b"} |~ "x|y" !~ "z" |~ "x.y" |= "w")");
  ASSERT_EQ(q.log.stages.size(), 4u);
  EXPECT_EQ(q.log.stages[0].line_filter.terms[0].literals, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(q.log.stages[1].line_filter.terms[0].literals, (std::vector<std::string>{"z"}));
  EXPECT_TRUE(q.log.stages[2].line_filter.terms[0].literals.empty());
  EXPECT_TRUE(q.log.stages[3].line_filter.terms[0].literals.empty());
}

}  // namespace
}  // namespace observe::logql
