#include "core/scrape/request.h"

#include <gtest/gtest.h>

#include "core/common/stale.h"

namespace observe::scrape {
namespace {

TEST(Request, HeadersAsPrometheusSendsThem) {
  auto h = request_headers(10, "0.1.0");
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].first, "Accept");
  EXPECT_EQ(h[0].second,
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
  EXPECT_EQ(h[1], (std::pair<std::string, std::string>{"Accept-Encoding", "gzip"}));
  EXPECT_EQ(h[2], (std::pair<std::string, std::string>{"User-Agent", "pg_observe/0.1.0"}));
  EXPECT_EQ(h[3], (std::pair<std::string, std::string>{"X-Prometheus-Scrape-Timeout-Seconds", "10"}));
}

TEST(Request, TimeoutSpelledLikeGo) {
  EXPECT_EQ(scrape_timeout_header_value(10), "10");
  EXPECT_EQ(scrape_timeout_header_value(0.5), "0.5");
  EXPECT_EQ(scrape_timeout_header_value(2.25), "2.25");
  EXPECT_EQ(scrape_timeout_header_value(120), "120");
}

TEST(Request, InstanceFromUrl) {
  EXPECT_EQ(instance_from_url("http://127.0.0.1:9100/metrics"), "127.0.0.1:9100");
  EXPECT_EQ(instance_from_url("https://user:pw@example.com:8443/x?y=1"), "example.com:8443");
  EXPECT_EQ(instance_from_url("http://[::1]:9100/metrics"), "[::1]:9100");
  EXPECT_EQ(instance_from_url("http://host/metrics"), "host");
  EXPECT_EQ(instance_from_url("host:9100"), "host:9100");
}

TEST(Stale, MarkerBits) {
  double s = stale_nan();
  EXPECT_TRUE(is_stale_nan(s));
  EXPECT_TRUE(s != s);  // a NaN
  EXPECT_FALSE(is_stale_nan(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(is_stale_nan(1.0));
}

}  // namespace
}  // namespace observe::scrape
