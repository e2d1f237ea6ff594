// The series Prometheus writes about every scrape of a target.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/common/labels.h"
#include "core/scrape/sample.h"

namespace observe::scrape {

struct ScrapeReport {
  bool up = false;
  double duration_seconds = 0;
  size_t samples_scraped = 0;
  size_t samples_post_metric_relabeling = 0;
  size_t series_added = 0;
};

// up, scrape_duration_seconds, scrape_samples_scraped, scrape_samples_post_metric_relabeling,
// scrape_series_added — with the target's labels (built once per target configuration).
using ReportSeries = std::array<SeriesPtr, 5>;
ReportSeries report_series(const Labels& target);

// The five report samples at the scrape time.
void append_report(const ScrapeReport& report, const ReportSeries& series, int64_t time_ms,
                   std::vector<Sample>* out);

// The same five series with stale markers: the target is gone.
void append_stale_report(const ReportSeries& series, int64_t time_ms, std::vector<Sample>* out);

}  // namespace observe::scrape
