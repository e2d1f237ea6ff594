// metric_relabel_configs and the label limits in the scrape loop, as Prometheus 2.42's
// scrapeLoop.append (scrape/scrape.go; TestScrapeLoopAppend*Relabel*, TestScrapeLoopLabelLimit).
#include <gtest/gtest.h>

#include <map>

#include "core/scrape/target.h"

namespace observe::scrape {
namespace {

using exposition::Format;
constexpr int64_t kT0 = 1700000000000;

relabel::Config rule(relabel::Action action, std::vector<std::string> sources, std::string regex,
                     std::string target = "", std::string replacement = "$1") {
  relabel::Config r;
  r.action = action;
  r.source_labels = std::move(sources);
  r.source_labels_given = true;
  r.regex = std::make_shared<const relabel::Regex>(std::move(regex));
  r.regex_given = true;
  r.target_label = std::move(target);
  r.replacement = std::move(replacement);
  return r;
}

TargetConfig config() {
  TargetConfig c;
  c.labels = Labels{{"job", "node"}, {"instance", "h:9100"}};
  return c;
}

std::map<std::string, double> series(const ScrapeResult& r) {
  std::map<std::string, double> out;
  for (const auto& s : r.samples) {
    std::string n(s.labels().metric_name());
    if (n == "up" || n.rfind("scrape_", 0) == 0) continue;
    out[s.labels().to_string()] = s.value;
  }
  return out;
}

TEST(TargetRelabel, DropKeepAndRewriteSeries) {
  TargetConfig c = config();
  c.metric_relabel = {rule(relabel::Action::kDrop, {"__name__"}, "go_.*"),
                      rule(relabel::Action::kReplace, {"x"}, "(.+)", "y", "v-$1")};
  TargetState t(c);
  for (int i = 0; i < 2; i++) {  // the second scrape takes the cached drop decisions
    auto r = t.scrape_succeeded("go_gc 1\ngo_x 2\na{x=\"1\"} 3\nb 4\n", Format::kPrometheusText,
                                kT0 + i * 15000, 0);
    ASSERT_TRUE(r.report.up) << r.error;
    EXPECT_EQ(r.report.samples_scraped, 4u);
    EXPECT_EQ(r.report.samples_post_metric_relabeling, 2u);  // dropped samples not counted
    EXPECT_EQ(r.report.series_added, i == 0 ? 2u : 0u);
    auto s = series(r);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s.count("a{instance=\"h:9100\", job=\"node\", x=\"1\", y=\"v-1\"}"), 1u);
    EXPECT_EQ(s.count("b{instance=\"h:9100\", job=\"node\"}"), 1u);
  }
}

TEST(TargetRelabel, NewRulesOnReconfigureApplyAndDroppedSeriesGoStale) {
  TargetConfig c = config();
  c.metric_relabel = {rule(relabel::Action::kDrop, {"__name__"}, "a")};
  TargetState t(c);
  auto r1 = t.scrape_succeeded("a 1\nb 1\n", Format::kPrometheusText, kT0, 0);
  EXPECT_EQ(series(r1).size(), 1u);
  c.metric_relabel = {rule(relabel::Action::kDrop, {"__name__"}, "b")};
  t.reconfigure(c);
  auto r2 = t.scrape_succeeded("a 2\nb 2\n", Format::kPrometheusText, kT0 + 15000, 0);
  auto s = series(r2);
  ASSERT_EQ(s.size(), 2u);  // a now written, b ends with a staleness marker
  EXPECT_EQ(s.at("a{instance=\"h:9100\", job=\"node\"}"), 2);
  EXPECT_EQ(r2.stale_markers, 1u);
  EXPECT_EQ(r2.report.series_added, 1u);
}

TEST(TargetRelabel, SampleLimitCountsSamplesAfterRelabeling) {
  TargetConfig c = config();
  c.sample_limit = 2;
  c.metric_relabel = {rule(relabel::Action::kKeep, {"__name__"}, "a|b")};
  TargetState t(c);
  auto r = t.scrape_succeeded("a 1\nb 1\nc 1\nd 1\n", Format::kPrometheusText, kT0, 0);
  EXPECT_TRUE(r.report.up) << r.error;
  auto r2 = t.scrape_succeeded("a 1\nb 1\nc 1\nd 1\ne 1\n", Format::kPrometheusText, kT0 + 15000, 0);
  EXPECT_TRUE(r2.report.up) << r2.error;
  c.metric_relabel = {rule(relabel::Action::kKeep, {"__name__"}, "a|b|c")};
  TargetState t3(c);
  auto r3 = t3.scrape_succeeded("a 1\nb 1\nc 1\nd 1\n", Format::kPrometheusText, kT0, 0);
  EXPECT_FALSE(r3.report.up);
  EXPECT_NE(r3.error.find("sample limit exceeded"), std::string::npos);
}

TEST(TargetRelabel, RemovingTheNameFailsTheScrape) {
  TargetConfig c = config();
  c.metric_relabel = {rule(relabel::Action::kLabelDrop, {}, "__name__")};
  c.metric_relabel[0].source_labels_given = false;
  TargetState t(c);
  auto r = t.scrape_succeeded("a 1\n", Format::kPrometheusText, kT0, 0);
  EXPECT_FALSE(r.report.up);
  EXPECT_EQ(r.error, "__name__ label is missing");
  EXPECT_TRUE(series(r).empty());
}

TEST(TargetRelabel, LabelLimitsFailTheScrapeWithPrometheusMessages) {
  TargetConfig c = config();
  c.label_limit = 4;  // __name__, instance, job and one more
  TargetState t(c);
  EXPECT_TRUE(t.scrape_succeeded("a{x=\"1\"} 1\n", Format::kPrometheusText, kT0, 0).report.up);
  auto r = t.scrape_succeeded("a{x=\"1\"} 1\nb{x=\"1\",y=\"2\"} 1\n", Format::kPrometheusText, kT0 + 15000, 0);
  EXPECT_FALSE(r.report.up);
  EXPECT_EQ(r.error, "label_limit exceeded (metric: b, number of labels: 5, limit: 4)");

  TargetConfig n = config();
  n.label_name_length_limit = 8;
  TargetState tn(n);
  auto rn = tn.scrape_succeeded("a{long_name=\"1\"} 1\n", Format::kPrometheusText, kT0, 0);
  EXPECT_EQ(rn.error, "label_name_length_limit exceeded (metric: a, label name: long_name, length: 9, limit: 8)");

  TargetConfig v = config();
  v.label_value_length_limit = 6;
  TargetState tv(v);
  auto rv = tv.scrape_succeeded("a{x=\"1234567\"} 1\n", Format::kPrometheusText, kT0, 0);
  EXPECT_FALSE(rv.report.up);
  EXPECT_EQ(rv.error, "label_value_length_limit exceeded (metric: a, label name: x, value: \"1234567\", length: 7, limit: 6)");
}

}  // namespace
}  // namespace observe::scrape
