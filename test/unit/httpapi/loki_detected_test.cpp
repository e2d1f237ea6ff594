// Loki's detected_labels / detected_fields semantics (pkg/querier/querier.go,
// queryrange/detected_fields.go): the ID rule for labels, Go's type guesses, JSON then logfmt.
#include <gtest/gtest.h>

#include "core/httpapi/loki_detected.h"

using namespace observe;
using namespace observe::httpapi;

TEST(LokiDetectedLabels, IdLabelsAreLeftOutExceptStaticAndBooleanOnes) {
  std::vector<Labels> streams;
  for (int i = 0; i < 3; i++)
    streams.push_back(Labels({{"app", i ? "api" : "db"},
                              {"request_id", std::to_string(1000 + i)},
                              {"trace", "123e4567-e89b-12d3-a456-42661417400" + std::to_string(i)},
                              {"instance", std::to_string(i)},
                              {"canary", i == 2 ? "1" : "0"}}));
  EXPECT_EQ(loki_detected_labels_json(streams),
            R"({"detectedLabels":[{"label":"app","cardinality":2},{"label":"canary","cardinality":2},)"
            R"({"label":"instance","cardinality":3}]})");
  EXPECT_EQ(loki_detected_labels_json({}), "{}");
}

TEST(LokiDetectedFields, TypesAsGoGuessesThem) {
  EXPECT_STREQ(loki_detected_field_type("42"), "int");
  EXPECT_STREQ(loki_detected_field_type("-7"), "int");
  EXPECT_STREQ(loki_detected_field_type("4.5"), "float");
  EXPECT_STREQ(loki_detected_field_type("1e3"), "float");
  EXPECT_STREQ(loki_detected_field_type("NaN"), "float");
  EXPECT_STREQ(loki_detected_field_type("0xdeadbeef"), "string");  // Go needs a p exponent for hex
  EXPECT_STREQ(loki_detected_field_type("true"), "boolean");
  EXPECT_STREQ(loki_detected_field_type("F"), "boolean");
  EXPECT_STREQ(loki_detected_field_type("250ms"), "duration");
  EXPECT_STREQ(loki_detected_field_type("1h30m"), "duration");
  EXPECT_STREQ(loki_detected_field_type("1.5s"), "duration");
  EXPECT_STREQ(loki_detected_field_type("10 MB"), "bytes");
  EXPECT_STREQ(loki_detected_field_type("3KiB"), "bytes");
  EXPECT_STREQ(loki_detected_field_type("GET"), "string");
  EXPECT_STREQ(loki_detected_field_type(""), "string");
  EXPECT_STREQ(loki_detected_field_type("1h30"), "string");
}

TEST(LokiDetectedFields, MetadataThenJsonElseLogfmt) {
  DetectedFields d(1000);
  Labels stream({{"app", "api"}, {"level", "x"}});
  d.add(stream, R"({"level":"info","latency":"12ms","user":{"id":7},"ok":true})", Labels({{"trace_id", "abc"}}));
  d.add(stream, R"({"level":"error","latency":"3ms","user":{"id":8},"ok":false})", Labels());
  d.add(stream, "status=200 path=/a took=1.5 bare", Labels());
  d.add(stream, "not json {", Labels());
  EXPECT_EQ(d.fields_json(),
            R"({"fields":[{"label":"latency","type":"duration","cardinality":2,"parsers":["json"]},)"
            R"({"label":"level_extracted","type":"string","cardinality":2,"parsers":["json"]},)"
            R"({"label":"ok","type":"boolean","cardinality":2,"parsers":["json"]},)"
            R"({"label":"path","type":"string","cardinality":1,"parsers":["logfmt"]},)"
            R"({"label":"status","type":"int","cardinality":1,"parsers":["logfmt"]},)"
            R"({"label":"took","type":"float","cardinality":1,"parsers":["logfmt"]},)"
            R"({"label":"trace_id","type":"string","cardinality":1,"parsers":null},)"
            R"({"label":"user_id","type":"int","cardinality":2,"parsers":["json"]}],"limit":1000})");
  EXPECT_EQ(d.values_json("level_extracted"), R"({"values":["error","info"],"limit":1000})");
  EXPECT_EQ(d.values_json("nope"), "{}");
  DetectedFields two(2);
  two.add(stream, "a=1 b=2 c=3", Labels());
  EXPECT_EQ(two.fields_json(),
            R"({"fields":[{"label":"a","type":"int","cardinality":1,"parsers":["logfmt"]},)"
            R"({"label":"b","type":"int","cardinality":1,"parsers":["logfmt"]}],"limit":2})");
}
