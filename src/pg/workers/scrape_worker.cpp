#include "pg/workers/scrape_worker.h"

#include <malloc.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/http/multi_fetcher.h"
#include "core/scrape/assign.h"
#include "pg/engine/series.h"
#include "pg/border/border.h"
#include "pg/workers/worker_signals.h"
#include "pg/module/guc.h"
#include "pg/workers/scrape_config.h"
#include "pg/workers/scrape_discovery.h"
#include "pg/workers/scrape_target.h"
#include "pg/workers/worker_txn.h"
#include "pg/workers/worker_register.h"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "utils/guc.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/wait_event.h"

PGDLLEXPORT void observe_scrape_worker_main(Datum arg);
}

namespace observe::pg {

namespace {

constexpr int64_t kConfigReloadMs = 2000;   // changes to scrape_targets apply within this
constexpr int64_t kNoExtensionRetryMs = 10000;
// How often freed memory goes back to the system (malloc_trim): creating a million series
// frees as much transient memory (transactions' contexts, scrape results) as the caches keep,
// interleaved with them, and glibc returns none of it by itself (measured: 3.4 GB resident
// after creating 1,000 x 1,000 series, 28 MB after a trim once the targets were gone).
constexpr int64_t kTrimMs = 10000;
// Series creation in steps: a transaction creates at most observe.scrape_series_per_step new
// series (default 4,000, about 30-40 us each), so a first scrape of many targets (1,000 x 1,000
// series) is created in steps between which the loop starts and writes the scrapes that are
// due: no interval is missed while a million series are created. The samples of series not
// created yet wait in memory, in order, up to kMaxPending in all (32 bytes each): past that,
// targets with waiting samples are not scraped again until they are written.
constexpr size_t kMaxPending = 4000000;
size_t create_step() { return static_cast<size_t>(std::max(1, guc_scrape_series_per_step)); }
// Completed scrapes wait up to observe.scrape_write_group_ms (default 250) to be written
// together: at 1,000 targets every 15 s a poll completes one to three, and a transaction each
// spent a fifth of the worker's steady-state CPU on its commit (WAL write and flush) and
// write-buffer flush. 250 ms groups ~17 of them; their samples become visible that much later.
constexpr size_t kWriteGroupScrapes = 256;

// Owns every C++ object of the worker, so that leaving the loop runs their destructors.
class ScrapeLoop {
 public:
  // Worker `index` of `workers` (observe.scrape_workers): scrapes the targets
  // scrape::worker_for_target gives it.
  ScrapeLoop(int index, int workers) : index_(index), workers_(workers) {}

  void run() {
    int64_t next_reload = 0, next_trim = 0;
    bool creating = false;  // the last step of series creation wrote something
    while (!worker_sigterm_received) {
      int64_t now = wall_ms();
      if (ConfigReloadPending) {
        ConfigReloadPending = false;
        pg_guard([] { ProcessConfigFile(PGC_SIGHUP); });
        next_reload = 0;
      }
      if (now >= next_reload) next_reload = now + reload_targets();
      if (now >= next_trim) {
        malloc_trim(0);
        next_trim = now + kTrimMs;
      }
      start_due_scrapes(now, pending_samples() > kMaxPending);
      // While series are being created, the poll does not wait: the next step follows.
      finish_scrapes(fetcher_.poll(fetcher_.in_flight() > 0 && !creating ? 50 : 0));
      write_completed(false);
      creating = pending_samples() > 0 && write_pending();
      if (!creating && fetcher_.in_flight() == 0)
        sleep_until(std::min({next_due(), next_reload, completed_due()}));
    }
    // SIGTERM: scrapes completed are written; those in flight are abandoned (their targets are
    // scraped again after a restart).
    write_completed(true);
  }

 private:
  // Returns how long until the next reload.
  int64_t reload_targets() {
    write_completed(true);  // before targets_ changes under the completed scrapes' pointers
    std::vector<ScrapeTargetConfig> configs;
    std::vector<ScrapeJobDocument> jobs;
    bool installed = false, jobs_table = false;
    if (!run_in_transaction("scrape target reload", [&] {
          installed = load_scrape_targets(&configs);
          jobs_table = installed && load_scrape_jobs(&jobs);
        }))
      return kConfigReloadMs;
    if (!installed) return kNoExtensionRetryMs;
    if (jobs_table) {
      // observe.scrape_jobs: discovery and relabeling (files read here, outside a transaction).
      discovery_.discover(jobs, &configs);
      // Every worker discovers every job (target_limit counts a whole job); the first writes
      // what was discovered.
      if (index_ == 0 && discovery_.changed()) run_in_transaction("scrape discovery write", [&] { discovery_.write(); });
    }
    std::map<std::string, std::unique_ptr<ScrapeTarget>> next;
    for (auto& cfg : configs) {
      if (workers_ > 1 && scrape::worker_for_target(cfg.job, cfg.url, workers_) != index_) continue;
      if (next.count(cfg.key())) continue;  // a job's row and a discovered target: the row wins
      auto it = targets_.find(cfg.key());
      if (it != targets_.end() && !it->second->changes_series(cfg)) {
        it->second->reconfigure(cfg);
        next.emplace(cfg.key(), std::move(it->second));
        targets_.erase(it);
      } else {
        // New, or its series change: a changed target stays in targets_ and below ends its
        // old series with staleness markers, as Prometheus does when a target's labels change.
        next.emplace(cfg.key(), std::make_unique<ScrapeTarget>(cfg));
      }
    }
    // Targets that left the configuration: their series end with staleness markers.
    for (auto& entry : targets_) {
      ScrapeTarget& removed = *entry.second;
      if (removed.in_flight()) {  // its result is dropped when it arrives
        // What its earlier scrapes left waiting for series creation is written all the same.
        if (removed.pending() > 0) {
          size_t all = SIZE_MAX;
          bool ok = run_in_transaction("scrape target removal", [&] { removed.write_pending(&all); });
          removed.end_write(ok);
        }
        continue;
      }
      int64_t now = wall_ms();
      run_in_transaction("scrape target removal", [&] { removed.write_end_of_run(now); });
    }
    targets_ = std::move(next);
    return kConfigReloadMs;
  }

  size_t pending_samples() const {
    size_t n = 0;
    for (const auto& [key, target] : targets_) n += target->pending();
    return n;
  }

  // One step of series creation: the samples waiting for their series, up to create_step() new
  // series, in one transaction; the targets in turn. A target whose waiting samples cannot be
  // written on their own loses them (as a failed scrape write loses its samples).
  bool write_pending() {
    std::vector<ScrapeTarget*> step;
    size_t budget = create_step();
    auto it = targets_.lower_bound(pending_cursor_);
    for (size_t i = 0; i < targets_.size() && budget > 0; i++, ++it) {
      if (it == targets_.end()) it = targets_.begin();
      if (it->second->pending() == 0 || it->second->in_flight() || !it->second->retry_due(wall_ms())) continue;
      step.push_back(it->second.get());
      pending_cursor_ = it->first + '\x01';  // the next step starts after it
      budget = budget > it->second->pending() ? budget - it->second->pending() : 0;
    }
    if (step.empty()) return false;
    budget = create_step();
    bool ok = run_in_transaction("scrape series creation", [&] {
      for (ScrapeTarget* t : step) t->write_pending(&budget);
    });
    for (ScrapeTarget* t : step) t->end_write(ok);
    if (ok) return true;
    for (ScrapeTarget* t : step) {
      budget = create_step();
      std::string error;
      bool lock_timeout = false;
      bool one = run_in_transaction("scrape series creation", [&] { t->write_pending(&budget); }, &error,
                                    &lock_timeout);
      t->end_write(one);
      if (one) continue;
      std::string why = keep_or_drop(*t, nullptr, error, lock_timeout);
      run_in_transaction("scrape status", [&] { t->write_pending_failed_status(why, lock_timeout); });
    }
    return true;
  }

  void start_due_scrapes(int64_t now, bool too_much_pending) {
    std::vector<http::FetchResult> refused;
    for (auto& [key, target] : targets_) {
      if (target->in_flight() || now < target->next_due()) continue;
      // Memory bound: its samples wait already; it is scraped once they are written.
      if (too_much_pending && target->pending() > 0) continue;
      uint64_t id = next_request_id_++;
      requests_[id] = key;
      http::FetchRequest req = target->begin_scrape(id, now);
      if (target->config().forced_error.empty()) {
        fetcher_.start(req);
      } else {
        // target_limit exceeded: the scrape fails without a request, up 0 (Prometheus).
        http::FetchResult r;
        r.id = id;
        r.error = target->config().forced_error;
        refused.push_back(std::move(r));
      }
    }
    if (!refused.empty()) finish_scrapes(std::move(refused));
  }

  // Completed scrapes are parsed at once and kept until written (write_completed).
  void finish_scrapes(std::vector<http::FetchResult> results) {
    for (auto& result : results) {
      auto req = requests_.find(result.id);
      if (req == requests_.end()) continue;
      auto it = targets_.find(req->second);
      requests_.erase(req);
      if (it == targets_.end()) continue;  // removed while in flight
      if (completed_.empty()) completed_since_ = wall_ms();
      completed_.push_back(it->second.get());
      completed_results_.push_back(it->second->complete_scrape(result));
    }
  }

  int64_t completed_due() const {
    return completed_.empty() ? INT64_MAX : completed_since_ + guc_scrape_write_group_ms;
  }

  // The completed scrapes are written in one transaction (one commit and WAL flush, one
  // write-buffer flush for all of them) once the oldest has waited observe.scrape_write_group_ms,
  // or at once with `now`. If that fails, each is written in its own transaction, so one target's failure
  // costs no other target its samples.
  void write_completed(bool now) {
    if (completed_.empty()) return;
    if (!now && wall_ms() < completed_due() && completed_.size() < kWriteGroupScrapes) return;
    std::vector<ScrapeTarget*> done;
    std::vector<scrape::ScrapeResult> written;
    done.swap(completed_);
    written.swap(completed_results_);
    size_t budget = create_step();
    if (done.size() > 1) {
      bool ok = run_in_transaction("scrape write", [&] {
        for (size_t i = 0; i < done.size(); i++) done[i]->write_scrape(written[i], &budget);
      });
      for (ScrapeTarget* t : done) t->end_write(ok);
      if (ok) return;
    }
    for (size_t i = 0; i < done.size(); i++) {
      std::string error;
      bool lock_timeout = false;
      budget = create_step();
      bool ok = run_in_transaction("scrape write", [&] { done[i]->write_scrape(written[i], &budget); }, &error,
                                   &lock_timeout);
      done[i]->end_write(ok);
      if (ok) continue;
      // Given up on a lock (a user session's, or series garbage collection's, at most
      // observe.worker_lock_timeout): the other targets go on, and this scrape's samples wait
      // with the target's others for its next write (bounded: keep_for_retry). The health row
      // records why and counts the timeout. Any other failure drops them, as it would again.
      done[i]->abandon_scrape(error);
      std::string why = keep_or_drop(*done[i], &written[i], error, lock_timeout);
      run_in_transaction("scrape status", [&] { done[i]->write_failed_status(written[i], why, lock_timeout); });
    }
  }

  // A write of t's waiting samples (and of `result`'s; nullptr: none) failed. Given up on a
  // lock, they wait for the next try (bounded, keep_for_retry); otherwise, or past that bound,
  // they are dropped and logged. Returns the reason for the health row.
  static std::string keep_or_drop(ScrapeTarget& t, const scrape::ScrapeResult* result, const std::string& error,
                                  bool lock_timeout) {
    size_t waiting = t.pending() + (result != nullptr ? result->samples.size() : 0);
    bool kept = lock_timeout && t.keep_for_retry(result, wall_ms());
    if (!kept) {
      report_dropped(t, waiting, error);
      t.drop_pending();
    }
    return (kept ? "kept for retry: " : "") + error;
  }

  // Samples given up: logged with their count (the health row says why).
  static void report_dropped(const ScrapeTarget& t, size_t samples, const std::string& error) {
    if (samples == 0) return;
    std::string job = t.config().job, url = t.config().url;
    pg_guard([&] {
      ereport(LOG, (errmsg("pg_observe scrape worker dropped %zu samples of target %s (%s): %s", samples,
                           url.c_str(), job.c_str(), error.c_str())));
    });
  }

  int64_t next_due() const {
    int64_t due = INT64_MAX;
    for (const auto& [key, target] : targets_)
      if (!target->in_flight()) due = std::min(due, target->next_due());
    return due;
  }

  void sleep_until(int64_t when_ms) {
    int64_t wait = std::clamp<int64_t>(when_ms - wall_ms(), 0, 1000);
    pg_guard([wait] {
      (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, static_cast<long>(wait),
                      PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
      worker_absorb_barriers();
    });
  }

  const int index_, workers_;
  http::MultiFetcher fetcher_;
  ScrapeDiscovery discovery_;
  std::map<std::string, std::unique_ptr<ScrapeTarget>> targets_;
  std::map<uint64_t, std::string> requests_;  // request id -> target key
  std::vector<ScrapeTarget*> completed_;        // scraped, not yet written, in completion order
  std::vector<scrape::ScrapeResult> completed_results_;
  int64_t completed_since_ = 0;
  std::string pending_cursor_;  // where the next step of series creation starts
  uint64_t next_request_id_ = 1;
};

}  // namespace

void register_scrape_worker() {
  for (int i = 0; i < guc_scrape_workers; i++)
    register_observe_worker("observe_scrape_worker_main", "pg_observe scrape worker",
                            guc_scrape_workers == 1 ? -1 : i, 5);
}

}  // namespace observe::pg

void observe_scrape_worker_main(Datum arg) {
  observe::pg::run_observe_worker(MyBgworkerEntry->bgw_name, observe::pg::worker_handle_sigterm, [](int index) {
    // Each series keeps its id itself (scrape::StorageRef): the dictionary serves only series
    // new to the worker, bounded (observe.scrape_dictionary_keys).
    observe::pg::ts_series_set_lookup_only(static_cast<size_t>(observe::pg::guc_scrape_dictionary_keys));
    observe::pg::ScrapeLoop loop(index, std::max(1, observe::pg::guc_scrape_workers));
    loop.run();
  }, DatumGetInt32(arg));
}
