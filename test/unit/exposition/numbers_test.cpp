#include "core/exposition/numbers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace observe::exposition {
namespace {

double parse_ok(const char* s) {
  double d = 12345;
  EXPECT_EQ(parse_go_float(s, &d), NumberStatus::kOk) << s;
  return d;
}

uint64_t bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

TEST(GoFloat, Decimals) {
  EXPECT_EQ(parse_ok("1"), 1.0);
  EXPECT_EQ(parse_ok("-2.5"), -2.5);
  EXPECT_EQ(parse_ok("+3"), 3.0);
  EXPECT_EQ(parse_ok("1."), 1.0);
  EXPECT_EQ(parse_ok(".5"), 0.5);
  EXPECT_EQ(parse_ok("5.6065e-05"), 5.6065e-05);
  EXPECT_EQ(parse_ok("1E3"), 1000.0);
  EXPECT_EQ(parse_ok("1e+3"), 1000.0);
  EXPECT_EQ(parse_ok("0.1"), 0.1);  // correctly rounded
  EXPECT_EQ(parse_ok("1.7976931348623157e308"), 1.7976931348623157e308);
}

TEST(GoFloat, SpecialSpellingsGoAccepts) {
  for (const char* s : {"+Inf", "Inf", "inf", "INF", "+inf", "Infinity", "+infinity", "iNfInItY"})
    EXPECT_EQ(parse_ok(s), INFINITY) << s;
  for (const char* s : {"-Inf", "-inf", "-Infinity"}) EXPECT_EQ(parse_ok(s), -INFINITY) << s;
  for (const char* s : {"NaN", "nan", "NAN"}) {
    double d = parse_ok(s);
    EXPECT_EQ(bits(d), 0x7ff8000000000001ULL) << s;  // Prometheus's normal NaN
  }
}

TEST(GoFloat, RefusedAsGoOrPrometheusRefuses) {
  double d;
  for (const char* s : {"", "+", "-", ".", "e5", "1e", "1e+", "1.2.3", "abc", "1,5", "0x10",
                        "0x1p3", "1_000", "+NaN", "-nan", "infin", "infinit", "Infinityy", " 1",
                        "1 ", "nan(1)", "--1", "1e5.5"})
    EXPECT_EQ(parse_go_float(s, &d), NumberStatus::kSyntax) << s;
}

TEST(GoFloat, OverflowIsAnErrorUnderflowIsZero) {
  double d;
  EXPECT_EQ(parse_go_float("1e400", &d), NumberStatus::kRange);
  EXPECT_EQ(parse_go_float("-1.8e308", &d), NumberStatus::kRange);
  EXPECT_EQ(parse_go_float("123456789012345678901234567890e300", &d), NumberStatus::kRange);
  EXPECT_EQ(parse_ok("1e-400"), 0.0);
  double neg = parse_ok("-1e-400");
  EXPECT_EQ(neg, 0.0);
  EXPECT_TRUE(std::signbit(neg));
  EXPECT_EQ(parse_ok("0.000000001e-320"), 0.0);
  EXPECT_EQ(parse_ok("4.9e-324"), 4.9e-324);  // smallest denormal still parses
  EXPECT_EQ(parse_ok("0e99999"), 0.0);
}

TEST(DecimalInt64, Range) {
  int64_t v;
  EXPECT_EQ(parse_decimal_int64("9223372036854775807", &v), NumberStatus::kOk);
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_EQ(parse_decimal_int64("9223372036854775808", &v), NumberStatus::kRange);
  EXPECT_EQ(parse_decimal_int64("00012", &v), NumberStatus::kOk);
  EXPECT_EQ(v, 12);
  EXPECT_EQ(parse_decimal_int64("", &v), NumberStatus::kSyntax);
  EXPECT_EQ(parse_decimal_int64("1a", &v), NumberStatus::kSyntax);
}

TEST(FormatFloat, OpenMetricsLikeGo) {
  EXPECT_EQ(format_openmetrics_float(1), "1.0");
  EXPECT_EQ(format_openmetrics_float(0), "0.0");
  EXPECT_EQ(format_openmetrics_float(-1), "-1.0");
  EXPECT_EQ(format_openmetrics_float(0.25), "0.25");
  EXPECT_EQ(format_openmetrics_float(100000), "100000.0");
  EXPECT_EQ(format_openmetrics_float(1e6), "1e+06");
  EXPECT_EQ(format_openmetrics_float(2.5e6), "2.5e+06");
  EXPECT_EQ(format_openmetrics_float(0.0001), "0.0001");
  EXPECT_EQ(format_openmetrics_float(0.00001), "1e-05");
  EXPECT_EQ(format_openmetrics_float(123.456), "123.456");
  EXPECT_EQ(format_openmetrics_float(1e300), "1e+300");
  EXPECT_EQ(format_openmetrics_float(INFINITY), "+Inf");
  EXPECT_EQ(format_openmetrics_float(-INFINITY), "-Inf");
  EXPECT_EQ(format_openmetrics_float(NAN), "NaN");
}

TEST(FormatFloat, GoFixed) {
  EXPECT_EQ(format_go_fixed(10), "10");
  EXPECT_EQ(format_go_fixed(0.5), "0.5");
  EXPECT_EQ(format_go_fixed(1.25), "1.25");
}

}  // namespace
}  // namespace observe::exposition
