// One target of the scrape worker: its schedule, the request it sends, and writing what a
// scrape produced (through the core's scrape::TargetState) into observe.metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/http/multi_fetcher.h"
#include "core/scrape/target.h"
#include "pg/workers/scrape_config.h"

namespace observe::pg {

class ScrapeTarget {
 public:
  explicit ScrapeTarget(const ScrapeTargetConfig& config);

  // True when `config` changes the series this target writes (its labels or their rules):
  // the target must then end its series (write_end_of_run) and start over.
  bool changes_series(const ScrapeTargetConfig& config) const;
  // Applies a changed configuration that keeps the series (interval, timeout, limit, ...).
  void reconfigure(const ScrapeTargetConfig& config);

  bool in_flight() const { return in_flight_; }
  const ScrapeTargetConfig& config() const { return config_; }
  // Next scrape time, ms since the epoch: each target keeps a fixed offset within its
  // interval (a hash of job and URL, as Prometheus spreads its targets).
  int64_t next_due() const { return next_due_; }

  http::FetchRequest begin_scrape(uint64_t request_id, int64_t now_ms);
  // Turns the response into what to write (updating the target's series cache); no
  // transaction needed.
  scrape::ScrapeResult complete_scrape(const http::FetchResult& result);
  // Inside a transaction (run_in_transaction): writes a completed scrape's samples and the
  // target's health row.
  void write_scrape(const scrape::ScrapeResult& result);
  // The write of a completed scrape failed; the next scrape happens on schedule.
  void abandon_scrape(const std::string& error);
  // Inside a transaction, after abandon_scrape: the health row says why the samples are
  // missing and counts a lock timeout.
  void write_failed_status(const scrape::ScrapeResult& result, const std::string& error,
                           bool lock_timeout);
  // Inside a transaction: the target left the configuration, its series end.
  void write_end_of_run(int64_t now_ms);

 private:
  static scrape::TargetConfig core_config(const ScrapeTargetConfig& config);
  void schedule_after(int64_t now_ms);

  ScrapeTargetConfig config_;
  std::string instance_;
  std::unique_ptr<scrape::TargetState> state_;
  int64_t offset_ms_ = 0;
  int64_t next_due_ = 0;
  int64_t scrape_start_ms_ = 0;
  double scrape_seconds_ = 0;
  bool in_flight_ = false;
};

}  // namespace observe::pg
