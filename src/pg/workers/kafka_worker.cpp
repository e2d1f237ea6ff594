#include "pg/workers/kafka_worker.h"

#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pg/border/border.h"
#include "pg/workers/worker_signals.h"
#include "pg/module/guc.h"
#include "pg/workers/kafka_config.h"
#include "pg/workers/kafka_runner.h"
#include "pg/workers/worker_txn.h"
#include "pg/workers/worker_register.h"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/pmsignal.h"
#include "utils/guc.h"
#include "utils/wait_event.h"

PGDLLEXPORT void observe_kafka_worker_main(Datum arg);
}

namespace observe::pg {

namespace {

constexpr int64_t kConfigReloadMs = 2000;  // changes to kafka_sources apply within this
constexpr int64_t kNoExtensionRetryMs = 10000;
constexpr int64_t kStatusMs = 1000;

// Owns every C++ object of the worker, so that leaving the loop runs their destructors.
class KafkaLoop {
 public:
  explicit KafkaLoop(int worker) : worker_(worker) {}

  void run() {
    int64_t next_reload = 0, next_status = 0;
    while (!worker_sigterm_received) {
      if (!PostmasterIsAlive()) proc_exit(1);  // a killed postmaster: go at once
      if (ConfigReloadPending) {
        ConfigReloadPending = false;
        pg_guard([] { ProcessConfigFile(PGC_SIGHUP); });
        next_reload = 0;
      }
      int64_t now = wall_ms();
      if (now >= next_reload) next_reload = now + reload();
      bool worked = false;
      // One consumer waits in librdkafka's poll (at most 100 ms, then SIGTERM and the
      // postmaster are checked); several are polled in turn without waiting.
      int poll_ms = runners_.size() == 1 ? 100 : 0;
      for (auto& [key, runner] : runners_) worked |= runner->step(poll_ms, worker_sigterm_received);
      bool waited = wall_ms() - now >= 50;
      now = wall_ms();
      if (now >= next_status) {
        for (auto& [key, runner] : runners_) runner->write_status(false);
        next_status = now + kStatusMs;
      }
      if (!worked && !waited) sleep_ms(runners_.empty() ? 1000 : 20);
    }
    // SIGTERM: an unstored batch is dropped (its offsets were not committed: it is read again
    // after a restart); each consumer leaves its group.
    for (auto& [key, runner] : runners_) runner->write_status(true);
    runners_.clear();
  }

 private:
  // Returns how long until the next reload.
  int64_t reload() {
    std::vector<KafkaSourceConfig> sources;
    bool installed = false;
    if (!run_in_transaction("Kafka source reload", [&] { installed = load_kafka_sources(&sources); }))
      return kConfigReloadMs;
    if (!installed) return kNoExtensionRetryMs;
    int workers = std::max(1, guc_kafka_workers);
    std::map<std::string, std::unique_ptr<KafkaRunner>> next;
    int slot = 0;
    for (const auto& src : sources) {
      for (int i = 0; i < src.consumers; i++, slot++) {
        if (slot % workers != worker_) continue;
        std::string key = src.name + '\0' + std::to_string(i);
        auto it = runners_.find(key);
        if (it != runners_.end() && it->second->fingerprint() == src.fingerprint) {
          next.emplace(key, std::move(it->second));
          runners_.erase(it);
        } else {
          if (it != runners_.end()) runners_.erase(it);  // changed: the old consumer leaves first
          next.emplace(key, std::make_unique<KafkaRunner>(src, i));
        }
      }
    }
    // Sources disabled, removed or moved to another worker: their consumers leave the group.
    for (auto& [key, runner] : runners_) runner->write_status(true);
    runners_ = std::move(next);
    return kConfigReloadMs;
  }

  void sleep_ms(long ms) {
    pg_guard([ms] {
      (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms, PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
      worker_absorb_barriers();
    });
  }

  int worker_;
  std::map<std::string, std::unique_ptr<KafkaRunner>> runners_;
};

}  // namespace

void register_kafka_workers() {
  for (int i = 0; i < guc_kafka_workers; i++) {
    register_observe_worker("observe_kafka_worker_main", "pg_observe kafka worker", i, 5);
  }
}

}  // namespace observe::pg

void observe_kafka_worker_main(Datum arg) {
  char name[64];
  snprintf(name, sizeof name, "pg_observe kafka worker %d", DatumGetInt32(arg));
  observe::pg::run_observe_worker(name, observe::pg::worker_handle_sigterm, [](int worker) {
    observe::pg::KafkaLoop loop(worker);
    loop.run();
  }, DatumGetInt32(arg));
}
