#include "core/ingest/kafka_source_options.h"

#include <gtest/gtest.h>

#include "core/common/error.h"

namespace observe::ingest {
namespace {

TEST(KafkaSourceOptions, Empty) {
  KafkaFormatOptions o = parse_kafka_format_options(KafkaFormat::kRaw, "{}");
  EXPECT_EQ(o.format, KafkaFormat::kRaw);
  EXPECT_TRUE(o.labels.empty());
  EXPECT_EQ(o.loki.max_line_bytes, 256u * 1024);
}

TEST(KafkaSourceOptions, EveryKey) {
  KafkaFormatOptions o = parse_kafka_format_options(KafkaFormat::kJsonLines, R"({
    "time_field": "ts", "time_format": "unix_ms", "time_required": true, "line_field": "msg",
    "label_fields": {"level": "lvl", "pod": "k8s.pod"}, "labels_object": "labels",
    "metadata_fields": {"trace": "trace_id"}, "metadata_object": "md",
    "labels": {"job": "api", "t": "$topic", "p": "$partition", "k": "$key", "h": "$header:host", "d": "$$x"},
    "max_line_bytes": 100, "truncate_long_lines": true, "allow_structured_metadata": false,
    "openmetrics": true, "skip_invalid_series": false, "skip_histograms": true})");
  EXPECT_EQ(o.time_field, "ts");
  EXPECT_EQ(o.time_format, TimeFormat::kUnixMillis);
  EXPECT_TRUE(o.time_required);
  EXPECT_EQ(o.line_field, "msg");
  ASSERT_EQ(o.label_fields.size(), 2u);
  EXPECT_EQ(o.label_fields[1].label, "pod");
  EXPECT_EQ(o.label_fields[1].path, "k8s.pod");
  EXPECT_EQ(o.labels_object, "labels");
  ASSERT_EQ(o.metadata_fields.size(), 1u);
  EXPECT_EQ(o.metadata_object, "md");
  ASSERT_EQ(o.labels.size(), 6u);
  EXPECT_EQ(o.labels[0].source, MessageLabel::Source::kConstant);
  EXPECT_EQ(o.labels[0].value, "api");
  EXPECT_EQ(o.labels[1].source, MessageLabel::Source::kTopic);
  EXPECT_EQ(o.labels[2].source, MessageLabel::Source::kPartition);
  EXPECT_EQ(o.labels[3].source, MessageLabel::Source::kKey);
  EXPECT_EQ(o.labels[4].source, MessageLabel::Source::kHeader);
  EXPECT_EQ(o.labels[4].value, "host");
  EXPECT_EQ(o.labels[5].source, MessageLabel::Source::kConstant);
  EXPECT_EQ(o.labels[5].value, "$x");
  EXPECT_EQ(o.loki.max_line_bytes, 100u);
  EXPECT_TRUE(o.loki.truncate_long_lines);
  EXPECT_FALSE(o.loki.allow_structured_metadata);
  EXPECT_TRUE(o.openmetrics);
  EXPECT_FALSE(o.remote_write.skip_invalid_series);
  EXPECT_TRUE(o.remote_write.skip_histograms);
}

void expect_error(const char* json, const char* fragment) {
  try {
    parse_kafka_format_options(KafkaFormat::kRaw, json);
    FAIL() << "no error for " << json;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidParameter);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(KafkaSourceOptions, Errors) {
  expect_error("[]", "must be a JSON object");
  expect_error("{", "not valid JSON");
  expect_error(R"({"time_feild": "ts"})", "\"time_feild\": unknown option");
  expect_error(R"({"time_field": 3})", "must be a string");
  expect_error(R"({"time_format": "weekly"})", "must be auto");
  expect_error(R"({"labels": {"x": "$offset"}})", "unknown source \"$offset\"");
  expect_error(R"({"labels": {"x": "$header:"}})", "needs a header name");
  expect_error(R"({"max_line_bytes": -1})", "non-negative");
  expect_error(R"({"openmetrics": "yes"})", "true or false");
}

}  // namespace
}  // namespace observe::ingest
