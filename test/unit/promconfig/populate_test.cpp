// TestPopulateLabels of Prometheus 2.42 (scrape/manager_test.go), every case, as data.
#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/promconfig/populate.h"

namespace observe::promconfig {
namespace {

ScrapeConfig job(const std::string& scheme) {
  ScrapeConfig c;
  c.scheme = scheme;
  c.metrics_path = "/metrics";
  c.job_name = "job";
  c.scrape_interval_ms = 1000;
  c.scrape_timeout_ms = 1000;
  return c;
}

ScrapeConfig with_address_from_custom() {
  ScrapeConfig c = job("https");
  relabel::Config r;
  r.regex = std::make_shared<const relabel::Regex>("(.*)");
  r.source_labels = {"custom"};
  r.replacement = "${1}";
  r.target_label = "__address__";
  c.relabel_configs = {r};
  return c;
}

struct Case {
  Labels in;
  ScrapeConfig cfg;
  bool no_default_port;
  Labels res;
  Labels orig;
  std::string err;
};

TEST(PopulateLabels, PrometheusCases) {
  const std::vector<Case> cases = {
      // Regular population of scrape config options.
      {{{"__address__", "1.2.3.4:1000"}, {"custom", "value"}},
       job("https"), false,
       {{"__address__", "1.2.3.4:1000"}, {"instance", "1.2.3.4:1000"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}, {"custom", "value"}},
       {{"__address__", "1.2.3.4:1000"}, {"__scheme__", "https"}, {"__metrics_path__", "/metrics"},
        {"job", "job"}, {"custom", "value"}, {"__scrape_interval__", "1s"}, {"__scrape_timeout__", "1s"}},
       ""},
      // Pre-define/overwrite scrape config labels; the port defaults from the scheme.
      {{{"__address__", "1.2.3.4"}, {"__scheme__", "http"}, {"__metrics_path__", "/custom"},
        {"job", "custom-job"}, {"__scrape_interval__", "2s"}, {"__scrape_timeout__", "2s"}},
       job("https"), false,
       {{"__address__", "1.2.3.4:80"}, {"instance", "1.2.3.4:80"}, {"__scheme__", "http"},
        {"__metrics_path__", "/custom"}, {"job", "custom-job"}, {"__scrape_interval__", "2s"},
        {"__scrape_timeout__", "2s"}},
       {{"__address__", "1.2.3.4"}, {"__scheme__", "http"}, {"__metrics_path__", "/custom"},
        {"job", "custom-job"}, {"__scrape_interval__", "2s"}, {"__scrape_timeout__", "2s"}},
       ""},
      // Provide instance label. HTTPS port default for IPv6.
      {{{"__address__", "[::1]"}, {"instance", "custom-instance"}},
       job("https"), false,
       {{"__address__", "[::1]:443"}, {"instance", "custom-instance"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}},
       {{"__address__", "[::1]"}, {"instance", "custom-instance"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}},
       ""},
      // Address label missing.
      {{{"custom", "value"}}, job("https"), false, {}, {}, "no address"},
      // Address label missing, but added in relabelling (the Go test has this case twice).
      {{{"custom", "host:1234"}},
       with_address_from_custom(), false,
       {{"__address__", "host:1234"}, {"instance", "host:1234"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}, {"custom", "host:1234"}},
       {{"__scheme__", "https"}, {"__metrics_path__", "/metrics"}, {"job", "job"},
        {"__scrape_interval__", "1s"}, {"__scrape_timeout__", "1s"}, {"custom", "host:1234"}},
       ""},
      {{{"custom", "host:1234"}},
       with_address_from_custom(), false,
       {{"__address__", "host:1234"}, {"instance", "host:1234"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}, {"custom", "host:1234"}},
       {{"__scheme__", "https"}, {"__metrics_path__", "/metrics"}, {"job", "job"},
        {"__scrape_interval__", "1s"}, {"__scrape_timeout__", "1s"}, {"custom", "host:1234"}},
       ""},
      // Invalid UTF-8 in label.
      {{{"__address__", "1.2.3.4:1000"}, {"custom", "\xbd"}}, job("https"), false, {}, {},
       "invalid label value for \"custom\": \"\\xbd\""},
      // Invalid duration in interval label.
      {{{"__address__", "1.2.3.4:1000"}, {"__scrape_interval__", "2notseconds"}}, job("https"), false, {}, {},
       "error parsing scrape interval: not a valid duration string: \"2notseconds\""},
      // Invalid duration in timeout label.
      {{{"__address__", "1.2.3.4:1000"}, {"__scrape_timeout__", "2notseconds"}}, job("https"), false, {}, {},
       "error parsing scrape timeout: not a valid duration string: \"2notseconds\""},
      // 0 interval in timeout label.
      {{{"__address__", "1.2.3.4:1000"}, {"__scrape_interval__", "0s"}}, job("https"), false, {}, {},
       "scrape interval cannot be 0"},
      // 0 duration in timeout label.
      {{{"__address__", "1.2.3.4:1000"}, {"__scrape_timeout__", "0s"}}, job("https"), false, {}, {},
       "scrape timeout cannot be 0"},
      // Timeout less than interval.
      {{{"__address__", "1.2.3.4:1000"}, {"__scrape_interval__", "1s"}, {"__scrape_timeout__", "2s"}},
       job("https"), false, {}, {},
       "scrape timeout cannot be greater than scrape interval (\"2s\" > \"1s\")"},
      // Don't attach default port.
      {{{"__address__", "1.2.3.4"}},
       job("https"), true,
       {{"__address__", "1.2.3.4"}, {"instance", "1.2.3.4"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}},
       {{"__address__", "1.2.3.4"}, {"__scheme__", "https"}, {"__metrics_path__", "/metrics"},
        {"job", "job"}, {"__scrape_interval__", "1s"}, {"__scrape_timeout__", "1s"}},
       ""},
      // Remove default port (http).
      {{{"__address__", "1.2.3.4:80"}},
       job("http"), true,
       {{"__address__", "1.2.3.4"}, {"instance", "1.2.3.4:80"}, {"__scheme__", "http"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}},
       {{"__address__", "1.2.3.4:80"}, {"__scheme__", "http"}, {"__metrics_path__", "/metrics"},
        {"job", "job"}, {"__scrape_interval__", "1s"}, {"__scrape_timeout__", "1s"}},
       ""},
      // Remove default port (https).
      {{{"__address__", "1.2.3.4:443"}},
       job("https"), true,
       {{"__address__", "1.2.3.4"}, {"instance", "1.2.3.4:443"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}},
       {{"__address__", "1.2.3.4:443"}, {"__scheme__", "https"}, {"__metrics_path__", "/metrics"},
        {"job", "job"}, {"__scrape_interval__", "1s"}, {"__scrape_timeout__", "1s"}},
       ""},
  };
  ASSERT_EQ(cases.size(), 15u);  // the cases of TestPopulateLabels in 2.42
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::string err;
    PopulatedTarget got;
    try {
      got = populate_labels(c.in, c.cfg, c.no_default_port);
    } catch (const Error& e) {
      err = e.what();
    }
    EXPECT_EQ(err, c.err) << "case " << i;
    EXPECT_EQ(got.labels.to_string(), c.res.to_string()) << "case " << i;
    EXPECT_EQ(got.discovered.to_string(), c.orig.to_string()) << "case " << i;
  }
}

TEST(PopulateLabels, DroppedTargetKeepsItsDiscoveredLabels) {
  ScrapeConfig c = job("http");
  relabel::Config drop;
  drop.action = relabel::Action::kDrop;
  drop.source_labels = {"__address__"};
  drop.regex = std::make_shared<const relabel::Regex>("10\\..*");
  c.relabel_configs = {drop};
  auto t = populate_labels({{"__address__", "10.0.0.1:9100"}, {"__meta_x", "y"}}, c);
  EXPECT_TRUE(t.dropped());
  EXPECT_EQ(t.discovered.get("__meta_x"), "y");
  auto kept = populate_labels({{"__address__", "127.0.0.1:9100"}, {"__meta_x", "y"}}, c);
  EXPECT_FALSE(kept.dropped());
  EXPECT_FALSE(kept.labels.has("__meta_x"));  // meta labels go after relabeling
  EXPECT_EQ(public_labels(kept.labels).to_string(), "{instance=\"127.0.0.1:9100\", job=\"job\"}");
}

TEST(PopulateLabels, ParamsAndSchemes) {
  ScrapeConfig c = job("ftp");
  c.params = {{"module", {"icmp", "tcp"}}, {"empty", {}}};
  try {
    populate_labels({{"__address__", "host"}}, c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "invalid scheme: \"ftp\"");
  }
  auto t = populate_labels({{"__address__", "host:1"}}, c);  // a port: the scheme is not looked at
  EXPECT_EQ(t.labels.get("__param_module"), "icmp");
  EXPECT_FALSE(t.labels.has("__param_empty"));
  try {
    populate_labels({{"__address__", "http://host"}}, job("http"));
    FAIL();
  } catch (const Error& e) {
    // SplitHostPort reads "http" and "//host": a port, so none is added.
    EXPECT_STREQ(e.what(), "\"http://host\" is not a valid hostname");
  }
}

TEST(SplitHostPort, LikeGoNet) {
  std::string h, p, err;
  EXPECT_TRUE(split_host_port("a:1", &h, &p));
  EXPECT_EQ(h + "|" + p, "a|1");
  EXPECT_TRUE(split_host_port("[::1]:80", &h, &p));
  EXPECT_EQ(h + "|" + p, "::1|80");
  EXPECT_TRUE(split_host_port(":80", &h, &p));
  EXPECT_EQ(h + "|" + p, "|80");
  EXPECT_FALSE(split_host_port("a", &h, &p, &err));
  EXPECT_EQ(err, "missing port in address");
  EXPECT_FALSE(split_host_port("::1", &h, &p, &err));
  EXPECT_EQ(err, "too many colons in address");
  EXPECT_FALSE(split_host_port("[::1]", &h, &p, &err));
  EXPECT_EQ(err, "missing port in address");
  EXPECT_FALSE(split_host_port("[::1", &h, &p, &err));
  EXPECT_EQ(err, "missing ']' in address");
  EXPECT_FALSE(split_host_port("[::1]x:80", &h, &p, &err));
  EXPECT_EQ(err, "missing port in address");
  EXPECT_FALSE(split_host_port("a]:80", &h, &p, &err));
  EXPECT_EQ(err, "unexpected ']' in address");
}

}  // namespace
}  // namespace observe::promconfig
