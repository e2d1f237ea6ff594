// The JSON details Prometheus's clients see: float and timestamp text as Go's jsonutil writes
// them, strings escaped as Go's encoder escapes them.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "core/httpapi/json.h"

using namespace observe::httpapi;

static std::string f(double v) {
  std::string s;
  append_prom_float(s, v);
  return s;
}
static std::string ts(int64_t ms) {
  std::string s;
  append_prom_timestamp(s, ms);
  return s;
}
static std::string js(std::string_view v) {
  std::string s;
  append_json_string(s, v);
  return s;
}

TEST(PromFloat, AsGoFormatFloat) {
  EXPECT_EQ(f(1), "1");
  EXPECT_EQ(f(0), "0");
  EXPECT_EQ(f(-0.0), "-0");
  EXPECT_EQ(f(0.1), "0.1");
  EXPECT_EQ(f(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(f(123456789012345678.0), "123456789012345680");
  EXPECT_EQ(f(1e20), "100000000000000000000");
  EXPECT_EQ(f(1e21), "1e+21");
  EXPECT_EQ(f(1.5e300), "1.5e+300");
  EXPECT_EQ(f(1e-6), "0.000001");
  EXPECT_EQ(f(1e-7), "1e-07");
  EXPECT_EQ(f(-2.5e-9), "-2.5e-09");
  EXPECT_EQ(f(std::nan("")), "NaN");
  EXPECT_EQ(f(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(f(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(f(5e-324), "5e-324");
}

// The text without the integer shortcut: std::to_chars's shortest round trip, 'e' outside
// [1e-6, 1e21).
static std::string reference(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  double a = std::fabs(v);
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v,
                         (a != 0 && (a < 1e-6 || a >= 1e21)) ? std::chars_format::scientific : std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

TEST(PromFloat, IntegersAsTheirDigits) {
  EXPECT_EQ(f(42), "42");
  EXPECT_EQ(f(-42), "-42");
  EXPECT_EQ(f(1e15), "1000000000000000");
  EXPECT_EQ(f(9007199254740991.0), "9007199254740991");
  EXPECT_EQ(f(9007199254740992.0), "9007199254740992");
  EXPECT_EQ(f(9007199254740994.0), "9007199254740994");
  EXPECT_EQ(f(-9007199254740990.0), "-9007199254740990");
  EXPECT_EQ(f(1e16), "10000000000000000");
}

// Whole numbers of every magnitude, their neighbours and random bit patterns: the same text as
// the shortest-digits conversion.
TEST(PromFloat, SameTextAsShortestRoundTrip) {
  std::mt19937_64 rng(16);
  auto check = [](double v) { ASSERT_EQ(f(v), reference(v)) << v; };
  for (int e = 0; e <= 60; e++) {
    double p = std::ldexp(1.0, e);
    for (double v : {p, p - 1, p + 1, p - 2, p + 2, p * 3, std::nextafter(p, 0.0), std::nextafter(p, 1e300)}) {
      check(v);
      check(-v);
    }
  }
  for (int i = 0; i < 200000; i++) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    check(v);
    check(static_cast<double>(static_cast<int64_t>(rng() >> (rng() % 64))));
    check(std::trunc(std::ldexp(static_cast<double>(rng() >> 11), -static_cast<int>(rng() % 60))));
    check(static_cast<double>(rng() % 100000) / 100);
  }
}

TEST(PromTimestamp, SecondsWithMilliseconds) {
  EXPECT_EQ(ts(0), "0");
  EXPECT_EQ(ts(1435781451781), "1435781451.781");
  EXPECT_EQ(ts(1500), "1.500");
  EXPECT_EQ(ts(1005), "1.005");
  EXPECT_EQ(ts(-250), "-0.250");
  EXPECT_EQ(ts(-3000), "-3");
}

TEST(JsonString, EscapesAsGo) {
  EXPECT_EQ(js("plain"), "\"plain\"");
  EXPECT_EQ(js("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(js("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(js(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(js("<a>&"), "\"\\u003ca\\u003e\\u0026\"");
  EXPECT_EQ(js("x\xe2\x80\xa8y\xe2\x80\xa9"), "\"x\\u2028y\\u2029\"");
  EXPECT_EQ(js("é"), "\"é\"");
  EXPECT_EQ(js("a\xff"), "\"a\xef\xbf\xbd\"");  // invalid byte as U+FFFD
  EXPECT_EQ(js(std::string("\0", 1)), "\"\\u0000\"");
}

TEST(LabelsObject, InLabelOrder) {
  std::string s;
  append_labels_object(s, observe::Labels({{"job", "a"}, {"__name__", "up"}}));
  EXPECT_EQ(s, "{\"__name__\":\"up\",\"job\":\"a\"}");
  s.clear();
  append_labels_object(s, observe::Labels());
  EXPECT_EQ(s, "{}");
}

// Values from Go: strconv.FormatFloat(v, 'e', -1, 64) and time.Time's MarshalJSON in UTC.
TEST(GoFloatE, ShortestExponentForm) {
  auto e = [](double v) {
    std::string s;
    append_go_float_e(s, v);
    return s;
  };
  EXPECT_EQ(e(27), "2.7e+01");
  EXPECT_EQ(e(1), "1e+00");
  EXPECT_EQ(e(0), "0e+00");
  EXPECT_EQ(e(-0.5), "-5e-01");
  EXPECT_EQ(e(1e100), "1e+100");
  EXPECT_EQ(e(123456.789), "1.23456789e+05");
  EXPECT_EQ(e(std::nan("")), "NaN");
  EXPECT_EQ(e(-INFINITY), "-Inf");
}

TEST(GoTime, RFC3339NanoUtcAndZeroTime) {
  auto t = [](std::optional<int64_t> ns) {
    std::string s;
    append_go_time(s, ns);
    return s;
  };
  EXPECT_EQ(t(std::nullopt), "\"0001-01-01T00:00:00Z\"");
  EXPECT_EQ(t(0), "\"1970-01-01T00:00:00Z\"");
  EXPECT_EQ(t(1530728832606021440), "\"2018-07-04T18:27:12.60602144Z\"");
  EXPECT_EQ(t(1530728832500000000), "\"2018-07-04T18:27:12.5Z\"");
  EXPECT_EQ(t(-1000000), "\"1969-12-31T23:59:59.999Z\"");
}
