#include "pg/rules/group_runner.h"

#include <chrono>

#include "core/common/stale.h"
#include "core/httpapi/json.h"
#include "pg/border/border.h"
#include "pg/border/relation_closer.h"
#include "pg/logql/logql_source.h"
#include "pg/promql/promql_request.h"
#include "core/promql/overlay_storage.h"
#include "pg/promql/promql_storage.h"
#include "pg/rules/rules_guc.h"
#include "pg/border/spi_text.h"
#include "pg/ts/ts_store.h"
#include "pg/workers/worker_signals.h"
#include "pg/workers/worker_txn.h"

extern "C" {
#include "access/table.h"
#include "executor/spi.h"
#include "utils/syscache.h"
}

namespace observe::pg {

namespace {

// The alert rows of the group become exactly `alerts` (a jsonb array): rows of alerts the
// evaluator no longer holds are deleted, the others inserted or updated. The trigger on
// observe._alert_state sends NOTIFY observe_alerts for every state change.
const char* kSyncAlerts = R"sql(
  WITH cur AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(rule int, alertname text, labels jsonb, annotations jsonb,
                                                     state text, value text, active_at int8, fired_at int8,
                                                     resolved_at int8, last_sent_at int8, valid_until int8)),
  gone AS (
    DELETE FROM observe._alert_state s
     WHERE s.group_name = $1
       AND NOT EXISTS (SELECT FROM cur WHERE cur.rule = s.rule AND cur.labels = s.labels))
  INSERT INTO observe._alert_state AS s
         (group_name, rule, alertname, labels, annotations, state, value, active_at, fired_at, resolved_at,
          last_sent_at, valid_until, evaluated_at)
  SELECT $1, rule, alertname, labels, annotations, state, value::float8, to_timestamp(active_at / 1000.0),
         to_timestamp(nullif(fired_at, 0) / 1000.0), to_timestamp(nullif(resolved_at, 0) / 1000.0),
         to_timestamp(nullif(last_sent_at, 0) / 1000.0), to_timestamp(nullif(valid_until, 0) / 1000.0),
         to_timestamp($3::int8 / 1000.0)
    FROM cur
  ON CONFLICT (group_name, rule, labels) DO UPDATE SET
    alertname = excluded.alertname, annotations = excluded.annotations, state = excluded.state,
    value = excluded.value, active_at = excluded.active_at, fired_at = excluded.fired_at,
    resolved_at = excluded.resolved_at, last_sent_at = excluded.last_sent_at,
    valid_until = excluded.valid_until, evaluated_at = excluded.evaluated_at)sql";

const char* kSyncRuleStatus = R"sql(
  WITH cur AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(position int, health text, last_error text, samples int8)),
  gone AS (
    DELETE FROM observe._rule_status s
     WHERE s.group_name = $1 AND s.position NOT IN (SELECT position FROM cur))
  INSERT INTO observe._rule_status AS s (group_name, position, health, last_error, samples)
  SELECT $1, position, health, last_error, samples FROM cur
  ON CONFLICT (group_name, position) DO UPDATE SET
    health = excluded.health, last_error = excluded.last_error, samples = excluded.samples)sql";

// iterations and failures add up; missed: slots skipped before this one.
const char* kGroupStatus = R"sql(
  INSERT INTO observe._rule_group_status AS s
         (group_name, last_evaluation, last_duration, iterations_total, iterations_missed, evaluation_failures,
          samples, last_error)
  VALUES ($1, to_timestamp($2::int8 / 1000.0), $3::float8, 1, $4::int8, $5::int8, $6::int8, $7)
  ON CONFLICT (group_name) DO UPDATE SET
    last_evaluation = excluded.last_evaluation, last_duration = excluded.last_duration,
    iterations_total = s.iterations_total + 1,
    iterations_missed = s.iterations_missed + excluded.iterations_missed,
    evaluation_failures = s.evaluation_failures + excluded.evaluation_failures,
    samples = excluded.samples, last_error = excluded.last_error)sql";

void append_ms(std::string& out, const char* key, int64_t ms) {
  out += ",\"";
  out += key;
  out += "\":";
  out += std::to_string(ms);
}

std::string alert_json(int position, const std::string& alertname, const rules::Alert& a) {
  std::string o = "{\"rule\":" + std::to_string(position) + ",\"alertname\":";
  httpapi::append_json_string(o, alertname);
  o += ",\"labels\":";
  httpapi::append_labels_object(o, a.labels);
  o += ",\"annotations\":";
  httpapi::append_labels_object(o, a.annotations);
  o += ",\"state\":\"";
  o += rules::alert_state_name(a.state);
  o += "\",\"value\":\"";
  httpapi::append_prom_float(o, a.value);
  o += "\"";
  append_ms(o, "active_at", a.active_at_ms);
  append_ms(o, "fired_at", a.fired_at_ms);
  append_ms(o, "resolved_at", a.resolved_at_ms);
  append_ms(o, "last_sent_at", a.last_sent_at_ms);
  append_ms(o, "valid_until", a.valid_until_ms);
  return o + "}";
}

// Appends samples (GroupRunner::KeptSample: kept ones, or an evaluation's) to the target, in order.
template <typename Samples>
void append_kept(Relation rel, const Samples& samples) {
  for (const auto& k : samples) ts_append_samples(rel, k.labels, &k.t, &k.v, 1);
}

}  // namespace

GroupRunner::GroupRunner(const StoredRuleGroup& stored, rules::RuleGroup validated, bool restore, int64_t now_ms)
    : name_(stored.group.name),
      target_(stored.target),
      log_source_(stored.log_source),
      external_labels_(stored.external_labels),
      positions_(stored.positions),
      interval_ms_(validated.interval_ms > 0 ? validated.interval_ms : guc_rules_evaluation_interval_ms),
      restore_pending_(restore) {
  for (const auto& r : validated.rules) has_alerts_ |= r.is_alert();
  validated.interval_ms = interval_ms_;  // the resend rule's max(resend delay, interval)
  rules::EvalOptions opts;
  opts.engine = promql_engine_options();
  opts.external_url = guc_rules_external_url ? guc_rules_external_url : "";
  opts.external_labels = external_labels_;
  opts.resend_delay_ms = guc_rules_resend_delay_ms;
  // LogQL rules read the group's log_source, opened in the evaluation's transaction.
  opts.logql_instant = [source = log_source_](const std::string& expr, int64_t t_ms) {
    LogSource logs(source);
    return logql::instant_query(logs.store(), expr, t_ms, logql_engine_options());
  };
  evaluator_ = std::make_unique<rules::RuleGroupEvaluator>(std::move(validated), std::move(opts));
  evaluator_->set_restored(!restore);
  // Group.run: the first evaluation is at the slot after the one now is in.
  next_slot_ms_ = rules::group_eval_timestamp_ns(name_, stored.file, interval_ms_ * 1000000, now_ms * 1000000) /
                      1000000 +
                  interval_ms_;
}

void GroupRunner::forget_written_rows() {
  no_alerts_written_ = false;
  statuses_written_.clear();
}

void GroupRunner::copy_state_from(const GroupRunner& old) {
  evaluator_->copy_state_from(*old.evaluator_);
  written_series_ = old.written_series_;
  kept_ = old.kept_;  // same target: written with the next evaluation
  kept_hold_ = old.kept_hold_;
  if (old.restore_pending_) {
    restore_pending_ = true;
    evaluator_->set_restored(false);
  }
}

void GroupRunner::run_if_due(int64_t now_ms, AlertSender& sender) {
  if (now_ms < next_slot_ms_) return;
  int64_t missed = (now_ms - next_slot_ms_) / interval_ms_;
  int64_t t = next_slot_ms_ + missed * interval_ms_;
  next_slot_ms_ = t + interval_ms_;
  evaluate(t, missed, sender);
}

void GroupRunner::evaluate(int64_t t_ms, int64_t missed, AlertSender& sender) {
  std::string error;
  const std::string t_text = std::to_string(t_ms), missed_text = std::to_string(missed);
  auto write_group_status = [&](double seconds, int64_t failures, int64_t samples, const char* err) {
    std::string dur = std::to_string(seconds), fail = std::to_string(failures), n = std::to_string(samples);
    spi_execute_text_prepared(kGroupStatus,
                     {name_.c_str(), t_text.c_str(), dur.c_str(), missed_text.c_str(), fail.c_str(), n.c_str(), err},
                     SPI_OK_INSERT);
  };
  auto started = std::chrono::steady_clock::now();
  std::set<Labels> written;
  std::vector<std::pair<std::string, rules::Alert>> to_send;
  std::string alerts, statuses;
  std::vector<KeptSample> samples;  // this evaluation's, written after those kept before
  bool evaluated = false;
  bool lock_timeout = false;
  bool ok = run_in_transaction(
      "rule group evaluation",
      [&] {
        TsQueryable stored(target_);
        // The evaluation's own samples are written after it, and those of earlier evaluations
        // kept for retry are not stored yet: the overlay shows them to the rules (after the
        // one that wrote them, as Prometheus's rule manager does: `record: b, expr: a * 2`
        // sees this a).
        promql::OverlayStorage q(stored);
        for (const KeptSample& k : kept_) q.add(k.labels, k.t, k.v);
        auto append = [&](const Labels& l, int64_t ts, double v) {
          samples.push_back(KeptSample{l, ts, v});
          q.add(l, ts, v);
          if (is_stale_nan(v))
            written.erase(l);
          else
            written.insert(l);
        };
        rules::GroupEvalResult res = evaluator_->eval(q, append, t_ms);
        evaluated = true;
        // Written only now: the target's RowExclusiveLock is what a conflicting lock (series
        // GC's ShareLock, a user's LOCK TABLE) makes wait; reading needs only AccessShareLock.
        {
          RelationCloser rel{pg_guard([this] { return table_open(target_, RowExclusiveLock); })};
          append_kept(rel.rel, kept_);
          append_kept(rel.rel, samples);
        }
        for (auto& [rule, alert] : res.to_send) {
          // Prometheus's notifier: the external labels an alert does not carry itself are added
          // to what is sent (not to the ALERTS series stored here).
          for (const Label& l : external_labels_.items())
            if (!alert.labels.has(l.name)) alert.labels.set(l.name, l.value);
          to_send.emplace_back(evaluator_->group().rules[rule].expr, alert);
        }
        if (restore_pending_)
          evaluator_->restore_for_state(q, t_ms, guc_rules_for_outage_tolerance_ms, guc_rules_for_grace_period_ms);
        const rules::RuleGroup& g = evaluator_->group();
        alerts = "[";
        statuses = "[";
        int64_t failures = 0;
        for (size_t i = 0; i < g.rules.size(); i++) {
          const rules::RuleEvalStatus& st = evaluator_->status(i);
          if (!st.ok) failures++;
          if (i) statuses += ',';
          statuses += "{\"position\":" + std::to_string(positions_[i]) + ",\"health\":\"" + (st.ok ? "ok" : "err") +
                      "\",\"last_error\":";
          if (st.ok)
            statuses += "null";
          else
            httpapi::append_json_string(statuses, st.last_error);
          statuses += ",\"samples\":" + std::to_string(st.samples) + "}";
          if (!g.rules[i].is_alert()) continue;
          for (const rules::Alert& a : evaluator_->all_alerts(i)) {
            if (alerts.size() > 1) alerts += ',';
            alerts += alert_json(positions_[i], g.rules[i].alert, a);
          }
        }
        alerts += "]";
        statuses += "]";
        // Rows already as written by the last committed evaluation are not written again: no
        // alert then and none now (alert rows carry evaluated_at, so any alert is written), or
        // the same health rows (most evaluations of a healthy group).
        if (!(alerts == "[]" && no_alerts_written_))
          spi_execute_text_prepared(kSyncAlerts, {name_.c_str(), alerts.c_str(), t_text.c_str()}, SPI_OK_INSERT);
        if (statuses != statuses_written_)
          spi_execute_text_prepared(kSyncRuleStatus, {name_.c_str(), statuses.c_str()}, SPI_OK_INSERT);
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        write_group_status(seconds, failures, static_cast<int64_t>(res.samples_appended), nullptr);
      },
      &error, &lock_timeout);
  if (ok) {
    restore_pending_ = false;
    no_alerts_written_ = alerts == "[]";
    statuses_written_ = std::move(statuses);
    written_series_ = std::move(written);
    kept_.clear();
    kept_hold_.clear();
    sender.send(name_, to_send);
    return;
  }
  std::string why = keep_or_drop(evaluated, lock_timeout, samples, error);
  if (evaluated && !kept_.empty()) written_series_ = std::move(written);  // as if written: stale markers at stop
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  run_in_transaction("rule group status", [&] { write_group_status(seconds, 1, 0, why.c_str()); });
}

std::string GroupRunner::keep_or_drop(bool evaluated, bool lock_timeout, std::vector<KeptSample>& samples,
                                      const std::string& error) {
  // An evaluation that did not finish has no samples to keep (its evaluator state moved on as
  // far as it got, as before); what earlier evaluations kept still waits for a lock.
  bool kept = lock_timeout && kept_hold_.keep(wall_ms());
  if (kept) {
    if (evaluated) kept_.insert(kept_.end(), std::make_move_iterator(samples.begin()), std::make_move_iterator(samples.end()));
    return kept_.empty() ? error : "samples kept for retry: " + error;
  }
  size_t dropped = kept_.size() + (evaluated ? samples.size() : 0);
  kept_.clear();
  kept_hold_.clear();
  if (dropped > 0) {
    std::string group = name_;
    pg_guard([&] {
      ereport(LOG, (errmsg("pg_observe rules worker dropped %zu samples of rule group \"%s\": %s", dropped,
                           group.c_str(), error.c_str())));
    });
  }
  return error;
}

void GroupRunner::stop(int64_t now_ms, bool group_still_exists) {
  run_in_transaction("rule group stop", [&] {
    if ((!written_series_.empty() || !kept_.empty()) &&
        pg_guard([this] { return SearchSysCacheExists1(RELOID, ObjectIdGetDatum(target_)); })) {
      RelationCloser rel{pg_guard([this] { return table_open(target_, RowExclusiveLock); })};
      // Samples still kept for retry first, then the end of every series.
      append_kept(rel.rel, kept_);
      double v = stale_nan();
      for (const Labels& l : written_series_) ts_append_samples(rel.rel, l, &now_ms, &v, 1);
    }
    if (group_still_exists)
      spi_execute_text("DELETE FROM observe._alert_state WHERE group_name = $1", {name_.c_str()}, SPI_OK_DELETE);
  });
  written_series_.clear();
  kept_.clear();
  kept_hold_.clear();
}

}  // namespace observe::pg
