#include "core/scrape/target.h"

#include <utility>

#include "core/exposition/parser.h"
#include "core/common/stale.h"

namespace observe::scrape {

// verifyLabelLimits of Prometheus 2.42's scrape loop, with its messages.
static std::string label_limit_error(const Labels& lset, const TargetConfig& c) {
  std::string metric(lset.metric_name().substr(0, 50));
  if (c.label_limit > 0 && lset.size() > c.label_limit)
    return "label_limit exceeded (metric: " + metric + ", number of labels: " +
           std::to_string(lset.size()) + ", limit: " + std::to_string(c.label_limit) + ")";
  for (const auto& l : lset.items()) {
    // Go's len() counts bytes, as size() does.
    if (c.label_name_length_limit > 0 && l.name.size() > c.label_name_length_limit)
      return "label_name_length_limit exceeded (metric: " + metric + ", label name: " +
             l.name.substr(0, 50) + ", length: " + std::to_string(l.name.size()) +
             ", limit: " + std::to_string(c.label_name_length_limit) + ")";
    if (c.label_value_length_limit > 0 && l.value.size() > c.label_value_length_limit)
      return "label_value_length_limit exceeded (metric: " + metric + ", label name: " +
             l.name.substr(0, 50) + ", value: \"" + l.value.substr(0, 50) + "\", length: " +
             std::to_string(l.value.size()) + ", limit: " +
             std::to_string(c.label_value_length_limit) + ")";
  }
  return "";
}

static std::string dropped_key(std::string_view text, uint8_t type) {
  std::string k(text);
  k.push_back(static_cast<char>(type));
  return k;
}

static Labels without_reserved(const Labels& in) {
  Labels out;
  for (const auto& l : in.items())
    if (l.name.compare(0, 2, "__") != 0) out.set(l.name, l.value);
  return out;
}

TargetState::TargetState(TargetConfig config) { reconfigure(std::move(config)); }

void TargetState::reconfigure(TargetConfig config) {
  config_ = std::move(config);
  config_.labels = without_reserved(config_.labels);  // Prometheus drops __ labels after relabeling
  rules_.honor_labels = config_.honor_labels;
  rules_.normalize_le_quantile = config_.normalize_le_quantile;
  // The label rules may have changed: texts resolve again (the series themselves stay).
  cache_.forget_texts();
  dropped_.clear();
  dropped_seen_.clear();
  report_ = report_series(config_.labels);
}

struct TargetState::Attempt {
  std::vector<Sample> samples;
  size_t total = 0, added = 0, series_added = 0, duplicates = 0, out_of_bounds = 0;
  std::string error;
};

// One pass over the payload, as Prometheus's scrapeLoopAppender.append: the samples up to a
// parse error or past the sample limit still update the cache, so the failure leaves the
// same cache state, stale markers and counts as in Prometheus.
void TargetState::run(std::string_view body, exposition::Format format, int64_t now, Attempt* a) {
  exposition::ParserOptions popts;
  popts.skip_created_series = config_.skip_created_series;
  size_t appended = 0;
  bool limit_hit = false;
  a->samples.reserve(last_samples_ + 8);
  try {
    exposition::Parser parser(body, format, popts);
    exposition::Entry e;
    while (parser.next(&e)) {
      if (e.kind != exposition::EntryKind::kSample) continue;
      ++a->total;
      const bool explicit_ts = config_.honor_timestamps && e.has_timestamp;
      const int64_t t = explicit_ts ? e.timestamp_ms : now;
      // Steady state: the exposition text resolves to its cached series, no label set built.
      const uint8_t type = static_cast<uint8_t>(e.type);
      SeriesCache::Entry* ce = cache_.find_text(e.series, type);
      Labels lset;
      if (ce == nullptr && !dropped_.empty()) {
        auto d = dropped_.find(dropped_key(e.series, type));
        if (d != dropped_.end()) {
          dropped_seen_.insert(*d);
          continue;
        }
      }
      if (ce == nullptr) {
        lset = attach_target_labels(e, config_.labels, rules_);
        if (!config_.metric_relabel.empty()) {
          auto relabeled = relabel::process(lset, config_.metric_relabel);
          if (!relabeled || relabeled->empty()) {
            std::string k = dropped_key(e.series, type);
            dropped_seen_.insert(k);
            dropped_.insert(std::move(k));
            continue;
          }
          lset = std::move(*relabeled);
          if (!lset.has(kMetricNameLabel)) {
            a->error = "__name__ label is missing";
            break;
          }
          for (const auto& l : lset.items())
            if (!relabel::is_valid_label_name(l.name)) {
              a->error = "invalid metric name or label names: " + lset.to_string();
              break;
            }
          if (!a->error.empty()) break;
        }
        std::string limit_error = label_limit_error(lset, config_);
        if (!limit_error.empty()) {
          a->error = std::move(limit_error);
          break;
        }
        ce = cache_.find(lset);
        if (ce != nullptr) cache_.add_text(ce, e.series, type);
      }
      const bool cached = ce != nullptr;
      bool written = false;
      if (cached && cache_.seen_in_this_scrape(*ce) && !explicit_ts) {
        ++a->duplicates;  // same series twice in one scrape at the scrape time
      } else {
        ++appended;
        if (config_.sample_limit > 0 && appended > static_cast<size_t>(config_.sample_limit)) {
          limit_hit = true;  // keep parsing: scrape_samples_scraped counts the whole payload
        } else if (t > now + kMaxAheadMs) {
          ++a->out_of_bounds;
        } else {
          written = true;
        }
      }
      if (cached) {
        cache_.mark_seen(ce);
        if (written && !explicit_ts) cache_.track(ce);
      } else if (written) {
        ce = cache_.insert(std::move(lset));
        cache_.add_text(ce, e.series, type);
        cache_.mark_seen(ce);
        if (!explicit_ts) cache_.track(ce);  // series with their own timestamps never go stale
        if (!limit_hit) ++a->series_added;
      }
      if (ce != nullptr) cache_.resolved(ce, e.series, type);
      if (written) a->samples.push_back({ce->series, t, e.value});
      ++a->added;
    }
  } catch (const exposition::ParseError& ex) {
    a->error = ex.what();
  }
  dropped_.swap(dropped_seen_);
  dropped_seen_.clear();
  if (a->error.empty() && limit_hit)
    a->error = "sample limit exceeded: " + std::to_string(appended) + " samples, limit " +
               std::to_string(config_.sample_limit);
}

void TargetState::append_stale(int64_t time_ms, ScrapeResult* r) {
  const double stale = stale_nan();
  for (auto& series : cache_.stale_series()) {
    r->samples.push_back({std::move(series), time_ms, stale});
    ++r->stale_markers;
  }
}

ScrapeResult TargetState::scrape_succeeded(std::string_view body, exposition::Format format,
                                           int64_t scrape_time_ms, double duration_seconds) {
  ScrapeResult r;
  r.report.duration_seconds = duration_seconds;
  r.report.up = true;
  if (body.empty()) {
    // Prometheus treats an empty body as an empty scrape, not a parse error (even in
    // OpenMetrics, which would need # EOF): every series goes stale, up stays 1.
    append_stale(scrape_time_ms, &r);
    cache_.end_scrape(false);
    append_report(r.report, report_, scrape_time_ms, &r.samples);
    return r;
  }
  Attempt a;
  run(body, format, scrape_time_ms, &a);
  r.report.samples_scraped = a.total;
  r.report.samples_post_metric_relabeling = a.added;
  r.report.series_added = a.series_added;
  r.duplicates = a.duplicates;
  r.out_of_bounds = a.out_of_bounds;
  if (a.error.empty()) {
    last_samples_ = a.samples.size();
    r.samples = std::move(a.samples);
  } else {
    r.report.up = false;  // the attempt is rolled back: nothing of it is written
    r.error = std::move(a.error);
  }
  append_stale(scrape_time_ms, &r);
  cache_.end_scrape(r.report.up);
  append_report(r.report, report_, scrape_time_ms, &r.samples);
  return r;
}

ScrapeResult TargetState::scrape_failed(std::string_view error, int64_t scrape_time_ms, double duration_seconds) {
  ScrapeResult r;
  r.report.duration_seconds = duration_seconds;
  r.error = std::string(error);
  append_stale(scrape_time_ms, &r);
  cache_.end_scrape(false);
  append_report(r.report, report_, scrape_time_ms, &r.samples);
  return r;
}

std::vector<Sample> TargetState::target_removed(int64_t time_ms) {
  ScrapeResult r;
  append_stale(time_ms, &r);
  cache_.end_scrape(false);
  append_stale_report(report_, time_ms, &r.samples);
  return std::move(r.samples);
}

}  // namespace observe::scrape
