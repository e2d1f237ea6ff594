// Response bodies shaped as Prometheus's web/api/v1 and Loki's writers shape them.
#include <cmath>

#include <gtest/gtest.h>

#include "core/httpapi/responses.h"

using namespace observe::httpapi;
using observe::Labels;

TEST(PromEnvelope, SuccessWithWarningsAndError) {
  EXPECT_EQ(prom_success_body("[]"), "{\"status\":\"success\",\"data\":[]}");
  EXPECT_EQ(prom_success_body("1", {"w"}, {"i"}),
            "{\"status\":\"success\",\"data\":1,\"warnings\":[\"w\"],\"infos\":[\"i\"]}");
  EXPECT_EQ(prom_error_body(ErrorType::kBadData, "x \"y\""),
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"x \\\"y\\\"\"}");
  EXPECT_EQ(error_http_status(ErrorType::kBadData), 400);
  EXPECT_EQ(error_http_status(ErrorType::kExecution), 422);
  EXPECT_EQ(error_http_status(ErrorType::kTimeout), 503);
}

TEST(QueryData, EveryResultType) {
  observe::promql::Value v;
  v.type = observe::promql::ValueType::kScalar;
  v.scalar = 2;
  v.t = 1000;
  std::string s;
  append_query_data(s, v);
  EXPECT_EQ(s, "{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}");

  v = {};
  v.type = observe::promql::ValueType::kString;
  v.str = "a";
  v.t = 1500;
  s.clear();
  append_query_data(s, v);
  EXPECT_EQ(s, "{\"resultType\":\"string\",\"result\":[1.500,\"a\"]}");

  v = {};
  v.type = observe::promql::ValueType::kVector;
  v.vector.push_back({Labels({{"__name__", "up"}, {"job", "j"}}), 1, 2000, false});
  s.clear();
  append_query_data(s, v);
  EXPECT_EQ(s, "{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"__name__\":\"up\",\"job\":\"j\"},\"value\":[2,\"1\"]}]}");

  v = {};
  v.type = observe::promql::ValueType::kMatrix;
  v.matrix.push_back({Labels({{"a", "b"}}), {{1000, 0.5}, {2000, std::nan("")}}, false});
  s.clear();
  append_query_data(s, v);
  EXPECT_EQ(s, "{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"a\":\"b\"},\"values\":[[1,\"0.5\"],[2,\"NaN\"]]}]}");

  v = {};
  v.type = observe::promql::ValueType::kVector;
  s.clear();
  append_query_data(s, v);
  EXPECT_EQ(s, "{\"resultType\":\"vector\",\"result\":[]}");
}

TEST(Lists, StringsAndSeries) {
  std::string s;
  append_string_array(s, {"a", "b"});
  EXPECT_EQ(s, "[\"a\",\"b\"]");
  s.clear();
  append_labels_array(s, {Labels({{"x", "1"}}), Labels()});
  EXPECT_EQ(s, "[{\"x\":\"1\"},{}]");
}

TEST(LokiStreams, NanosecondStringsAndLines) {
  observe::logql::LogResult r;
  r.streams.push_back({Labels({{"app", "a"}}), {{1700000000000000001, "line \"1\""}, {5, "x"}}});
  r.streams.push_back({Labels({{"app", "b"}}), {}});
  std::string s;
  append_loki_streams_data(s, r);
  EXPECT_EQ(s,
            "{\"resultType\":\"streams\",\"result\":[{\"stream\":{\"app\":\"a\"},\"values\":[[\"1700000000000000001\","
            "\"line \\\"1\\\"\"],[\"5\",\"x\"]]}],\"stats\":{}}");
}
