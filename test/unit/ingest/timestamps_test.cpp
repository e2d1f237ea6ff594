#include "core/ingest/timestamps.h"

#include <gtest/gtest.h>

#include <climits>

using namespace observe::ingest;

TEST(Timestamps, GoParseInt) {
  int64_t v = 0;
  EXPECT_TRUE(parse_go_int64("1700000000123456789", &v));
  EXPECT_EQ(v, 1700000000123456789);
  EXPECT_TRUE(parse_go_int64("-5", &v));
  EXPECT_EQ(v, -5);
  EXPECT_TRUE(parse_go_int64("+7", &v));
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(parse_go_int64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(parse_go_int64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_FALSE(parse_go_int64("9223372036854775808", &v));
  EXPECT_FALSE(parse_go_int64("", &v));
  EXPECT_FALSE(parse_go_int64("-", &v));
  EXPECT_FALSE(parse_go_int64("1_000", &v));
  EXPECT_FALSE(parse_go_int64(" 1", &v));
  EXPECT_FALSE(parse_go_int64("1.5", &v));
  EXPECT_FALSE(parse_go_int64("1e9", &v));
}

TEST(Timestamps, Rfc3339) {
  int64_t v = 0;
  ASSERT_TRUE(parse_rfc3339_ns("1970-01-01T00:00:00Z", &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(parse_rfc3339_ns("2026-12-06T01:33:53.123456789Z", &v));
  EXPECT_EQ(v, 1796520833123456789);  // date -d 2026-12-06T01:33:53Z +%s = 1796520833
  ASSERT_TRUE(parse_rfc3339_ns("2026-12-06T02:33:53.5+01:00", &v));
  EXPECT_EQ(v, 1796520833500000000);
  ASSERT_TRUE(parse_rfc3339_ns("2026-12-05t20:33:53-05:00", &v));
  EXPECT_EQ(v, 1796520833000000000);
  ASSERT_TRUE(parse_rfc3339_ns("2024-02-29T00:00:00Z", &v));
  ASSERT_TRUE(parse_rfc3339_ns("1969-12-31T23:59:59.999999999Z", &v));
  EXPECT_EQ(v, -1);
  EXPECT_FALSE(parse_rfc3339_ns("2023-02-29T00:00:00Z", &v));
  EXPECT_FALSE(parse_rfc3339_ns("2026-13-01T00:00:00Z", &v));
  EXPECT_FALSE(parse_rfc3339_ns("2026-12-06T24:00:00Z", &v));
  EXPECT_FALSE(parse_rfc3339_ns("2026-12-06T01:33:53", &v));  // no zone
  EXPECT_FALSE(parse_rfc3339_ns("2026-12-06 01:33:53Z", &v));
  EXPECT_FALSE(parse_rfc3339_ns("2026-12-06T01:33:53.Z", &v));
  EXPECT_FALSE(parse_rfc3339_ns("3000-01-01T00:00:00Z", &v));  // past int64 nanoseconds
  EXPECT_FALSE(parse_rfc3339_ns("2026-12-06T01:33:53Zjunk", &v));
}

TEST(Timestamps, UnixUnits) {
  int64_t v = 0;
  ASSERT_TRUE(unix_text_to_ns("1796520833", TimeUnit::kSeconds, &v));
  EXPECT_EQ(v, 1796520833000000000);
  ASSERT_TRUE(unix_text_to_ns("1796520833123", TimeUnit::kMilliseconds, &v));
  EXPECT_EQ(v, 1796520833123000000);
  ASSERT_TRUE(unix_text_to_ns("1796520833123456", TimeUnit::kMicroseconds, &v));
  EXPECT_EQ(v, 1796520833123456000);
  ASSERT_TRUE(unix_text_to_ns("1796520833123456789", TimeUnit::kNanoseconds, &v));
  EXPECT_EQ(v, 1796520833123456789);
  ASSERT_TRUE(unix_text_to_ns("1796520833.25", TimeUnit::kSeconds, &v));
  EXPECT_EQ(v, 1796520833250000000);
  ASSERT_TRUE(unix_to_ns(1.5, TimeUnit::kMilliseconds, &v));
  EXPECT_EQ(v, 1500000);
  EXPECT_FALSE(unix_text_to_ns("99999999999", TimeUnit::kSeconds, &v));
  EXPECT_FALSE(unix_text_to_ns("1e9", TimeUnit::kSeconds, &v));
  EXPECT_FALSE(unix_text_to_ns("abc", TimeUnit::kSeconds, &v));
  EXPECT_FALSE(unix_to_ns(1.0 / 0.0, TimeUnit::kSeconds, &v));
}
