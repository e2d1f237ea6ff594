#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/promconfig/duration.h"

namespace observe::promconfig {
namespace {

std::string parse_error(const std::string& s) {
  try {
    parse_duration(s);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// TestParseDuration of prometheus/common model/time_test.go (0.39), both ways.
TEST(Duration, CommonsCases) {
  struct C {
    const char* in;
    int64_t ms;
    const char* printed;
  };
  const C cases[] = {
      {"0s", 0, "0s"},
      {"324ms", 324, "324ms"},
      {"3s", 3000, "3s"},
      {"5m", 300000, "5m"},
      {"1h", 3600000, "1h"},
      {"4d", 4 * 86400000LL, "4d"},
      {"4d1h", 4 * 86400000LL + 3600000, "4d1h"},
      {"14d", 14 * 86400000LL, "2w"},
      {"3w", 21 * 86400000LL, "3w"},
      {"3w2d1h", 23 * 86400000LL + 3600000, "23d1h"},
      {"10y", 3650 * 86400000LL, "10y"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_duration(c.in), c.ms) << c.in;
    EXPECT_EQ(format_duration(c.ms), c.printed) << c.in;
  }
  // Accepted but printed differently.
  EXPECT_EQ(parse_duration("0"), 0);
  EXPECT_EQ(parse_duration("1h30m"), 5400000);
  EXPECT_EQ(format_duration(parse_duration("90s")), "1m30s");
  EXPECT_EQ(format_duration(parse_duration("2h0m")), "2h");
  EXPECT_EQ(format_duration(parse_duration("15d")), "15d");  // weeks only when exact
  EXPECT_EQ(format_duration(parse_duration("1s500ms")), "1s500ms");
}

TEST(Duration, Errors) {
  EXPECT_EQ(parse_error(""), "empty duration string");
  EXPECT_EQ(parse_error("1"), "not a valid duration string: \"1\"");
  EXPECT_EQ(parse_error("1.5s"), "not a valid duration string: \"1.5s\"");
  EXPECT_EQ(parse_error("1m1h"), "not a valid duration string: \"1m1h\"");  // order matters
  EXPECT_EQ(parse_error("1s1s"), "not a valid duration string: \"1s1s\"");
  EXPECT_EQ(parse_error("-1s"), "not a valid duration string: \"-1s\"");
  EXPECT_EQ(parse_error("1S"), "not a valid duration string: \"1S\"");
  EXPECT_EQ(parse_error(" 1s"), "not a valid duration string: \" 1s\"");
  EXPECT_EQ(parse_error("300y"), "duration out of range");
  EXPECT_EQ(parse_error("292y"), "");
  EXPECT_EQ(parse_error("99999999999999999999ms"), "duration out of range");
  EXPECT_EQ(parse_error("292y52w"), "duration out of range");  // the sum overflows
}

}  // namespace
}  // namespace observe::promconfig
