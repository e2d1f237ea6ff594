// Expected texts follow Prometheus's translateAST (web/api/v1/translate_ast.go): Go maps, so
// sorted keys; the metric name's matcher last; numbers with strconv's 'f' format; strings with
// Go's HTML-safe escapes (">" is \u003e).
#include <gtest/gtest.h>

#include "core/httpapi/promql_ast_json.h"
#include "core/promql/parser.h"

using observe::httpapi::promql_ast_json;

namespace {

std::string ast(const std::string& q) { return promql_ast_json(*observe::promql::parse_expr(q)); }

}  // namespace

TEST(PromqlAstJson, AggregationOfACallOfAMatrixSelector) {
  EXPECT_EQ(ast("sum by (job) (rate(x{a=\"b\"}[5m] offset 1m))"),
            R"({"expr":{"args":[{"anchored":false,"matchers":[{"name":"a","type":"=","value":"b"},)"
            R"({"name":"__name__","type":"=","value":"x"}],"name":"x","offset":60000,"offsetExpr":null,)"
            R"("range":300000,"rangeExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,)"
            R"("type":"matrixSelector"}],"func":{"argTypes":["matrix"],"name":"rate","returnType":"vector",)"
            R"("variadic":0},"type":"call"},"grouping":["job"],"op":"sum","param":null,"type":"aggregation",)"
            R"("without":false})");
}

TEST(PromqlAstJson, BinaryExpressionsCarryMatchingOnlyBetweenVectors) {
  EXPECT_EQ(ast("a / on (x) group_left (y) b"),
            R"({"bool":false,"lhs":{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"a"}],)"
            R"("name":"a","offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,)"
            R"("type":"vectorSelector"},"matching":{"card":"many-to-one","fillValues":{"lhs":null,"rhs":null},)"
            R"("include":["y"],"labels":["x"],"on":true},"op":"/","rhs":{"anchored":false,"matchers":)"
            R"([{"name":"__name__","type":"=","value":"b"}],"name":"b","offset":0,"offsetExpr":null,)"
            R"("smoothed":false,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"},"type":"binaryExpr"})");
  EXPECT_EQ(ast("1 > bool 2"),
            R"({"bool":true,"lhs":{"type":"numberLiteral","val":"1"},"matching":null,"op":"\u003e",)"
            R"("rhs":{"type":"numberLiteral","val":"2"},"type":"binaryExpr"})");
}

TEST(PromqlAstJson, LiteralsParensUnaryAndAt) {
  EXPECT_EQ(ast("-1.5"), R"({"type":"numberLiteral","val":"-1.5"})");
  EXPECT_EQ(ast("1e21"), R"({"type":"numberLiteral","val":"1000000000000000000000"})");
  EXPECT_EQ(ast("\"a\\nb\""), R"({"type":"stringLiteral","val":"a\nb"})");
  EXPECT_EQ(ast("-(x @ end())"),
            R"({"expr":{"expr":{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"x"}],)"
            R"("name":"x","offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":"end","timestamp":null,)"
            R"("type":"vectorSelector"},"type":"parenExpr"},"op":"-","type":"unaryExpr"})");
  EXPECT_EQ(ast("x @ 10"),
            R"({"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"x"}],"name":"x",)"
            R"("offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":10000,)"
            R"("type":"vectorSelector"})");
}

TEST(PromqlAstJson, SubqueriesAndTopkParam) {
  EXPECT_EQ(ast("{__name__=~\"a.*\"}[10m:1m]"),
            R"({"expr":{"anchored":false,"matchers":[{"name":"__name__","type":"=~","value":"a.*"}],)"
            R"("name":"","offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,)"
            R"("type":"vectorSelector"},"offset":0,"offsetExpr":null,"range":600000,"rangeExpr":null,)"
            R"("startOrEnd":null,"step":60000,"stepExpr":null,"timestamp":null,"type":"subquery"})");
  EXPECT_EQ(ast("topk(3, x)"),
            R"({"expr":{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"x"}],"name":"x",)"
            R"("offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,)"
            R"("type":"vectorSelector"},"grouping":[],"op":"topk","param":{"type":"numberLiteral","val":"3"},)"
            R"("type":"aggregation","without":false})");
}
