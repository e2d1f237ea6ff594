// One target of the scrape worker: its schedule, the request it sends, and writing what a
// scrape produced (through the core's scrape::TargetState) into observe.metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/http/multi_fetcher.h"
#include "core/scrape/target.h"
#include "pg/workers/retry_hold.h"
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
  // target's health row. At most *new_budget new series are created (decremented by those
  // created): the samples of the others wait, with every later sample of those series, for
  // write_pending (series creation does not hold up the scrapes of other targets). What waits
  // changes only when the transaction committed: call end_write(true) then, end_write(false)
  // when it failed.
  void write_scrape(const scrape::ScrapeResult& result, size_t* new_budget);
  // Inside a transaction: writes waiting samples, creating at most *new_budget series.
  void write_pending(size_t* new_budget);
  void end_write(bool committed);
  // Samples waiting for their series to be created.
  size_t pending() const { return pending_.size(); }
  // Forgets the waiting samples (their write failed).
  void drop_pending() {
    pending_.clear();
    hold_.clear();
  }
  // A write given up on a lock (observe.worker_lock_timeout): its samples wait with the others
  // (`result`'s after them; nullptr: those waiting already) and are written with the target's
  // next write, or by write_pending once retry_due. Returns false, having dropped them all,
  // when the oldest has waited RetryHold::kMaxMs: a lock held that long loses samples, as before.
  bool keep_for_retry(const scrape::ScrapeResult* result, int64_t now_ms);
  // Whether write_pending may try the waiting samples again (no failed try in the last second).
  bool retry_due(int64_t now_ms) const { return now_ms >= retry_at_ms_; }
  // Since when the oldest sample kept for retry has waited (0: none).
  int64_t retry_since_ms() const { return hold_.since_ms(); }
  // Inside a transaction, after the waiting samples' write failed and drop_pending: the health
  // row (of the last scrape) says why they are missing and counts a lock timeout.
  void write_pending_failed_status(const std::string& error, bool lock_timeout);
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
  // Samples whose series are not created yet, in scrape order; staged_: what waits after the
  // write of the transaction in progress.
  std::vector<scrape::Sample> pending_, staged_;
  scrape::ScrapeResult last_;  // the last scrape's report, without its samples
  RetryHold hold_;              // the first failed write of the samples kept for retry
  int64_t retry_at_ms_ = 0;     // write_pending waits until then after a failed try
  bool staged_valid_ = false;
};

}  // namespace observe::pg
