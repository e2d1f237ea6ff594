// One scrape target's loop, minus the HTTP: what Prometheus's scrape loop writes for each
// scrape (samples with target labels, stale markers, report series), given the response.
//
//   scrape::TargetState state(config);            // one per target, kept between scrapes
//   // after a GET with scrape::request_headers(...):
//   auto r = ok ? state.scrape_succeeded(body, exposition::format_from_content_type(ct), t_ms, secs)
//               : state.scrape_failed(error, t_ms, secs);
//   write(r.samples);                             // then log r.error when !r.up
//   // when the target leaves the configuration:
//   write(state.target_removed(t_ms));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <unordered_set>

#include "core/common/labels.h"
#include "core/exposition/types.h"
#include "core/relabel/relabel.h"
#include "core/scrape/report.h"
#include "core/scrape/sample.h"
#include "core/scrape/series_cache.h"
#include "core/scrape/target_labels.h"

namespace observe::scrape {

struct TargetConfig {
  Labels labels;  // job, instance and the configured labels; names starting "__" are dropped
  bool honor_labels = false;
  bool honor_timestamps = true;
  int64_t sample_limit = 0;  // samples per scrape; 0: no limit
  bool normalize_le_quantile = true;  // see LabelRules
  bool skip_created_series = false;   // OpenMetrics _created series are kept, as Prometheus
  // metric_relabel_configs, applied to each new series after the target labels; a series
  // they drop is not written and not counted in samples_post_metric_relabeling.
  std::vector<relabel::Config> metric_relabel;
  // Prometheus's label limits (0: none): a series past one fails the scrape.
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
};

// Prometheus drops samples more than this far ahead of the scrape time (out of bounds).
inline constexpr int64_t kMaxAheadMs = 10 * 60 * 1000;

struct ScrapeResult {
  // What to write, in order: the scraped samples (none when the scrape failed), stale
  // markers, the five report series.
  std::vector<Sample> samples;
  ScrapeReport report;        // up and the counts written in the report series
  std::string error;          // why up is 0: the fetch error, the parse error, the sample limit
  size_t stale_markers = 0;
  size_t duplicates = 0;      // same series again without timestamp: dropped, as Prometheus
  size_t out_of_bounds = 0;   // timestamps > scrape time + 10 min: dropped, up stays 1
};

class TargetState {
 public:
  explicit TargetState(TargetConfig config);

  // A new configuration for the same series (same labels and label rules; say, another
  // sample_limit): the series cache is kept, so staleness and series_added go on as before.
  void reconfigure(TargetConfig config);

  // A response arrived (status 200, body decompressed). A parse error or an exceeded
  // sample_limit fails the scrape: no sample is written, up = 0, and the series of the
  // previous scrape that the payload did not reach get stale markers.
  ScrapeResult scrape_succeeded(std::string_view body, exposition::Format format, int64_t scrape_time_ms,
                                double duration_seconds);

  // The fetch failed (connection, timeout, HTTP status, size): up = 0 and a stale marker for
  // every series of the previous scrape.
  ScrapeResult scrape_failed(std::string_view error, int64_t scrape_time_ms, double duration_seconds);

  // The target left the configuration: stale markers for its series and report series.
  std::vector<Sample> target_removed(int64_t time_ms);

  const TargetConfig& config() const { return config_; }

 private:
  struct Attempt;
  void run(std::string_view body, exposition::Format format, int64_t scrape_time_ms, Attempt* a);
  void append_stale(int64_t time_ms, ScrapeResult* r);

  TargetConfig config_;
  LabelRules rules_;
  SeriesCache cache_;
  ReportSeries report_;        // the five report series, with the target labels
  size_t last_samples_ = 0;    // samples of the last scrape, to size the next one's vector
  // Exposition texts metric relabeling dropped (Prometheus's dropped cache): those seen in
  // the last scrape are kept, so the set stays the size of one payload.
  std::unordered_set<std::string> dropped_, dropped_seen_;
};

}  // namespace observe::scrape
