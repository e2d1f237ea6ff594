// Evaluation of one rule group as Prometheus's rules package evaluates it (group.go,
// recording.go, alerting.go): each rule queried at the evaluation time (minus the group's
// query_offset), its output appended before the next rule runs; recording rules renamed and
// relabeled; alerting rules keep per-label-set state (pending -> firing after `for`,
// `keep_firing_for`, resolved alerts kept 15 min), templated labels and annotations, ALERTS
// and ALERTS_FOR_STATE samples; staleness markers for series a rule stopped returning;
// `limit`; the alerts due for (re)sending; restore of `for` state after a restart.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/common/labels.h"
#include "core/promql/engine.h"
#include "core/promql/storage.h"
#include "core/rules/rule_file.h"

namespace observe::rules {

enum class AlertState { kInactive, kPending, kFiring };
const char* alert_state_name(AlertState s);  // "inactive", "pending", "firing"

struct Alert {
  AlertState state = AlertState::kPending;
  Labels labels;       // the series' labels minus __name__, rule labels, alertname
  Labels annotations;  // expanded; empty values kept
  double value = 0;
  int64_t active_at_ms = 0;
  int64_t fired_at_ms = 0;     // 0: never
  int64_t resolved_at_ms = 0;  // 0: not resolved
  int64_t last_sent_at_ms = 0;
  int64_t valid_until_ms = 0;
  int64_t keep_firing_since_ms = 0;  // 0: not kept firing
};

// A LogQL metric query at t_ms (rules of Loki rule files): the log store is the caller's.
using LogqlInstantQuery = std::function<promql::Value(const std::string& expr, int64_t t_ms)>;

struct EvalOptions {
  Labels external_labels;
  std::string external_url;
  promql::EngineOptions engine;
  int64_t resolved_retention_ms = 15 * 60 * 1000;  // rules.resolvedRetention
  int64_t resend_delay_ms = 60 * 1000;             // --rules.alert.resend-delay
  // Evaluates the LogQL rules; unset: they fail with "no log store for LogQL rules".
  LogqlInstantQuery logql_instant;
};

// Where evaluation results go: recorded samples, ALERTS, ALERTS_FOR_STATE, stale markers.
using Appender = std::function<void(const Labels& labels, int64_t t_ms, double v)>;

struct RuleEvalStatus {
  bool ok = true;
  std::string last_error;  // Prometheus's text, e.g. "exceeded limit of 2 with 3 alerts"
  size_t samples = 0;      // returned by the last evaluation
};

struct GroupEvalResult {
  size_t samples_appended = 0;
  size_t stale_markers = 0;
  // Alerts due for sending to Alertmanager at this evaluation (needsSending), copies.
  std::vector<std::pair<size_t, Alert>> to_send;  // (rule index, alert)
};

class RuleGroupEvaluator {
 public:
  RuleGroupEvaluator(RuleGroup group, EvalOptions opts);

  // One evaluation at t_ms: every rule in order, each rule's output appended before the next
  // rule is queried (they see each other's results at the same timestamp).
  GroupEvalResult eval(promql::Queryable& q, const Appender& append, int64_t t_ms);

  const RuleGroup& group() const { return group_; }
  const RuleEvalStatus& status(size_t rule) const { return rules_[rule].status; }
  // Alerts of an alerting rule not yet resolved (AlertingRule.ActiveAlerts).
  std::vector<Alert> active_alerts(size_t rule) const;
  // Every alert held, resolved ones included (ForEachActiveAlert).
  std::vector<Alert> all_alerts(size_t rule) const;

  // Group.CopyState after a reload changed the group: rules matched by name and labels
  // (duplicates in order) take over the old rule's alerts (activeAt and all) and its series
  // of the last evaluation (so those still go stale when no longer returned); the series of
  // old rules left unmatched get staleness markers at the next evaluation.
  void copy_state_from(const RuleGroupEvaluator& from);

  // Alerting rules write ALERTS / ALERTS_FOR_STATE only once restored (Prometheus marks
  // them restored after RestoreForState, or at once when restoring is off).
  void set_restored(bool restored);

  // Group.RestoreForState at t_ms (run after the first evaluation after a restart): each
  // held alert's ActiveAt is recovered from its last ALERTS_FOR_STATE sample within
  // [t - outage_tolerance, t], shifted by the downtime, or set so it fires
  // for_grace_period after t when less remained. Rules whose `for` is below the grace
  // period are just marked restored.
  void restore_for_state(promql::Queryable& q, int64_t t_ms, int64_t outage_tolerance_ms = 3600000,
                         int64_t for_grace_period_ms = 600000);

 private:
  struct RuleRuntime {
    RuleEvalStatus status;
    std::map<Labels, Alert> active;  // alerting rules, by alert labels
    std::map<Labels, bool> previous_series;  // series returned by the last good evaluation
    bool restored = false;
    promql::NodePtr expr;  // the rule's expression, parsed at its first evaluation
  };

  // An expression in a language at t_ms (Prometheus's EngineQueryFunc, or Loki's for LogQL).
  std::vector<promql::VectorElement> query(promql::Queryable& q, QueryLanguage language, const std::string& expr,
                                           int64_t t_ms) const;
  // The rule's own expression, PromQL parsed once per group load (not at every evaluation).
  std::vector<promql::VectorElement> rule_query(size_t idx, promql::Queryable& q, int64_t t_ms);
  std::vector<promql::VectorElement> to_vector(promql::Value v, int64_t t_ms) const;
  std::vector<std::pair<Labels, double>> eval_recording(size_t idx, const Rule& r, promql::Queryable& q, int64_t t_ms);
  std::vector<std::pair<Labels, double>> eval_alerting(size_t idx, const Rule& r, promql::Queryable& q, int64_t t_ms);

  RuleGroup group_;
  EvalOptions opts_;
  std::vector<RuleRuntime> rules_;
  std::vector<Labels> stale_series_;  // of rules a reload removed: marked at the next eval
};

// Group.EvalTimestamp: the evaluation slot at or before now_ns for a group of that name in
// that file, offset inside the interval by the hash of {name, file} (xxhash64 of the label
// set, as labels.Hash computes it) so groups spread over the interval.
int64_t group_eval_timestamp_ns(const std::string& group_name, const std::string& file, int64_t interval_ns,
                                int64_t now_ns);
// xxhash64 (seed 0), exposed for tests.
uint64_t xxhash64(std::string_view data);

}  // namespace observe::rules
