// Prometheus text format 0.0.4, with the grammar of Prometheus's textparse.
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
constexpr Format kText = Format::kPrometheusText;

TEST(TextFormat, NodeExporterStylePayload) {
  const char* payload =
      "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
      "# TYPE node_cpu_seconds_total counter\n"
      "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 2.5e+06\n"
      "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 12.5\n"
      "# HELP go_goroutines Number of goroutines that currently exist.\n"
      "# TYPE go_goroutines gauge\n"
      "go_goroutines 8\n";
  auto all = parse_all(payload, kText);
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(all[0].kind, EntryKind::kHelp);
  EXPECT_EQ(all[0].name, "node_cpu_seconds_total");
  EXPECT_EQ(all[0].text, "Seconds the CPUs spent in each mode.");
  EXPECT_EQ(all[1].kind, EntryKind::kType);
  EXPECT_EQ(all[1].type, MetricType::kCounter);
  EXPECT_EQ(all[2].kind, EntryKind::kSample);
  EXPECT_EQ(all[2].name, "node_cpu_seconds_total");
  EXPECT_EQ(all[2].series, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}");
  EXPECT_EQ(all[2].labels, (Labels{{"cpu", "0"}, {"mode", "idle"}}));
  EXPECT_EQ(all[2].value, 2.5e6);
  EXPECT_FALSE(all[2].timestamp_ms);
  EXPECT_EQ(all[2].type, MetricType::kCounter);
  EXPECT_EQ(all[2].line, 3u);
  EXPECT_EQ(all[3].value, 12.5);
  EXPECT_EQ(all[6].name, "go_goroutines");
  EXPECT_EQ(all[6].type, MetricType::kGauge);
  EXPECT_EQ(all[6].line, 7u);
}

TEST(TextFormat, TimestampsAreIntegerMilliseconds) {
  auto s = samples_of("a 1 1700000000123\nb 2 0\n", kText);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(*s[0].timestamp_ms, 1700000000123);
  EXPECT_EQ(*s[1].timestamp_ms, 0);
  EXPECT_NE(error_of("a 1 1.5\n", kText).find("line 1: expected the end of the line after the timestamp"),
            std::string::npos);
  EXPECT_NE(error_of("a 1 -5\n", kText).find("line 1: expected a timestamp"), std::string::npos);
  EXPECT_NE(error_of("a 1 9223372036854775808\n", kText).find("out of the int64 range"), std::string::npos);
  EXPECT_NE(error_of("a 1 2 3\n", kText).find("line 1: expected the end of the line after the timestamp"),
            std::string::npos);
}

TEST(TextFormat, SpecialValues) {
  auto s = samples_of("a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf -infinity\ng 1e-3\n", kText);
  ASSERT_EQ(s.size(), 7u);
  uint64_t b;
  std::memcpy(&b, &s[0].value, 8);
  EXPECT_EQ(b, 0x7ff8000000000001ULL);
  EXPECT_EQ(s[1].value, INFINITY);
  EXPECT_EQ(s[2].value, -INFINITY);
  EXPECT_EQ(s[3].value, INFINITY);
  EXPECT_TRUE(std::isnan(s[4].value));
  EXPECT_EQ(s[5].value, -INFINITY);
  EXPECT_EQ(s[6].value, 0.001);
}

TEST(TextFormat, LabelValueEscapes) {
  auto s = samples_of(R"(a{path="C:\\dir",msg="say \"hi\"",nl="x\ny",other="\t\q"} 1)" "\n", kText);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].labels, (Labels{{"path", "C:\\dir"}, {"msg", "say \"hi\""}, {"nl", "x\ny"},
                                 {"other", "\\t\\q"}}));  // unknown escapes stay as written
}

TEST(TextFormat, HelpEscapes) {
  auto all = parse_all("# HELP a back\\\\slash new\\nline \\\"quote\\\"\n", kText);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].text, "back\\slash new\nline \\\"quote\\\"");  // \" is not a HELP escape here
}

TEST(TextFormat, HelpAndTypeTextRules) {
  // The text is the rest of the line less the one blank after the name; blanks only: empty.
  auto all = parse_all("# HELP a\n# HELP b   \n#\tHELP\tc\tx y \n# HELP d  two\n", kText);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].text, "");
  EXPECT_EQ(all[1].text, "");
  EXPECT_EQ(all[2].name, "c");
  EXPECT_EQ(all[2].text, "x y ");
  EXPECT_EQ(all[3].text, " two");
  EXPECT_NE(error_of("# TYPE d  counter\n", kText).find("invalid metric type \" counter\""),
            std::string::npos);
  EXPECT_EQ(parse_all("# TYPE d counter\n", kText)[0].type, MetricType::kCounter);
}

TEST(TextFormat, BlanksAndCommentsAndBlankLines) {
  const char* payload =
      "\n"
      "   \t\n"
      "# just a comment\n"
      "#no space comment\n"
      "# HELPER is a comment too\n"
      "  \t# an indented comment\n"
      "a  {  x = \"1\" , y=\"2\" ,  }   3   4  \n"
      "b{}5\n"
      "c{x=\"1\" y=\"2\"} 6\n"
      "d 7";  // no final newline
  auto s = samples_of(payload, kText);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].labels, (Labels{{"x", "1"}, {"y", "2"}}));
  EXPECT_EQ(s[0].value, 3);
  EXPECT_EQ(*s[0].timestamp_ms, 4);
  EXPECT_EQ(s[0].line, 7u);
  EXPECT_TRUE(s[1].labels.empty());
  EXPECT_EQ(s[1].value, 5);
  EXPECT_EQ(s[2].labels, (Labels{{"x", "1"}, {"y", "2"}}));  // comma optional, as in textparse
  EXPECT_EQ(s[3].value, 7);
  EXPECT_EQ(s[3].line, 10u);
}

TEST(TextFormat, BlanksBeforeAMetricNameAreRefused) {
  // Prometheus keeps them in the metric name, which is then invalid: the scrape fails.
  EXPECT_NE(error_of("a 1\n  b 1\n", kText).find("line 2: blanks before the metric name \"b\""), std::string::npos);
  EXPECT_NE(error_of("\tc{x=\"1\"} 1\n", kText).find("line 1: blanks before the metric name \"c\""),
            std::string::npos);
}

TEST(TextFormat, MetricAndLabelNameCharacters) {
  auto s = samples_of("ns:sub_metric_1{_l0=\"a\",L_1=\"b\"} 1\n_x 2\n:y 3\n", kText);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "ns:sub_metric_1");
  EXPECT_NE(error_of("a{l:x=\"1\"} 1\n", kText).find("line 1: expected '=' after label name \"l\""),
            std::string::npos);  // ':' is not allowed in label names
  EXPECT_NE(error_of("1abc 1\n", kText).find("line 1: expected a metric name"), std::string::npos);
  EXPECT_NE(error_of("a{1x=\"1\"} 1\n", kText).find("line 1: expected a label name or '}'"),
            std::string::npos);
  EXPECT_NE(error_of("ok 1\na-b 1\n", kText).find("line 2: invalid sample value \"-b\""), std::string::npos);
}

TEST(TextFormat, DuplicateLabelNamesAreAnError) {
  EXPECT_NE(error_of("a 1\nb{x=\"1\",y=\"2\",x=\"3\"} 1\n", kText).find("line 2: duplicate label name \"x\""),
            std::string::npos);
  EXPECT_NE(error_of("a{__name__=\"b\"} 1\n", kText).find("line 1: label name \"__name__\" repeats"),
            std::string::npos);
  // Many labels take the sorting path of the check.
  std::string many = "m{";
  for (int i = 0; i < 100; ++i) many += "l" + std::to_string(i) + "=\"v\",";
  EXPECT_EQ(samples_of(many + "} 1\n", kText)[0].labels.size(), 100u);
  EXPECT_NE(error_of(many + "l7=\"again\"} 1\n", kText).find("duplicate label name \"l7\""),
            std::string::npos);
}

TEST(TextFormat, TypeAndFamilies) {
  const char* payload =
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 1\n"
      "h_bucket{le=\"+Inf\"} 2\n"
      "h_sum 3\n"
      "h_count 2\n"
      "# TYPE s summary\n"
      "s{quantile=\"0.5\"} 1\n"
      "s_sum 3\n"
      "s_count 2\n"
      "s_other 9\n"
      "# TYPE u untyped\n"
      "u 1\n"
      "loose 1\n";
  auto s = samples_of(payload, kText);
  ASSERT_EQ(s.size(), 10u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(s[i].type, MetricType::kHistogram) << i;
    EXPECT_EQ(s[i].family, "h");
  }
  for (int i = 4; i < 7; ++i) EXPECT_EQ(s[i].type, MetricType::kSummary) << i;
  EXPECT_EQ(s[7].type, MetricType::kUnknown);  // s_other is no part of summary s
  EXPECT_EQ(s[7].family, "s_other");
  EXPECT_EQ(s[8].type, MetricType::kUnknown);
  EXPECT_EQ(s[9].family, "loose");
}

TEST(TextFormat, InvalidType) {
  std::string err = error_of("# TYPE a counter\n# TYPE b info\n", kText);
  EXPECT_NE(err.find("line 2: invalid metric type \"info\""), std::string::npos) << err;
  EXPECT_NE(error_of("# TYPE a Counter\n", kText).find("line 1: invalid metric type"), std::string::npos);
  EXPECT_NE(error_of("# TYPE a counter extra\n", kText).find("invalid metric type \"counter extra\""),
            std::string::npos);
  EXPECT_NE(error_of("# TYPE 1a counter\n", kText).find("line 1: expected a metric name after # TYPE"),
            std::string::npos);
  EXPECT_NE(error_of("# HELP \n", kText).find("line 1: expected a metric name after # HELP"),
            std::string::npos);
}

TEST(TextFormat, MalformedLinesNameTheirLine) {
  struct Case {
    const char* payload;
    const char* expected;
  } cases[] = {
      {"a 1\nb\n", "line 2: expected a value after \"b\", got end of line"},
      {"a 1\n\nb{x=\"1\"}\n", "line 3: expected a value"},
      {"a{x=\"1\"", "line 1: unexpected end of input inside a label set"},
      {"a{x=\"1} 1\n", "line 1: unterminated value of label \"x\""},
      {"a{x} 1\n", "line 1: expected '=' after label name \"x\", got '}'"},
      {"a{x=1} 1\n", "line 1: expected a quoted value for label \"x\", got '1'"},
      {"a{x=\"1\",,y=\"2\"} 1\n", "line 1: expected a label name or '}', got ','"},
      {"a{,} 1\n", "line 1: expected a label name or '}', got ','"},
      {"a abc\n", "line 1: invalid sample value \"abc\""},
      {"a 1e999\n", "line 1: sample value \"1e999\" is out of range"},
      {"a 0x10\n", "line 1: invalid sample value \"0x10\""},
      {"a 1 x\n", "line 1: expected a timestamp in milliseconds or the end of the line after the value, got 'x'"},
      {"a{x=\"1\"}{y=\"2\"} 1\n", "line 1: expected a value after \"a{x=\"1\"}\", got '{'"},
      {"{x=\"1\"} 1\n", "line 1: expected a metric name, a '#' comment or a blank line, got '{'"},
      {"a 1\n\"q\" 1\n", "line 2: expected a metric name"},
      {"a{x=\"\xff\"} 1\n", "line 1: value of label \"x\" is not valid UTF-8"},
      {"# HELP a \xc3\x28\n", "line 1: HELP text of \"a\" is not valid UTF-8"},
      {"a{x=\"1\\\n\"} 1\n", "line 1: backslash before a line break"},
      {"a 1\n\0b 1\n", "line 2: expected a metric name, a '#' comment or a blank line, got byte 0x00"},
  };
  for (const auto& c : cases) {
    std::string payload(c.payload, std::strlen(c.payload) + (std::strstr(c.expected, "0x00") ? 5 : 0));
    std::string err = error_of(payload, kText);
    EXPECT_NE(err.find(c.expected), std::string::npos) << "payload: " << c.payload << "\nerror: " << err;
    EXPECT_EQ(err.rfind("line ", 0), 0u) << err;
  }
}

TEST(TextFormat, RawLineBreakInsideALabelValueCountsLines) {
  // Prometheus's lexer takes a raw line break inside a quoted label value.
  auto s = samples_of("a{x=\"one\ntwo\"} 1\nb 2\n", kText);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].labels, (Labels{{"x", "one\ntwo"}}));
  EXPECT_EQ(s[1].line, 3u);
  EXPECT_NE(error_of("a{x=\"one\ntwo\"} 1\nb x\n", kText).find("line 3:"), std::string::npos);
}

TEST(TextFormat, ParseErrorCarriesLineAndOffset) {
  try {
    parse_all("ok 1\nbad value\n", kText);
    FAIL() << "no error";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 2u);
    EXPECT_EQ(e.kind(), ErrorKind::kDataException);
    EXPECT_EQ(e.position(), 14);  // end of the bad token
  }
}

TEST(TextFormat, NoMoreEntriesAfterAnError) {
  Parser p("bad x\ngood 1\n", kText);
  Entry e;
  EXPECT_THROW(p.next(&e), ParseError);
  EXPECT_FALSE(p.next(&e));
}

TEST(TextFormat, EmptyPayload) {
  EXPECT_TRUE(parse_all("", kText).empty());
  EXPECT_TRUE(parse_all("\n\n# c\n", kText).empty());
}

}  // namespace
}  // namespace observe::exposition
