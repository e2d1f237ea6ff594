#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/promql/parser.h"
#include "core/promql/printer.h"

namespace observe::promql {
namespace {

int error_position(const std::string& q) {
  try {
    parse_expr(q);
  } catch (const SyntaxError& e) {
    return e.position();
  }
  return -1;
}

std::string error_message(const std::string& q) {
  try {
    parse_expr(q);
  } catch (const SyntaxError& e) {
    return e.what();
  }
  return "";
}

TEST(PromqlParser, Precedence) {
  // 1 + 2 * 3 ^ 2 ^ 2 => 1 + (2 * (3 ^ (2 ^ 2)))
  NodePtr n = parse_expr("1 + 2 * 3 ^ 2 ^ 2");
  ASSERT_EQ(n->kind, NodeKind::kBinary);
  EXPECT_EQ(n->op, BinOp::kAdd);
  const Node& mul = *n->args[1];
  EXPECT_EQ(mul.op, BinOp::kMul);
  const Node& pow1 = *mul.args[1];
  EXPECT_EQ(pow1.op, BinOp::kPow);
  EXPECT_EQ(pow1.args[1]->kind, NodeKind::kBinary);  // right associative
  EXPECT_EQ(pow1.args[1]->op, BinOp::kPow);
}

TEST(PromqlParser, LeftAssociativityAndSetOperators) {
  NodePtr n = parse_expr("a - b - c");
  EXPECT_EQ(n->op, BinOp::kSub);
  EXPECT_EQ(n->args[0]->kind, NodeKind::kBinary);  // (a - b) - c
  // or binds weakest, then and/unless, then comparisons.
  NodePtr s = parse_expr("a or b and c > d");
  EXPECT_EQ(s->op, BinOp::kOr);
  EXPECT_EQ(s->args[1]->op, BinOp::kAnd);
  EXPECT_EQ(s->args[1]->args[1]->op, BinOp::kGtr);
  EXPECT_EQ(s->matching.card, Card::kManyToMany);
}

TEST(PromqlParser, UnaryMinusBindsBelowPower) {
  NodePtr n = parse_expr("-2 ^ 2");
  // Number literals fold the sign, but only after the power: -(2^2).
  ASSERT_EQ(n->kind, NodeKind::kUnary);
  EXPECT_EQ(n->args[0]->op, BinOp::kPow);
  NodePtr m = parse_expr("-foo * 2");
  EXPECT_EQ(m->kind, NodeKind::kBinary);
  EXPECT_EQ(m->args[0]->kind, NodeKind::kUnary);
}

TEST(PromqlParser, SelectorsAndModifiers) {
  NodePtr n = parse_expr("http_requests{job=\"api\", code!~\"5..\"}[5m] offset -1m @ 100");
  ASSERT_EQ(n->kind, NodeKind::kMatrixSelector);
  EXPECT_EQ(n->range_ms, 300000);
  const Node& vs = *n->args[0];
  EXPECT_EQ(vs.metric_name, "http_requests");
  EXPECT_EQ(vs.matchers.size(), 3u);  // the name becomes a matcher
  EXPECT_EQ(vs.offset_ms, -60000);
  EXPECT_EQ(vs.at_kind, AtKind::kValue);
  EXPECT_EQ(vs.at_ms, 100000);

  NodePtr q = parse_expr("rate(x[5m])[1h:] @ end()");
  ASSERT_EQ(q->kind, NodeKind::kSubquery);
  EXPECT_EQ(q->range_ms, 3600000);
  EXPECT_EQ(q->step_ms, 0);
  EXPECT_EQ(q->at_kind, AtKind::kEnd);

  NodePtr u = parse_expr("{\"my.metric\", a=\"b\"}");
  EXPECT_EQ(u->metric_name, "my.metric");
}

TEST(PromqlParser, MatchingModifiers) {
  NodePtr n = parse_expr("a * on(x, y) group_left(z) b");
  EXPECT_TRUE(n->matching.on);
  EXPECT_EQ(n->matching.labels, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(n->matching.card, Card::kManyToOne);
  EXPECT_EQ(n->matching.include, (std::vector<std::string>{"z"}));
  NodePtr b = parse_expr("a > bool ignoring(x) group_right b");
  EXPECT_TRUE(b->return_bool);
  EXPECT_FALSE(b->matching.on);
  EXPECT_EQ(b->matching.card, Card::kOneToMany);
}

TEST(PromqlParser, AggregationGroupingBeforeOrAfter) {
  NodePtr a = parse_expr("sum by (job) (x)");
  NodePtr b = parse_expr("sum(x) by (job)");
  EXPECT_EQ(a->grouping, b->grouping);
  EXPECT_FALSE(a->without);
  NodePtr c = parse_expr("topk without (instance) (3, x)");
  EXPECT_TRUE(c->without);
  EXPECT_EQ(c->args.size(), 2u);
  NodePtr d = parse_expr("count_values(\"v\", x)");
  EXPECT_EQ(d->agg, AggOp::kCountValues);
}

TEST(PromqlParser, TypeErrors) {
  EXPECT_EQ(error_message("rate(foo)"), "expected type range vector in call to function \"rate\", got instant vector");
  EXPECT_EQ(error_message("1 > 2"), "comparisons between scalars must use BOOL modifier");
  EXPECT_EQ(error_message("1 and foo"), "set operator \"and\" not allowed in binary scalar expression");
  EXPECT_EQ(error_message("sum(foo[5m])"), "expected type instant vector in aggregation expression, got range vector");
  EXPECT_EQ(error_message("foo + bool bar"), "bool modifier can only be used on comparison operators");
  EXPECT_EQ(error_message("nosuchfn(x)"), "unknown function with name \"nosuchfn\"");
  EXPECT_EQ(error_message("{a=~\".*\"}"), "vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(error_message("topk(x)"), "wrong number of arguments for aggregate expression provided, expected 2, got 1");
  EXPECT_EQ(error_message("a and on(x) group_left b"), "no grouping allowed for \"and\" operation");
}

TEST(PromqlParser, ErrorPositions) {
  EXPECT_EQ(error_position("foo +"), 5);            // end of input
  EXPECT_EQ(error_position("sum(foo) by (a"), 14);  // missing ')'
  EXPECT_EQ(error_position("rate(foo)"), 5);        // the offending argument
  EXPECT_EQ(error_position("foo{a=1}"), 6);         // a number where a string belongs
  EXPECT_EQ(error_position("(foo) offset 5m"), 6);  // offset after a parenthesis
  EXPECT_EQ(error_position(""), 0);
}

TEST(PromqlParser, ParseSeries) {
  Labels l = parse_series("up{job=\"api\", instance=\"a:9090\"}");
  EXPECT_EQ(l.get("__name__"), "up");
  EXPECT_EQ(l.get("job"), "api");
  EXPECT_EQ(l.size(), 3u);
  EXPECT_TRUE(parse_series("{}").empty());
  EXPECT_EQ(parse_series("{__name__=\"x\"}").metric_name(), "x");
  EXPECT_THROW(parse_series("up{job=~\"a\"}"), SyntaxError);
  EXPECT_THROW(parse_series("up{job=\"a\"} extra"), SyntaxError);
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

TEST(PromqlParser, DeepNestingIsRefusedNotACrash) {
  std::string q(100000, '(');
  q += "1";
  q += std::string(100000, ')');
  EXPECT_EQ(error_message(q), "query is nested too deeply");
  std::string ok(200, '(');
  ok += "1" + std::string(200, ')');
  EXPECT_NO_THROW(parse_expr(ok));
  std::string unary(100000, '-');
  EXPECT_THROW(parse_expr(unary + "1"), SyntaxError);
}

TEST(PromqlParser, HugeDurationsAreRejected) {
  EXPECT_THROW(parse_expr("x[99999999999999999999y]"), SyntaxError);
  EXPECT_NO_THROW(parse_expr("x[200y]"));
  EXPECT_THROW(parse_expr("x[300y]"), SyntaxError);  // beyond Go's time.Duration, as Prometheus
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

TEST(PromqlParser, DurationExpressions) {
  NodePtr m = parse_expr("rate(x[5m + 1m])");
  const Node& ms = *m->args[0];
  ASSERT_TRUE(ms.range_expr);
  resolve_durations(*m, 0, 0);
  EXPECT_EQ(ms.range_ms, 360000);
  // After offset only one term belongs to the offset: the rest is arithmetic on x.
  NodePtr o = parse_expr("x offset 1m * 2");
  EXPECT_EQ(o->kind, NodeKind::kBinary);
  EXPECT_EQ(o->args[0]->offset_ms, 60000);
  NodePtr p = parse_expr("x offset (1m * 2)");
  resolve_durations(*p, 0, 0);
  EXPECT_EQ(p->offset_ms, 120000);
  NodePtr s = parse_expr("x[range():step() * 2]");
  resolve_durations(*s, 15000, 3600000);
  EXPECT_EQ(s->range_ms, 3600000);
  EXPECT_EQ(s->step_ms, 30000);
  EXPECT_EQ(error_message("x[1m / 0]"), "division by zero");
  EXPECT_EQ(error_message("x[-1m]"), "duration must be greater than 0");
  NodePtr z = parse_expr("x[step()]");
  EXPECT_THROW(resolve_durations(*z, 0, 0), Error);  // an instant query has no step
  EXPECT_EQ(to_string(*parse_expr("x[(9m30s+30s)*3] offset -min_of(step(),1s)")),
            "x[(9m30s + 30s) * 3] offset -min_of(step(), 1s)");
}

}  // namespace
}  // namespace observe::promql
