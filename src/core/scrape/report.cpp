#include "core/scrape/report.h"

#include "core/common/stale.h"

namespace observe::scrape {

static const char* const kReportNames[] = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
};

ReportSeries report_series(const Labels& target) {
  ReportSeries out;
  for (size_t i = 0; i < out.size(); ++i) {
    Labels l = target;
    l.set(kMetricNameLabel, kReportNames[i]);
    out[i] = make_series(std::move(l));
  }
  return out;
}

static void append_values(const double (&values)[5], const ReportSeries& series, int64_t time_ms,
                          std::vector<Sample>* out) {
  for (size_t i = 0; i < 5; ++i) out->push_back({series[i], time_ms, values[i]});
}

void append_report(const ScrapeReport& r, const ReportSeries& series, int64_t time_ms,
                   std::vector<Sample>* out) {
  const double values[5] = {r.up ? 1.0 : 0.0, r.duration_seconds, static_cast<double>(r.samples_scraped),
                            static_cast<double>(r.samples_post_metric_relabeling),
                            static_cast<double>(r.series_added)};
  append_values(values, series, time_ms, out);
}

void append_stale_report(const ReportSeries& series, int64_t time_ms, std::vector<Sample>* out) {
  const double s = stale_nan();
  const double values[5] = {s, s, s, s, s};
  append_values(values, series, time_ms, out);
}

}  // namespace observe::scrape
