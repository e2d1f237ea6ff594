// OpenMetrics 1.0, with the grammar of Prometheus's OpenMetrics textparse.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "collect.h"

namespace observe::exposition {
namespace {

using testing::error_of;
using testing::parse_all;
using testing::samples_of;
using Labels = std::vector<std::pair<std::string, std::string>>;
constexpr Format kOM = Format::kOpenMetrics;

TEST(OpenMetrics, FullPayload) {
  const char* payload =
      "# TYPE http_requests counter\n"
      "# UNIT http_requests \n"
      "# HELP http_requests Requests \\\"served\\\" \\\\ \\n done.\n"
      "http_requests_total{code=\"200\"} 1027 1700000000.5\n"
      "http_requests_created{code=\"200\"} 1600000000\n"
      "# TYPE latency_seconds histogram\n"
      "# UNIT latency_seconds seconds\n"
      "latency_seconds_bucket{le=\"0.5\"} 3 # {trace_id=\"abc\"} 0.3 1700000000.1\n"
      "latency_seconds_bucket{le=\"+Inf\"} 4 # {} 7\n"
      "latency_seconds_sum 2.5\n"
      "latency_seconds_count 4\n"
      "# TYPE build info\n"
      "build_info{version=\"1.0\"} 1\n"
      "# TYPE state stateset\n"
      "state{state=\"a\"} 1\n"
      "# TYPE gh gaugehistogram\n"
      "gh_bucket{le=\"+Inf\"} 1\n"
      "gh_gcount 1\n"
      "gh_gsum 1\n"
      "# EOF\n";
  auto all = parse_all(payload, kOM);
  ASSERT_EQ(all.size(), 19u);
  EXPECT_EQ(all[1].kind, EntryKind::kUnit);
  EXPECT_EQ(all[1].text, "");
  EXPECT_EQ(all[2].kind, EntryKind::kHelp);
  EXPECT_EQ(all[2].text, "Requests \"served\" \\ \n done.");
  auto s = samples_of(payload, kOM);
  ASSERT_EQ(s.size(), 11u);
  EXPECT_EQ(s[0].name, "http_requests_total");
  EXPECT_EQ(s[0].family, "http_requests");
  EXPECT_EQ(s[0].type, MetricType::kCounter);
  EXPECT_EQ(*s[0].timestamp_ms, 1700000000500);
  EXPECT_FALSE(s[0].created);
  EXPECT_TRUE(s[1].created);
  EXPECT_EQ(s[1].value, 1600000000);
  EXPECT_EQ(s[2].labels, (Labels{{"le", "0.5"}}));
  EXPECT_EQ(s[2].value, 3);
  EXPECT_FALSE(s[2].timestamp_ms);  // the exemplar's timestamp is not the sample's
  EXPECT_EQ(s[2].type, MetricType::kHistogram);
  EXPECT_EQ(s[3].value, 4);
  EXPECT_EQ(s[6].type, MetricType::kInfo);
  EXPECT_EQ(s[7].type, MetricType::kStateset);
  EXPECT_EQ(s[8].type, MetricType::kGaugeHistogram);
  EXPECT_EQ(s[6].family, "build");
  EXPECT_EQ(s[10].family, "gh");
  EXPECT_EQ(s[10].line, 19u);
}

TEST(OpenMetrics, CreatedSeriesCanBeSkipped) {
  const char* payload =
      "# TYPE c counter\nc_total 1\nc_created 123.5\n"
      "# TYPE g gauge\ng_created 5\n# EOF\n";
  ParserOptions skip;
  skip.skip_created_series = true;
  auto kept = samples_of(payload, kOM);
  auto skipped = samples_of(payload, kOM, skip);
  ASSERT_EQ(kept.size(), 3u);
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_EQ(skipped[0].name, "c_total");
  EXPECT_EQ(skipped[1].name, "g_created");  // a gauge has no created series; it is a sample
  EXPECT_FALSE(kept[2].created);
}

TEST(OpenMetrics, TimestampsAreSecondsTruncatedToMilliseconds) {
  auto s = samples_of("a 1 1795544215.509\nb 1 -1.5\nc 1 1e3\nd 1 0.0019\n# EOF\n", kOM);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(*s[0].timestamp_ms, static_cast<int64_t>(1795544215.509 * 1000.0));
  EXPECT_EQ(*s[1].timestamp_ms, -1500);
  EXPECT_EQ(*s[2].timestamp_ms, 1000000);
  EXPECT_EQ(*s[3].timestamp_ms, 1);
  EXPECT_NE(error_of("a 1 NaN\n# EOF\n", kOM).find("line 1: timestamp \"NaN\" is not a finite number"),
            std::string::npos);
  EXPECT_NE(error_of("a 1 +Inf\n# EOF\n", kOM).find("not a finite number"), std::string::npos);
  EXPECT_NE(error_of("a 1 1e300\n# EOF\n", kOM).find("line 1: timestamp \"1e300\" is out of range"),
            std::string::npos);
  EXPECT_NE(error_of("a 1 abc\n# EOF\n", kOM).find("line 1: invalid timestamp \"abc\""), std::string::npos);
}

TEST(OpenMetrics, EofIsRequiredAndFinal) {
  EXPECT_EQ(samples_of("a 1\n# EOF\n", kOM).size(), 1u);
  EXPECT_EQ(samples_of("a 1\n# EOF", kOM).size(), 1u);  // the final newline is optional
  EXPECT_TRUE(samples_of("# EOF\n", kOM).empty());
  EXPECT_NE(error_of("a 1\n", kOM).find("line 2: data does not end with # EOF"), std::string::npos);
  EXPECT_NE(error_of("", kOM).find("line 1: data does not end with # EOF"), std::string::npos);
  EXPECT_NE(error_of("a 1", kOM).find("line 1: data does not end with # EOF"), std::string::npos);
  EXPECT_NE(error_of("a 1\n# EOF\nb 1\n", kOM).find("line 3: unexpected data after # EOF"), std::string::npos);
  EXPECT_NE(error_of("a 1\n# EOF\n\n", kOM).find("unexpected data after # EOF"), std::string::npos);
  EXPECT_NE(error_of("a 1\n# EOF \n", kOM).find("unexpected data after # EOF"), std::string::npos);
  EXPECT_NE(error_of("# HELP a x", kOM).find("data does not end with # EOF"), std::string::npos);
}

TEST(OpenMetrics, StricterThanTheTextFormat) {
  struct Case {
    const char* payload;
    const char* expected;
  } cases[] = {
      {"a 1\n\nb 1\n# EOF\n", "line 2: blank lines are not allowed in OpenMetrics"},
      {"# a comment\n# EOF\n", "line 1: expected # HELP, # TYPE, # UNIT or # EOF"},
      {"#HELP a x\n# EOF\n", "line 1: expected # HELP, # TYPE, # UNIT or # EOF"},
      {"a  1\n# EOF\n", "line 1: expected a value after \"a\", got ' '"},
      {"a\t1\n# EOF\n", "line 1: expected a space and a value after \"a\", got byte 0x09"},
      {"a{x=\"1\" , y=\"2\"} 1\n# EOF\n", "line 1: expected ',' or '}' after the value of label \"x\", got ' '"},
      {"a{x=\"1\"y=\"2\"} 1\n# EOF\n", "line 1: expected ',' or '}' after the value of label \"x\", got 'y'"},
      {"a {x=\"1\"} 1\n# EOF\n", "line 1: invalid sample value \"{x=\"1\"}\""},
      {" a 1\n# EOF\n", "line 1: expected a metric name or '#', got ' '"},
      {"a 1 \n# EOF\n", "line 1: expected a timestamp after the value, got end of line"},
      {"a{x=\"1\n\"} 1\n# EOF\n", "line 1: line break inside the value of label \"x\""},
      {"# TYPE a untyped\n# EOF\n", "line 1: invalid metric type \"untyped\""},
      {"# TYPE a\n# EOF\n", "line 1: expected a space and text after the metric name in # TYPE, got end of line"},
      {"# HELP a\n# EOF\n", "line 1: expected a space and text after the metric name in # HELP"},
      {"# UNIT a_seconds bytes\n# EOF\n", "line 1: unit \"bytes\" is not a suffix of metric \"a_seconds\""},
      {"# UNIT seconds seconds\n# EOF\n", "line 1: unit \"seconds\" is not a suffix of metric \"seconds\""},
      {"# UNIT aseconds seconds\n# EOF\n", "line 1: unit \"seconds\" is not a suffix of metric \"aseconds\""},
      {"a 1 2 3\n# EOF\n", "line 1: expected the end of the line or an exemplar after the timestamp, got ' '"},
      {"a{,} 1\n# EOF\n", "line 1: expected a label name, got ','"},
      {"a{x=\"1\",x=\"2\"} 1\n# EOF\n", "line 1: duplicate label name \"x\""},
      {"a{x=\"1\",,} 1\n# EOF\n", "line 1: expected a label name, got ','"},
  };
  for (const auto& c : cases) {
    std::string err = error_of(c.payload, kOM);
    EXPECT_NE(err.find(c.expected), std::string::npos) << "payload: " << c.payload << "\nerror: " << err;
  }
  // The same lines are fine in the text format where it is looser.
  EXPECT_EQ(samples_of("a  1\n\nb{x=\"1\" , y=\"2\"} 1\n", Format::kPrometheusText).size(), 2u);
}

TEST(OpenMetrics, LabelForms) {
  auto s = samples_of("a{} 1\nb{x=\"1\",} 2\nc{x=\"a\\\\b\\\"c\\nd\"} 3\n# EOF\n", kOM);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(s[0].labels.empty());
  EXPECT_EQ(s[1].labels, (Labels{{"x", "1"}}));
  EXPECT_EQ(s[2].labels, (Labels{{"x", "a\\b\"c\nd"}}));
}

TEST(OpenMetrics, Exemplars) {
  auto s = samples_of(
      "a_bucket{le=\"1\"} 1 # {id=\"x\"} 1\n"
      "b 2 123 # {id=\"y\",span=\"z\"} 0.5 123.5\n"
      "# EOF\n",
      kOM);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].value, 2);
  EXPECT_EQ(*s[1].timestamp_ms, 123000);
  struct Case {
    const char* payload;
    const char* expected;
  } cases[] = {
      {"a 1 # {id=\"x\"}\n# EOF\n", "line 1: expected a space and a value after the exemplar labels"},
      {"a 1 # {id=\"x\"} abc\n# EOF\n", "line 1: invalid exemplar value \"abc\""},
      {"a 1 # {id=\"x\"} 1 NaN\n# EOF\n", "line 1: exemplar timestamp \"NaN\" is not a finite number"},
      {"a 1 # {id=\"x\"} 1 2 3\n# EOF\n", "line 1: expected the end of the line after the exemplar"},
      {"a 1 # {1d=\"x\"} 1\n# EOF\n", "line 1: expected a label name in the exemplar, got '1'"},
      {"a 1 # {id=\"\xff\"} 1\n# EOF\n", "line 1: value of exemplar label \"id\" is not valid UTF-8"},
      {"a 1 # x\n# EOF\n", "line 1: invalid timestamp \"#\""},
      {"a 1 # {id=\"x\"} 1", "line 1: data does not end with # EOF"},
  };
  for (const auto& c : cases) {
    std::string err = error_of(c.payload, kOM);
    EXPECT_NE(err.find(c.expected), std::string::npos) << "payload: " << c.payload << "\nerror: " << err;
  }
}

TEST(OpenMetrics, RecordingStyleLinesAndLineNumbers) {
  std::string payload;
  for (int i = 0; i < 1000; ++i)
    payload += "go_gc_duration_seconds{instance=\"127.0.0.1:19090\",job=\"prometheus\",quantile=\"0\"} "
               "5.6065e-05 " + std::to_string(1795544215 + i) + ".509\n";
  payload += "bad line\n# EOF\n";
  std::string err = error_of(payload, kOM);
  EXPECT_NE(err.find("line 1001: invalid sample value \"line\""), std::string::npos) << err;
  Parser p(payload, kOM);
  Entry e;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(p.next(&e));
    EXPECT_EQ(e.line, static_cast<size_t>(i + 1));
    EXPECT_EQ(e.value, 5.6065e-05);
    EXPECT_EQ(e.labels.size(), 3u);
  }
  EXPECT_THROW(p.next(&e), ParseError);
}

TEST(OpenMetrics, UnitMatchesSuffix) {
  auto all = parse_all("# UNIT a_seconds seconds\n# UNIT b_total_bytes bytes\n# EOF\n", kOM);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].text, "seconds");
  EXPECT_EQ(all[1].name, "b_total_bytes");
}

}  // namespace
}  // namespace observe::exposition
