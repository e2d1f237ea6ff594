// One rule group in the rules worker: its schedule (Prometheus's slots: the group's hash
// offset inside the interval, missed slots skipped and counted), its evaluator (alert state
// lives here between evaluations), and each evaluation as one transaction that writes the
// recorded samples, ALERTS / ALERTS_FOR_STATE, the alert state rows and the health rows.
// An evaluation whose write gave up on a lock (observe.worker_lock_timeout: series GC's
// ShareLock, a user's LOCK TABLE) keeps its samples: they are written, in order, with the next
// evaluation's, and dropped (logged with their count) only once the first give-up is 5 minutes
// old (RetryHold, as the scrape worker's targets).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/rules/evaluator.h"
#include "pg/rules/alert_sender.h"
#include "pg/rules/rule_store.h"
#include "pg/workers/retry_hold.h"

namespace observe::pg {

class GroupRunner {
 public:
  // `validated` is the stored group as validate_rule_group returned it. restore: the worker
  // just started, so `for` state is restored from ALERTS_FOR_STATE after the first
  // evaluation (Prometheus's RestoreForState); otherwise alerts start restored.
  GroupRunner(const StoredRuleGroup& stored, rules::RuleGroup validated, bool restore, int64_t now_ms);

  const std::string& name() const { return name_; }
  int64_t next_due_ms() const { return next_slot_ms_; }
  int64_t interval_ms() const { return interval_ms_; }

  // Evaluates at the latest slot <= now when one is due; slots skipped since the last
  // evaluation are counted as missed. Alerts due for sending go to `sender` once the
  // evaluation committed.
  void run_if_due(int64_t now_ms, AlertSender& sender);

  // Prometheus's CopyState when a reload changed the group (same target): alerts of the rules
  // kept (by name and labels) go on with their activeAt, series of removed rules end stale.
  void copy_state_from(const GroupRunner& old);
  Oid target() const { return target_; }

  // The rule tables changed (a group deleted and created again with the same rules cascades
  // its alert and health rows away): the next evaluation writes them whatever it wrote last.
  void forget_written_rows();

  // The group leaves (deleted, disabled): its recorded series end with staleness markers at
  // now, as Prometheus marks a removed group's series stale. Also clears its alert rows.
  void stop(int64_t now_ms, bool group_still_exists);

 private:
  struct KeptSample {
    Labels labels;
    int64_t t;
    double v;
  };
  void evaluate(int64_t t_ms, int64_t missed, AlertSender& sender);
  // After a failed evaluation: keeps its samples (`evaluated`: it finished) with the earlier
  // kept ones when the failure was a lock wait given up and RetryHold allows, else drops and
  // logs them all. Returns the error for the health row.
  std::string keep_or_drop(bool evaluated, bool lock_timeout, std::vector<KeptSample>& samples,
                           const std::string& error);

  std::string name_;
  Oid target_;
  Oid log_source_;
  Labels external_labels_;
  std::vector<int> positions_;
  int64_t interval_ms_;
  int64_t next_slot_ms_;
  bool restore_pending_;
  bool has_alerts_ = false;
  std::unique_ptr<rules::RuleGroupEvaluator> evaluator_;
  std::set<Labels> written_series_;  // non-stale series of the last evaluation
  std::vector<KeptSample> kept_;     // samples of evaluations whose write gave up on a lock
  RetryHold kept_hold_;
  // What the last committed evaluation left in observe._alert_state (no row of the group) and
  // observe._rule_status (these rows, as the JSON written): unchanged rows are not rewritten.
  bool no_alerts_written_ = false;
  std::string statuses_written_;
};

}  // namespace observe::pg
