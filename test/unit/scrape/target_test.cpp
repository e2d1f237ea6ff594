// The scrape loop's output, checked against what Prometheus's scrape loop writes
// (scrape/scrape.go and its tests: staleness, sample_limit, honor_*, series_added).
#include "core/scrape/target.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/common/stale.h"

namespace observe::scrape {
namespace {

using exposition::Format;

constexpr int64_t kT0 = 1700000000000;
constexpr int64_t kStep = 15000;

TargetConfig config() {
  TargetConfig c;
  c.labels = Labels{{"job", "node"}, {"instance", "h:9100"}};
  return c;
}

// Samples of the result that are not report series, keyed by series string.
std::map<std::string, Sample> scraped(const ScrapeResult& r) {
  std::map<std::string, Sample> out;
  for (const auto& s : r.samples) {
    std::string n(s.labels().metric_name());
    if (n == "up" || n.rfind("scrape_", 0) == 0) continue;
    EXPECT_TRUE(out.emplace(s.labels().to_string(), s).second) << "twice: " << s.labels().to_string();
  }
  return out;
}

double report_value(const ScrapeResult& r, std::string_view name) {
  for (const auto& s : r.samples)
    if (s.labels().metric_name() == name) return s.value;
  ADD_FAILURE() << "no " << name;
  return -1;
}


TEST(Target, SamplesGetTargetLabelsAndScrapeTime) {
  TargetState t(config());
  auto r = t.scrape_succeeded("a 1\nb{x=\"y\"} 2\n", Format::kPrometheusText, kT0, 0.002);
  EXPECT_TRUE(r.report.up);
  EXPECT_TRUE(r.error.empty());
  auto s = scraped(r);
  ASSERT_EQ(s.size(), 2u);
  const auto& a = s.at("a{instance=\"h:9100\", job=\"node\"}");
  EXPECT_EQ(a.value, 1);
  EXPECT_EQ(a.timestamp_ms, kT0);
  EXPECT_EQ(s.at("b{instance=\"h:9100\", job=\"node\", x=\"y\"}").value, 2);
  // Report series: five, with the target labels, at the scrape time.
  EXPECT_EQ(r.samples.size(), 7u);
  EXPECT_EQ(report_value(r, "up"), 1);
  EXPECT_EQ(report_value(r, "scrape_duration_seconds"), 0.002);
  EXPECT_EQ(report_value(r, "scrape_samples_scraped"), 2);
  EXPECT_EQ(report_value(r, "scrape_samples_post_metric_relabeling"), 2);
  EXPECT_EQ(report_value(r, "scrape_series_added"), 2);
  for (const auto& x : r.samples) {
    EXPECT_EQ(x.labels().get("job"), "node");
    EXPECT_EQ(x.labels().get("instance"), "h:9100");
  }
  EXPECT_EQ(r.samples.back().labels().to_string(), "scrape_series_added{instance=\"h:9100\", job=\"node\"}");
  EXPECT_EQ(r.samples.back().timestamp_ms, kT0);
}

TEST(Target, SeriesAddedCountsOnlyNewSeries) {
  TargetState t(config());
  EXPECT_EQ(t.scrape_succeeded("a 1\nb 1\n", Format::kPrometheusText, kT0, 0).report.series_added, 2u);
  auto r2 = t.scrape_succeeded("a 2\nb 2\nc 2\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_EQ(r2.report.series_added, 1u);
  EXPECT_EQ(report_value(r2, "scrape_series_added"), 1);
  EXPECT_EQ(t.scrape_succeeded("a 3\nb 3\nc 3\n", Format::kPrometheusText, kT0 + 2 * kStep, 0).report.series_added, 0u);
}

TEST(Target, StaleMarkerForADisappearedSeries) {
  TargetState t(config());
  t.scrape_succeeded("a 1\nb 1\n", Format::kPrometheusText, kT0, 0);
  auto r = t.scrape_succeeded("a 2\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_TRUE(r.report.up);
  EXPECT_EQ(r.stale_markers, 1u);
  auto s = scraped(r);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.at("a{instance=\"h:9100\", job=\"node\"}").value, 2);
  const auto& b = s.at("b{instance=\"h:9100\", job=\"node\"}");
  EXPECT_TRUE(is_stale_nan(b.value));
  EXPECT_EQ(b.timestamp_ms, kT0 + kStep);
  // Only once: the next scrape has nothing more to say about b.
  auto r3 = t.scrape_succeeded("a 3\n", Format::kPrometheusText, kT0 + 2 * kStep, 0);
  EXPECT_EQ(r3.stale_markers, 0u);
  // A series that comes back is new again.
  auto r4 = t.scrape_succeeded("a 4\nb 4\n", Format::kPrometheusText, kT0 + 3 * kStep, 0);
  EXPECT_EQ(r4.report.series_added, 1u);
}

TEST(Target, ReconfigureKeepsTheSeriesCache) {
  TargetState t(config());
  t.scrape_succeeded("a 1\nb 1\nc 1\n", Format::kPrometheusText, kT0, 0);
  TargetConfig limited = config();
  limited.sample_limit = 2;
  t.reconfigure(limited);
  // The new limit applies at once, and the cache survived: c, past the limit, goes stale
  // because the first scrape tracked it ...
  auto r = t.scrape_succeeded("a 2\nb 2\nc 2\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_FALSE(r.report.up);
  EXPECT_TRUE(is_stale_nan(scraped(r).at("c{instance=\"h:9100\", job=\"node\"}").value));
  // ... and within the limit again nothing is new.
  auto r2 = t.scrape_succeeded("a 3\nb 3\n", Format::kPrometheusText, kT0 + 2 * kStep, 0);
  EXPECT_TRUE(r2.report.up);
  EXPECT_EQ(r2.report.series_added, 0u);
}

TEST(Target, FailedScrapeMarksEverySeriesStaleAndUpZero) {
  TargetState t(config());
  t.scrape_succeeded("a 1\nb 1\n", Format::kPrometheusText, kT0, 0);
  auto r = t.scrape_failed("connection refused", kT0 + kStep, 0.5);
  EXPECT_FALSE(r.report.up);
  EXPECT_EQ(r.error, "connection refused");
  EXPECT_EQ(r.stale_markers, 2u);
  auto s = scraped(r);
  ASSERT_EQ(s.size(), 2u);
  for (const auto& [k, v] : s) {
    EXPECT_TRUE(is_stale_nan(v.value)) << k;
    EXPECT_EQ(v.timestamp_ms, kT0 + kStep);
  }
  EXPECT_EQ(report_value(r, "up"), 0);
  EXPECT_EQ(report_value(r, "scrape_duration_seconds"), 0.5);
  EXPECT_EQ(report_value(r, "scrape_samples_scraped"), 0);
  EXPECT_EQ(report_value(r, "scrape_series_added"), 0);
  // Failing again writes no second marker. Failed scrapes do not flush the cache, so when
  // the target recovers a and b are still known and not counted as added.
  auto r2 = t.scrape_failed("timeout", kT0 + 2 * kStep, 10);
  EXPECT_EQ(r2.stale_markers, 0u);
  auto r3 = t.scrape_succeeded("a 1\nb 1\n", Format::kPrometheusText, kT0 + 3 * kStep, 0);
  EXPECT_TRUE(r3.report.up);
  EXPECT_EQ(r3.report.series_added, 0u);
  EXPECT_EQ(scraped(r3).size(), 2u);
}

TEST(Target, ParseErrorFailsTheScrape) {
  TargetState t(config());
  t.scrape_succeeded("a 1\nb 1\n", Format::kPrometheusText, kT0, 0);
  auto r = t.scrape_succeeded("c 1\n7&-\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_FALSE(r.report.up);
  EXPECT_NE(r.error.find("line 2:"), std::string::npos) << r.error;
  auto s = scraped(r);
  // No sample of the failed payload is written; a and b go stale.
  ASSERT_EQ(s.size(), 2u);
  EXPECT_TRUE(is_stale_nan(s.at("a{instance=\"h:9100\", job=\"node\"}").value));
  EXPECT_TRUE(is_stale_nan(s.at("b{instance=\"h:9100\", job=\"node\"}").value));
  EXPECT_EQ(report_value(r, "up"), 0);
  EXPECT_EQ(report_value(r, "scrape_samples_scraped"), 1);  // what was parsed before the error
}

TEST(Target, OpenMetricsWithoutEofFails) {
  TargetState t(config());
  auto r = t.scrape_succeeded("a 1\n", Format::kOpenMetrics, kT0, 0);
  EXPECT_FALSE(r.report.up);
  EXPECT_NE(r.error.find("# EOF"), std::string::npos);
  EXPECT_TRUE(scraped(r).empty());
  auto ok = t.scrape_succeeded("a 1\n# EOF\n", Format::kOpenMetrics, kT0 + kStep, 0);
  EXPECT_TRUE(ok.report.up);
  EXPECT_EQ(scraped(ok).size(), 1u);
}

TEST(Target, EmptyBodyIsAnEmptyScrape) {
  TargetState t(config());
  t.scrape_succeeded("a 1\n", Format::kPrometheusText, kT0, 0);
  auto r = t.scrape_succeeded("", Format::kOpenMetrics, kT0 + kStep, 0);
  EXPECT_TRUE(r.report.up);  // as Prometheus: no parse of an empty body
  EXPECT_EQ(r.stale_markers, 1u);
  EXPECT_EQ(report_value(r, "scrape_samples_scraped"), 0);
}

TEST(Target, SampleLimitFailsTheWholeScrape) {
  TargetConfig c = config();
  c.sample_limit = 4;
  TargetState t(c);
  auto r1 = t.scrape_succeeded("a 10\nb 10\nc 10\nd 10\n", Format::kPrometheusText, kT0, 0);
  EXPECT_TRUE(r1.report.up);
  EXPECT_EQ(scraped(r1).size(), 4u);

  auto r2 = t.scrape_succeeded("a 20\nb 20\nc 20\nd 20\ne 999\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_FALSE(r2.report.up);
  EXPECT_NE(r2.error.find("sample limit exceeded"), std::string::npos);
  EXPECT_EQ(report_value(r2, "up"), 0);
  EXPECT_EQ(report_value(r2, "scrape_samples_scraped"), 5);  // parsing goes on past the limit
  EXPECT_EQ(report_value(r2, "scrape_samples_post_metric_relabeling"), 5);
  // No sample of the scrape is written. The four series still exposed within the limit get
  // no stale marker (Prometheus's TestScrapeLoopRunCreatesStaleMarkersOnSampleLimit).
  EXPECT_TRUE(scraped(r2).empty());
  EXPECT_EQ(r2.samples.size(), 5u);  // the report series only

  auto r3 = t.scrape_succeeded("a 30\nb 30\nc 30\nd 30\n", Format::kPrometheusText, kT0 + 2 * kStep, 0);
  EXPECT_TRUE(r3.report.up);
  EXPECT_EQ(scraped(r3).size(), 4u);

  auto r4 = t.scrape_failed("canceled", kT0 + 3 * kStep, 0);
  EXPECT_EQ(r4.stale_markers, 4u);
}

TEST(Target, SampleLimitWithDisappearingSeries) {
  // Prometheus's TestScrapeLoopAppendSampleLimitWithDisappearingSeries.
  TargetConfig c = config();
  c.sample_limit = 4;
  TargetState t(c);
  auto r1 = t.scrape_succeeded("a 1\nb 1\nc 1\n", Format::kPrometheusText, kT0, 0);
  EXPECT_EQ(r1.report.series_added, 3u);
  auto r2 = t.scrape_succeeded("a 1\nb 1\nc 1\nd 1\ne 1\nf 1\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_FALSE(r2.report.up);
  EXPECT_EQ(r2.report.samples_scraped, 6u);
  EXPECT_EQ(r2.report.samples_post_metric_relabeling, 6u);
  EXPECT_EQ(r2.report.series_added, 1u);  // d, before the limit was hit
  EXPECT_EQ(r2.stale_markers, 0u);
  auto r3 = t.scrape_succeeded("a 1\nb 1\n", Format::kPrometheusText, kT0 + 2 * kStep, 0);
  EXPECT_TRUE(r3.report.up);
  EXPECT_EQ(r3.report.series_added, 0u);
  auto s = scraped(r3);
  ASSERT_EQ(s.size(), 4u);  // a, b, and stale markers for c and d (not e, f: never written)
  EXPECT_TRUE(is_stale_nan(s.at("c{instance=\"h:9100\", job=\"node\"}").value));
  EXPECT_TRUE(is_stale_nan(s.at("d{instance=\"h:9100\", job=\"node\"}").value));
}

TEST(Target, SampleLimitReplaceAllSamples) {
  TargetConfig c = config();
  c.sample_limit = 4;
  TargetState t(c);
  t.scrape_succeeded("a 1\nb 1\nc 1\nd 1\n", Format::kPrometheusText, kT0, 0);
  auto r = t.scrape_succeeded("e 1\nf 1\ng 1\nh 1\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_TRUE(r.report.up);
  EXPECT_EQ(r.report.series_added, 4u);
  EXPECT_EQ(r.stale_markers, 4u);
  EXPECT_EQ(scraped(r).size(), 8u);
}

TEST(Target, HonorTimestamps) {
  const char* payload = "a 1 1600000000000\nb 2\n";
  {
    TargetState t(config());
    auto s = scraped(t.scrape_succeeded(payload, Format::kPrometheusText, kT0, 0));
    EXPECT_EQ(s.at("a{instance=\"h:9100\", job=\"node\"}").timestamp_ms, 1600000000000);
    EXPECT_EQ(s.at("b{instance=\"h:9100\", job=\"node\"}").timestamp_ms, kT0);
    // A series with its own timestamp never gets a stale marker.
    auto r2 = t.scrape_succeeded("", Format::kPrometheusText, kT0 + kStep, 0);
    auto s2 = scraped(r2);
    ASSERT_EQ(s2.size(), 1u);
    EXPECT_TRUE(s2.count("b{instance=\"h:9100\", job=\"node\"}"));
  }
  {
    TargetConfig c = config();
    c.honor_timestamps = false;
    TargetState t(c);
    auto s = scraped(t.scrape_succeeded(payload, Format::kPrometheusText, kT0, 0));
    EXPECT_EQ(s.at("a{instance=\"h:9100\", job=\"node\"}").timestamp_ms, kT0);
    // Without its timestamp the series does take part in staleness.
    EXPECT_EQ(t.scrape_succeeded("", Format::kPrometheusText, kT0 + kStep, 0).stale_markers, 2u);
  }
}

TEST(Target, OpenMetricsTimestampsAreSeconds) {
  TargetState t(config());
  auto s = scraped(t.scrape_succeeded("a 1 1699999999.5\n# EOF\n", Format::kOpenMetrics, kT0, 0));
  EXPECT_EQ(s.at("a{instance=\"h:9100\", job=\"node\"}").timestamp_ms, 1699999999500);
}

TEST(Target, SamplesTooFarInTheFutureAreDropped) {
  TargetState t(config());
  std::string payload = "a 1 " + std::to_string(kT0 + kMaxAheadMs + 1) + "\nb 1 " +
                        std::to_string(kT0 + kMaxAheadMs) + "\n";
  auto r = t.scrape_succeeded(payload, Format::kPrometheusText, kT0, 0);
  EXPECT_TRUE(r.report.up);
  EXPECT_EQ(r.out_of_bounds, 1u);
  auto s = scraped(r);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.count("b{instance=\"h:9100\", job=\"node\"}"));
  EXPECT_EQ(report_value(r, "scrape_samples_scraped"), 2);
}

TEST(Target, DuplicateSeriesInOneScrapeKeepsTheFirst) {
  TargetState t(config());
  auto r = t.scrape_succeeded("a 1\na 2\nb{x=\"1\",y=\"2\"} 3\nb{y=\"2\",x=\"1\"} 4\n", Format::kPrometheusText, kT0, 0);
  EXPECT_TRUE(r.report.up);
  EXPECT_EQ(r.duplicates, 2u);
  auto s = scraped(r);
  EXPECT_EQ(s.at("a{instance=\"h:9100\", job=\"node\"}").value, 1);
  EXPECT_EQ(s.at("b{instance=\"h:9100\", job=\"node\", x=\"1\", y=\"2\"}").value, 3);
  EXPECT_EQ(report_value(r, "scrape_samples_scraped"), 4);
  EXPECT_EQ(report_value(r, "scrape_series_added"), 2);
}

TEST(Target, HonorLabelsAndExportedPrefix) {
  const char* payload = "m{job=\"app\"} 1\n";
  {
    TargetState t(config());
    auto r = t.scrape_succeeded(payload, Format::kPrometheusText, kT0, 0);
    EXPECT_EQ(scraped(r).count("m{exported_job=\"app\", instance=\"h:9100\", job=\"node\"}"), 1u);
  }
  {
    TargetConfig c = config();
    c.honor_labels = true;
    TargetState t(c);
    auto r = t.scrape_succeeded(payload, Format::kPrometheusText, kT0, 0);
    EXPECT_EQ(scraped(r).count("m{instance=\"h:9100\", job=\"app\"}"), 1u);
    // Report series always carry the target's own labels.
    EXPECT_EQ(r.samples.back().labels().get("job"), "node");
  }
}

TEST(Target, ReservedTargetLabelsDropped) {
  TargetConfig c = config();
  c.labels.set("__address__", "h:9100");
  c.labels.set("env", "prod");
  TargetState t(c);
  auto r = t.scrape_succeeded("a 1\n", Format::kPrometheusText, kT0, 0);
  EXPECT_EQ(scraped(r).count("a{env=\"prod\", instance=\"h:9100\", job=\"node\"}"), 1u);
}

TEST(Target, TargetRemovedMarksItsSeriesAndReportStale) {
  TargetState t(config());
  t.scrape_succeeded("a 1\nb 1 1600000000000\n", Format::kPrometheusText, kT0, 0);
  auto out = t.target_removed(kT0 + kStep);
  ASSERT_EQ(out.size(), 6u);  // a (b has its own timestamp) + five report series
  for (const auto& s : out) {
    EXPECT_TRUE(is_stale_nan(s.value)) << s.labels().to_string();
    EXPECT_EQ(s.timestamp_ms, kT0 + kStep);
  }
  EXPECT_EQ(out[0].labels().to_string(), "a{instance=\"h:9100\", job=\"node\"}");
  EXPECT_EQ(out[1].labels().metric_name(), "up");
}

TEST(Target, CreatedSeriesOption) {
  const char* payload = "# TYPE c counter\nc_total 1\nc_created 1600000000\n# EOF\n";
  TargetState keep(config());
  EXPECT_EQ(scraped(keep.scrape_succeeded(payload, Format::kOpenMetrics, kT0, 0)).size(), 2u);
  TargetConfig c = config();
  c.skip_created_series = true;
  TargetState skip(c);
  auto r = skip.scrape_succeeded(payload, Format::kOpenMetrics, kT0, 0);
  EXPECT_EQ(scraped(r).size(), 1u);
  EXPECT_EQ(r.report.samples_scraped, 1u);
}

TEST(Target, NaNValuesStayNormalNaN) {
  TargetState t(config());
  auto s = scraped(t.scrape_succeeded("a NaN\n", Format::kPrometheusText, kT0, 0));
  const auto& a = s.at("a{instance=\"h:9100\", job=\"node\"}");
  EXPECT_TRUE(std::isnan(a.value));
  EXPECT_FALSE(is_stale_nan(a.value));
}

// The scrape cache finds a steady-state sample by its exposition text: the same Series object
// (and so the storage's handle kept on it) comes back scrape after scrape.
TEST(Target, SteadyStateReusesTheCachedSeries) {
  TargetState t(config());
  auto r1 = t.scrape_succeeded("a 1\nb{x=\"y\"} 2\n", Format::kPrometheusText, kT0, 0);
  auto r2 = t.scrape_succeeded("a 3\nb{x=\"y\"} 4\n", Format::kPrometheusText, kT0 + kStep, 0);
  ASSERT_EQ(r1.samples.size(), 7u);
  ASSERT_EQ(r2.samples.size(), 7u);
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(r1.samples[i].series.get(), r2.samples[i].series.get()) << i;
  r1.samples[0].series->ref.id = 42;  // what the storage layer does
  EXPECT_EQ(r2.samples[0].series->ref.id, 42);
  EXPECT_EQ(r2.samples[1].value, 4);
  EXPECT_EQ(report_value(r2, "scrape_series_added"), 0);
}

// Two texts of one label set (label order, an empty label) are one series: the second is a
// duplicate in the same scrape, and in the next scrape either text finds the series.
TEST(Target, DifferentTextsOfOneSeries) {
  TargetState t(config());
  auto r1 = t.scrape_succeeded("b{x=\"1\",y=\"2\"} 3\nb{y=\"2\",z=\"\",x=\"1\"} 4\n", Format::kPrometheusText, kT0, 0);
  EXPECT_EQ(r1.duplicates, 1u);
  EXPECT_EQ(report_value(r1, "scrape_series_added"), 1);
  auto r2 = t.scrape_succeeded("b{y=\"2\",z=\"\",x=\"1\"} 5\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_EQ(r2.duplicates, 0u);
  EXPECT_EQ(r2.stale_markers, 0u);
  EXPECT_EQ(report_value(r2, "scrape_series_added"), 0);
  EXPECT_EQ(r1.samples[0].series.get(), r2.samples[0].series.get());
  EXPECT_EQ(r2.samples[0].value, 5);
  auto r3 = t.scrape_succeeded("b{x=\"1\",y=\"2\"} 6\n", Format::kPrometheusText, kT0 + 2 * kStep, 0);
  EXPECT_EQ(r3.stale_markers, 0u);
  EXPECT_EQ(r1.samples[0].series.get(), r3.samples[0].series.get());
}

// The family type is part of the text's key: `le` is normalised only in a histogram.
TEST(Target, TextKeyIncludesTheFamilyType) {
  TargetState t(config());
  auto r1 = t.scrape_succeeded("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n",
                               Format::kPrometheusText, kT0, 0);
  auto s1 = scraped(r1);
  EXPECT_EQ(s1.count("h_bucket{instance=\"h:9100\", job=\"node\", le=\"1.0\"}"), 1u);
  auto r2 = t.scrape_succeeded("h_bucket{le=\"1\"} 2\n", Format::kPrometheusText, kT0 + kStep, 0);
  auto s2 = scraped(r2);
  EXPECT_EQ(s2.count("h_bucket{instance=\"h:9100\", job=\"node\", le=\"1\"}"), 1u);
  EXPECT_EQ(report_value(r2, "scrape_series_added"), 1);
  EXPECT_EQ(r2.stale_markers, 4u);  // the histogram's four series
}

// A series that leaves and comes back is a new cache entry found again by its text.
TEST(Target, SeriesThatComesBackIsAddedAgain) {
  TargetState t(config());
  t.scrape_succeeded("a 1\nb 1\n", Format::kPrometheusText, kT0, 0);
  auto r2 = t.scrape_succeeded("a 2\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_EQ(r2.stale_markers, 1u);
  auto r3 = t.scrape_succeeded("a 3\nb 3\n", Format::kPrometheusText, kT0 + 2 * kStep, 0);
  EXPECT_EQ(r3.stale_markers, 0u);
  EXPECT_EQ(report_value(r3, "scrape_series_added"), 1);
  EXPECT_EQ(scraped(r3).at("b{instance=\"h:9100\", job=\"node\"}").value, 3);
}

// The order prediction only saves hashing: payloads in another order, with series gone, new
// and duplicated, resolve exactly as by lookup.
TEST(Target, PayloadOrderChangesResolveTheSame) {
  TargetState t(config());
  auto r1 = t.scrape_succeeded("a 1\nb 1\nc 1\nd 1\n", Format::kPrometheusText, kT0, 0);
  auto r2 = t.scrape_succeeded("d 2\nb 2\ne 2\nb 3\na 2\n", Format::kPrometheusText, kT0 + kStep, 0);
  EXPECT_EQ(r2.duplicates, 1u);
  EXPECT_EQ(r2.stale_markers, 1u);  // c
  EXPECT_EQ(report_value(r2, "scrape_series_added"), 1);  // e
  auto s2 = scraped(r2);
  EXPECT_EQ(s2.at("b{instance=\"h:9100\", job=\"node\"}").value, 2);
  EXPECT_EQ(s2.at("a{instance=\"h:9100\", job=\"node\"}").value, 2);
  auto r3 = t.scrape_succeeded("a 3\nb 4\nc 3\nd 3\ne 3\n", Format::kPrometheusText, kT0 + 2 * kStep, 0);
  EXPECT_EQ(r3.duplicates, 0u);
  EXPECT_EQ(r3.stale_markers, 0u);
  EXPECT_EQ(report_value(r3, "scrape_series_added"), 1);  // c again
  EXPECT_EQ(r1.samples[0].series.get(), r3.samples[0].series.get());  // a
  EXPECT_EQ(r1.samples[3].series.get(), r3.samples[3].series.get());  // d
  auto r4 = t.scrape_failed("timeout", kT0 + 3 * kStep, 0);
  EXPECT_EQ(r4.stale_markers, 5u);
  auto r5 = t.scrape_succeeded("e 5\nd 5\n", Format::kPrometheusText, kT0 + 4 * kStep, 0);
  EXPECT_EQ(scraped(r5).size(), 2u);
  EXPECT_EQ(report_value(r5, "scrape_series_added"), 0);
  auto r6 = t.scrape_succeeded("e 6\nd 6\n", Format::kPrometheusText, kT0 + 5 * kStep, 0);
  EXPECT_EQ(r6.samples[0].series.get(), r5.samples[0].series.get());
  EXPECT_EQ(r6.samples[1].value, 6);
}

}  // namespace
}  // namespace observe::scrape
