#include "pg/workers/scrape_target.h"

#include <chrono>

#include "core/exposition/content_type.h"
#include "core/scrape/public_error.h"
#include "core/scrape/request.h"
#include "pg/border/border.h"
#include "pg/module/guc.h"
#include "pg/workers/metrics_writer.h"

namespace observe::pg {

ScrapeTarget::ScrapeTarget(const ScrapeTargetConfig& config)
    : config_(config),
      instance_(config.labels_final ? std::string(config.labels.get("instance"))
                                    : scrape::instance_from_url(config.url)) {
  state_ = std::make_unique<scrape::TargetState>(core_config(config_));
  schedule_after(0);
}

scrape::TargetConfig ScrapeTarget::core_config(const ScrapeTargetConfig& config) {
  scrape::TargetConfig c;
  c.labels = config.labels;
  if (!config.labels_final) {
    c.labels.set("job", config.job);
    if (!config.labels.has("instance")) c.labels.set("instance", scrape::instance_from_url(config.url));
  }
  c.metric_relabel = config.metric_relabel;
  c.label_limit = config.label_limit;
  c.label_name_length_limit = config.label_name_length_limit;
  c.label_value_length_limit = config.label_value_length_limit;
  c.honor_labels = config.honor_labels;
  c.honor_timestamps = config.honor_timestamps;
  c.sample_limit = config.sample_limit;
  return c;
}

bool ScrapeTarget::changes_series(const ScrapeTargetConfig& config) const {
  return config.labels != config_.labels || config.honor_labels != config_.honor_labels ||
         config.honor_timestamps != config_.honor_timestamps;
}

void ScrapeTarget::reconfigure(const ScrapeTargetConfig& config) {
  if (config == config_) return;
  int64_t old_interval = config_.interval_ms;
  config_ = config;
  state_->reconfigure(core_config(config_));
  if (config_.interval_ms != old_interval) schedule_after(0);
}

void ScrapeTarget::schedule_after(int64_t now_ms) {
  int64_t interval = config_.interval_ms > 0 ? config_.interval_ms : 60000;
  offset_ms_ = static_cast<int64_t>(Labels{{"job", config_.job}, {"url", config_.url}}.hash() %
                                    static_cast<uint64_t>(interval));
  if (now_ms == 0) {
    // First scrape: the next point of this target's phase from now.
    now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    int64_t phase = ((now_ms - offset_ms_) % interval + interval) % interval;
    next_due_ = phase == 0 ? now_ms : now_ms + (interval - phase);
    return;
  }
  next_due_ = now_ms + interval;
}

http::FetchRequest ScrapeTarget::begin_scrape(uint64_t request_id, int64_t now_ms) {
  http::FetchRequest req;
  req.id = request_id;
  req.url = config_.url;
  req.timeout_ms = config_.timeout_ms;
  req.policy = outbound_policy();
  req.max_redirects = guc_outbound_max_redirects;
  double timeout_seconds = static_cast<double>(config_.timeout_ms) / 1000.0;
  for (const auto& [name, value] : scrape::request_headers(timeout_seconds, OBSERVE_VERSION))
    if (name != "Accept-Encoding") req.headers.push_back(name + ": " + value);  // curl adds it
  for (const auto& h : config_.headers) req.headers.push_back(h);
  req.tls_ca_file = config_.tls_ca_file;
  req.tls_cert_file = config_.tls_cert_file;
  req.tls_key_file = config_.tls_key_file;
  req.tls_insecure_skip_verify = config_.tls_insecure_skip_verify;
  in_flight_ = true;
  scrape_start_ms_ = now_ms;
  // A late worker does not try to catch up: the next scrape is one interval after this one.
  schedule_after(next_due_ > 0 && now_ms - next_due_ < config_.interval_ms ? next_due_ : now_ms);
  return req;
}

scrape::ScrapeResult ScrapeTarget::complete_scrape(const http::FetchResult& result) {
  in_flight_ = false;
  scrape_seconds_ = static_cast<double>(result.duration_us) / 1e6;
  scrape::ScrapeResult r =
      result.ok ? state_->scrape_succeeded(result.body,
                                           exposition::format_from_content_type(result.content_type),
                                           scrape_start_ms_, scrape_seconds_)
                : state_->scrape_failed(result.error, scrape_start_ms_, scrape_seconds_);
  r.error = scrape::public_error(r.error);  // stored where non-superusers read it
  last_.report = r.report;
  last_.error = r.error;
  return r;
}

void ScrapeTarget::write_scrape(const scrape::ScrapeResult& r, size_t* new_budget) {
  MetricsWriter writer;
  staged_.clear();
  staged_valid_ = true;
  if (pending_.empty()) {
    writer.append(r.samples, new_budget, &staged_);
  } else {
    // Behind the samples still waiting: a series' samples are written in time order.
    std::vector<scrape::Sample> all;
    all.reserve(pending_.size() + r.samples.size());
    all.insert(all.end(), pending_.begin(), pending_.end());
    all.insert(all.end(), r.samples.begin(), r.samples.end());
    writer.append(all, new_budget, &staged_);
  }
  writer.write_status(config_.job, config_.url, instance_, scrape_start_ms_, scrape_seconds_, r);
}

void ScrapeTarget::write_pending(size_t* new_budget) {
  staged_.clear();
  staged_valid_ = true;
  if (pending_.empty()) return;
  MetricsWriter writer;
  writer.append(pending_, new_budget, &staged_);
}

void ScrapeTarget::end_write(bool committed) {
  if (committed && staged_valid_) {
    pending_.swap(staged_);
    hold_.clear();  // what waited for a lock is written
  }
  staged_.clear();
  staged_valid_ = false;
}

void ScrapeTarget::abandon_scrape(const std::string&) { in_flight_ = false; }

bool ScrapeTarget::keep_for_retry(const scrape::ScrapeResult* result, int64_t now_ms) {
  // How long samples may wait for a lock: RetryHold (memory is bounded apart: while
  // kMaxPending samples wait, targets with waiting samples are not scraped).
  retry_at_ms_ = now_ms + 1000;
  if (!hold_.keep(now_ms)) {
    drop_pending();
    return false;
  }
  if (result != nullptr) pending_.insert(pending_.end(), result->samples.begin(), result->samples.end());
  return true;
}

void ScrapeTarget::write_failed_status(const scrape::ScrapeResult& r, const std::string& error,
                                       bool lock_timeout) {
  std::string message = "samples not written: " + error;
  MetricsWriter::write_status_only(config_.job, config_.url, instance_, scrape_start_ms_,
                                   scrape_seconds_, r, message.c_str(), lock_timeout);
}

void ScrapeTarget::write_pending_failed_status(const std::string& error, bool lock_timeout) {
  write_failed_status(last_, error, lock_timeout);
}

void ScrapeTarget::write_end_of_run(int64_t now_ms) {
  MetricsWriter writer;
  writer.append(pending_);  // every series still to create, then the stale markers
  writer.append(state_->target_removed(now_ms));
  writer.delete_status(config_.job, config_.url);
}

}  // namespace observe::pg
