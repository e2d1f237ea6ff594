#include "pg/rules/rules_worker.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/rules/rule_file.h"
#include "pg/border/border.h"
#include "pg/module/guc.h"
#include "pg/rules/group_runner.h"
#include "pg/rules/rule_store.h"
#include "pg/rules/rules_guc.h"
#include "pg/border/spi_text.h"
#include "pg/workers/worker_signals.h"
#include "pg/workers/worker_txn.h"
#include "pg/workers/worker_register.h"

extern "C" {
#include "executor/spi.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/wait_event.h"

PGDLLEXPORT void observe_rules_worker_main(Datum arg);
}

namespace observe::pg {

namespace {

constexpr int64_t kConfigReloadMs = 2000;  // changes to observe.rule_groups / rules apply within this
constexpr int64_t kNoExtensionRetryMs = 10000;

// What makes a runner obsolete: the rules as a file, and where and how often they run.
// Every field of a stored group that evaluation depends on, length-prefixed: a group whose key
// is unchanged keeps its runner (and its parsed expressions). Built for every group at every
// reload, so no YAML here (emitting 10,000 rules as YAML every 2 s cost more than evaluating).
void key_add(std::string& key, const std::string& s) {
  key += std::to_string(s.size());
  key += ':';
  key += s;
}
void key_add(std::string& key, int64_t v) {
  key += std::to_string(v);
  key += ';';
}
void key_add(std::string& key, const rules::StringPairs& pairs) {
  key_add(key, static_cast<int64_t>(pairs.size()));
  for (const auto& [k, v] : pairs) {
    key_add(key, k);
    key_add(key, v);
  }
}

std::string config_key(const StoredRuleGroup& g) {
  const rules::RuleGroup& grp = g.group;
  std::string key;
  key_add(key, grp.name);
  key_add(key, grp.interval_ms);
  key_add(key, grp.has_query_offset ? grp.query_offset_ms : INT64_MIN);
  key_add(key, grp.limit);
  key_add(key, grp.labels);
  key_add(key, static_cast<int64_t>(grp.rules.size()));
  for (const rules::Rule& r : grp.rules) {
    key_add(key, r.record);
    key_add(key, r.alert);
    key_add(key, r.expr);
    key_add(key, r.for_ms);
    key_add(key, r.keep_firing_for_ms);
    key_add(key, r.labels);
    key_add(key, r.annotations);
    key_add(key, std::string(rules::query_language_name(r.language)));
  }
  key_add(key, g.file);
  key_add(key, static_cast<int64_t>(g.target));
  key_add(key, static_cast<int64_t>(g.log_source));
  key_add(key, g.external_labels.to_string());
  key_add(key, guc_rules_evaluation_interval_ms);
  for (int p : g.positions) key_add(key, static_cast<int64_t>(p));
  return key;
}

struct Entry {
  std::string key;
  std::unique_ptr<GroupRunner> runner;  // null: the group does not validate
};

class RulesLoop {
 public:
  void run() {
    int64_t next_reload = 0;
    while (!worker_sigterm_received) {
      if (ConfigReloadPending) {
        ConfigReloadPending = false;
        pg_guard([] { ProcessConfigFile(PGC_SIGHUP); });
        next_reload = 0;
        fingerprint_.clear();  // settings may have changed the groups' keys: read them again
      }
      int64_t now = wall_ms();
      if (!guc_rules_enabled) {
        // Off: no runner; on again, groups start afresh (alerts restored at once).
        groups_.clear();
        fingerprint_.clear();
        next_reload = 0;
        sleep_until(now + 1000);
        continue;
      }
      if (now >= next_reload) next_reload = now + reload();
      for (auto& [name, e] : groups_) {
        if (worker_sigterm_received) break;
        if (e.runner) e.runner->run_if_due(wall_ms(), sender_);
      }
      int64_t due = next_reload;
      for (const auto& [name, e] : groups_)
        if (e.runner) due = std::min(due, e.runner->next_due_ms());
      if (sender_.busy()) {
        // Alertmanager requests in flight: wait on their sockets instead of the latch.
        sender_.poll(static_cast<int>(std::clamp<int64_t>(due - wall_ms(), 0, 100)));
      } else {
        sleep_until(due);
      }
    }
  }

 private:
  int64_t reload() {
    bool installed = false, unchanged = false;
    std::string print;
    std::vector<StoredRuleGroup> stored;
    if (!run_in_transaction("rule groups reload", [&] {
          installed = pg_guard([] {
            return SPI_execute("SELECT 1 WHERE to_regclass('observe._rule_group_status') IS NOT NULL", true, 1) ==
                       SPI_OK_SELECT &&
                   SPI_processed == 1;
          });
          if (!installed) return;
          print = rule_tables_fingerprint();
          unchanged = print == fingerprint_;
          if (!unchanged) stored = read_rule_groups(nullptr);
        }))
      return kConfigReloadMs;
    fingerprint_ = print;  // only once the rows were read
    if (!installed) {
      groups_.clear();
      fingerprint_.clear();
      return kNoExtensionRetryMs;
    }
    if (unchanged) return kConfigReloadMs;
    const int64_t now = wall_ms();
    std::map<std::string, Entry> next;
    for (StoredRuleGroup& g : stored) {
      if (!g.enabled) continue;
      std::string key = config_key(g);
      auto it = groups_.find(g.group.name);
      if (it != groups_.end() && it->second.key == key) {
        if (it->second.runner) it->second.runner->forget_written_rows();
        next.emplace(g.group.name, std::move(it->second));
        groups_.erase(it);
        continue;
      }
      // New or changed. Prometheus restores `for` state only for the groups of its first load.
      Entry e;
      e.key = key;
      rules::RuleGroup valid;
      std::vector<std::string> errors = validate_rule_group(g.group, &valid);
      if (errors.empty()) {
        e.runner = std::make_unique<GroupRunner>(g, std::move(valid), first_load_, now);
        // Changed: Prometheus's CopyState. The old runner is dropped without stale markers.
        if (it != groups_.end() && it->second.runner && it->second.runner->target() == g.target) {
          e.runner->copy_state_from(*it->second.runner);
          groups_.erase(it);
        }
      } else {
        std::string msg = "invalid rule group:";
        for (const auto& err : errors) msg += "\n" + err;
        pg_guard([&] {
          ereport(LOG, (errmsg("pg_observe rules worker: group \"%s\" not evaluated: %s", g.group.name.c_str(),
                               msg.c_str())));
        });
        record_invalid(g.group.name, msg);
      }
      next.emplace(g.group.name, std::move(e));
    }
    // Left in groups_: groups deleted, disabled, or changed into an invalid group or onto
    // another target; their series end with staleness markers and their alert rows go.
    for (auto& entry : groups_) {
      const std::string& name = entry.first;
      if (!entry.second.runner) continue;
      bool exists =
          std::any_of(stored.begin(), stored.end(), [&name](const StoredRuleGroup& g) { return g.group.name == name; });
      entry.second.runner->stop(now, exists);
    }
    groups_ = std::move(next);
    first_load_ = false;
    return kConfigReloadMs;
  }

  static void record_invalid(const std::string& group, const std::string& msg) {
    run_in_transaction("rule group status", [&] {
      spi_execute_text(R"sql(
        INSERT INTO observe._rule_group_status AS s (group_name, last_error) VALUES ($1, $2)
        ON CONFLICT (group_name) DO UPDATE SET last_error = excluded.last_error)sql",
                       {group.c_str(), msg.c_str()}, SPI_OK_INSERT);
    });
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

  // Every row version of observe.rule_groups and observe.rules (count and a 64-bit hash sum of
  // xmin and ctid: any INSERT, UPDATE or DELETE changes it): the rows are read and each group's
  // key compared only when it changed, not every 2 s for every rule.
  static std::string rule_tables_fingerprint() {
    return pg_guard([] {
      if (SPI_execute(R"sql(
            SELECT (SELECT count(*) || '/' || coalesce(sum(hashtextextended(xmin::text || ctid::text, 0)::numeric), 0)
                      FROM observe.rule_groups) || ';' ||
                   (SELECT count(*) || '/' || coalesce(sum(hashtextextended(xmin::text || ctid::text, 0)::numeric), 0)
                      FROM observe.rules) || ';' ||
                   (SELECT coalesce(string_agg(external_labels::text, ','), '') FROM observe.scrape_global))sql",
                      true, 1) != SPI_OK_SELECT ||
          SPI_processed != 1)
        elog(ERROR, "could not read observe.rule_groups");
      char* v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
      return std::string(v ? v : "");
    });
  }

  std::string fingerprint_;  // of the rule tables at the last reload; empty: read them
  std::map<std::string, Entry> groups_;
  AlertSender sender_;
  bool first_load_ = true;
};

}  // namespace

void register_rules_worker() {
  // back after 5 s; it restores the `for` state
  register_observe_worker("observe_rules_worker_main", "pg_observe rules worker", -1, 5);
}

}  // namespace observe::pg

void observe_rules_worker_main(Datum) {
  observe::pg::run_observe_worker("pg_observe rules worker", observe::pg::worker_handle_sigterm, [](int) {
    observe::pg::RulesLoop loop;
    loop.run();
  }, 0);
}
