// Parameters as Prometheus's and Loki's handlers read them.
#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/httpapi/params.h"

using namespace observe::httpapi;

TEST(Form, UrlencodedFirstValueAndRepeats) {
  Form f;
  f.parse_urlencoded("query=rate(x%5B5m%5D)+%2B+1&match%5B%5D=up&match[]=a%7Bb%3D%22c%22%7D&empty=&flag");
  EXPECT_EQ(f.value("query"), "rate(x[5m]) + 1");
  EXPECT_EQ(f.all("match[]"), (std::vector<std::string>{"up", "a{b=\"c\"}"}));
  EXPECT_TRUE(f.get("empty").has_value());
  EXPECT_EQ(f.value("empty"), "");
  EXPECT_TRUE(f.get("flag").has_value());
  EXPECT_FALSE(f.get("missing").has_value());
}

TEST(Form, BadEscapeRefused) {
  Form f;
  EXPECT_THROW(f.parse_urlencoded("a=%zz"), observe::Error);
  EXPECT_THROW(f.parse_urlencoded("a=%4"), observe::Error);
}

TEST(PromTime, FloatSecondsAndRfc3339) {
  EXPECT_EQ(parse_prom_time_ms("1435781451.781"), 1435781451781);
  EXPECT_EQ(parse_prom_time_ms("1435781451"), 1435781451000);
  EXPECT_EQ(parse_prom_time_ms("1.0006"), 1001);  // rounded to ms, as Go rounds
  EXPECT_EQ(parse_prom_time_ms("-1.5"), -1500);
  EXPECT_EQ(parse_prom_time_ms("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(parse_prom_time_ms("2015-07-01T22:10:51+02:00"), 1435781451000);
  EXPECT_EQ(parse_prom_time_ms("1970-01-01T00:00:00.999999999Z"), 999);
  EXPECT_FALSE(parse_prom_time_ms("yesterday"));
  EXPECT_FALSE(parse_prom_time_ms("2015-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_prom_time_ms(""));
  EXPECT_FALSE(parse_prom_time_ms("0x10"));
}

TEST(PromDuration, FloatSecondsOrDurationString) {
  EXPECT_EQ(parse_prom_duration_ms("15"), 15000);
  EXPECT_EQ(parse_prom_duration_ms("0.5"), 500);
  EXPECT_EQ(parse_prom_duration_ms("1h30m"), 5400000);
  EXPECT_EQ(parse_prom_duration_ms("500ms"), 500);
  EXPECT_EQ(parse_prom_duration_ms("1d"), 86400000);
  EXPECT_FALSE(parse_prom_duration_ms("30m1h"));  // units out of order
  EXPECT_FALSE(parse_prom_duration_ms("5x"));
  EXPECT_FALSE(parse_prom_duration_ms(""));
  EXPECT_FALSE(parse_prom_duration_ms("1e300"));
}

TEST(LokiTime, NanosSecondsFloatRfc3339) {
  EXPECT_EQ(parse_loki_time_ns("1700000000000000000"), 1700000000000000000);
  EXPECT_EQ(parse_loki_time_ns("1700000000"), 1700000000000000000);
  EXPECT_EQ(parse_loki_time_ns("1700000000.5"), 1700000000500000000);
  EXPECT_EQ(parse_loki_time_ns("2023-11-14T22:13:20Z"), 1700000000000000000);
  EXPECT_FALSE(parse_loki_time_ns("nope"));
}

static Form form(const char* q) {
  Form f;
  f.parse_urlencoded(q);
  return f;
}

static std::string range_error(const char* q) {
  try {
    prom_range_params(form(q));
  } catch (const observe::Error& e) {
    return e.what();
  }
  return "";
}

TEST(PromRange, ChecksInPrometheusWords) {
  PromRangeParams p = prom_range_params(form("start=10&end=70&step=15s"));
  EXPECT_EQ(p.start_ms, 10000);
  EXPECT_EQ(p.end_ms, 70000);
  EXPECT_EQ(p.step_ms, 15000);
  EXPECT_EQ(range_error("start=x&end=1&step=1"), "invalid parameter \"start\": cannot parse \"x\" to a valid timestamp");
  EXPECT_EQ(range_error("start=5&end=1&step=1"), "invalid parameter \"end\": end timestamp must not be before start time");
  EXPECT_EQ(range_error("start=1&end=5&step=0"),
            "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer");
  EXPECT_EQ(range_error("start=0&end=100000&step=1"),
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
  EXPECT_EQ(range_error("end=1&step=1"), "invalid parameter \"start\": cannot parse \"\" to a valid timestamp");
}
