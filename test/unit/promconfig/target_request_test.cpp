// Target.URL of Prometheus 2.42 (TestTargetURL of scrape/target_test.go) and the
// Authorization header its HTTP client sends.
#include <gtest/gtest.h>

#include "core/promconfig/target_request.h"

namespace observe::promconfig {
namespace {

TEST(TargetUrl, ParamsOverriddenByParamLabelsAsTestTargetURL) {
  ScrapeConfig cfg;
  cfg.params = {{"abc", {"foo", "bar", "baz"}}, {"xyz", {"hoo"}}};
  Labels l{{"__address__", "example.com:1234"},
           {"__scheme__", "https"},
           {"__metrics_path__", "/metricz"},
           {"__param_abc", "overwrite"},
           {"__param_cde", "huu"}};
  EXPECT_EQ(target_url(l, cfg),
            "https://example.com:1234/metricz?abc=overwrite&abc=bar&abc=baz&cde=huu&xyz=hoo");
}

TEST(TargetUrl, EscapesPathAndQueryAsNetUrl) {
  ScrapeConfig cfg;
  Labels l{{"__address__", "127.0.0.1:9100"},
           {"__scheme__", "http"},
           {"__metrics_path__", "probe me/a+b"},
           {"__param_target", "a b&c=d/é"}};
  EXPECT_EQ(target_url(l, cfg),
            "http://127.0.0.1:9100/probe%20me/a+b?target=a+b%26c%3Dd%2F%C3%A9");
}

TEST(AuthorizationHeader, BasicBearerAndNone) {
  ScrapeConfig cfg;
  EXPECT_EQ(authorization_header(cfg), "");
  cfg.basic_auth = BasicAuth{"Aladdin", "open sesame", ""};
  EXPECT_EQ(authorization_header(cfg), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  cfg.basic_auth.reset();
  cfg.authorization = Authorization{"Bearer", "tok", ""};
  EXPECT_EQ(authorization_header(cfg), "Bearer tok");
}

}  // namespace
}  // namespace observe::promconfig
