// RuleGroupEvaluator step by step on a MemoryStorage: the state machine of alerting rules,
// recording rules, staleness markers, limits, query_offset, group labels, resend
// bookkeeping, for-state restore and the evaluation slot alignment.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/common/stale.h"
#include "core/logql/engine.h"
#include "core/logql/storage.h"
#include "core/promql/memory_storage.h"
#include "core/rules/evaluator.h"
#include "core/rules/rule_file.h"

using namespace observe;
using namespace observe::rules;

namespace {

constexpr int64_t kMin = 60000;

RuleGroup group_of(const std::string& yaml) {
  RuleFile f = parse_rule_file(yaml);
  EXPECT_EQ(f.groups.size(), 1u);
  return f.groups.at(0);
}

struct Harness {
  promql::MemoryStorage storage;
  std::vector<std::tuple<Labels, int64_t, double>> appended;
  Appender append = [this](const Labels& l, int64_t t, double v) {
    appended.emplace_back(l, t, v);
    storage.add(l, t, v);
  };
};

}  // namespace

TEST(Evaluator, AlertGoesPendingThenFiringThenResolvedAndIsDroppedAfterRetention) {
  RuleGroupEvaluator ev(group_of(R"(
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 2m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.instance }} is {{ $value }}"}
)"),
                        {});
  ev.set_restored(true);
  Harness h;
  Labels up{{"__name__", "up"}, {"instance", "a"}};
  for (int m = 0; m <= 3; m++) h.storage.add(up, m * kMin, 0);
  h.storage.add(up, 4 * kMin, 1);

  ev.eval(h.storage, h.append, 0);
  auto a = ev.active_alerts(0);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, AlertState::kPending);
  EXPECT_EQ(a[0].labels.to_string(), R"({alertname="Down", instance="a", severity="page"})");
  EXPECT_EQ(a[0].annotations.get("summary"), "a is 0");

  ev.eval(h.storage, h.append, 1 * kMin);
  EXPECT_EQ(ev.active_alerts(0).at(0).state, AlertState::kPending);
  auto r = ev.eval(h.storage, h.append, 2 * kMin);
  a = ev.active_alerts(0);
  EXPECT_EQ(a.at(0).state, AlertState::kFiring);
  EXPECT_EQ(a.at(0).fired_at_ms, 2 * kMin);
  EXPECT_EQ(a.at(0).active_at_ms, 0);
  ASSERT_EQ(r.to_send.size(), 1u);  // a firing alert is sent at once
  EXPECT_EQ(r.to_send[0].second.valid_until_ms, 2 * kMin + 4 * kMin);

  // ALERTS and ALERTS_FOR_STATE written at each evaluation.
  bool saw_firing = false, saw_for_state = false;
  for (const auto& [l, t, v] : h.appended) {
    if (t != 2 * kMin) continue;
    if (l.metric_name() == "ALERTS" && l.get("alertstate") == "firing") saw_firing = v == 1;
    if (l.metric_name() == "ALERTS_FOR_STATE") saw_for_state = v == 0;
  }
  EXPECT_TRUE(saw_firing);
  EXPECT_TRUE(saw_for_state);

  r = ev.eval(h.storage, h.append, 3 * kMin);
  EXPECT_TRUE(r.to_send.empty());  // resend only after resend_delay (1m): 3m is not after 2m+1m
  r = ev.eval(h.storage, h.append, 4 * kMin);  // up is 1 again: resolved
  EXPECT_TRUE(ev.active_alerts(0).empty());
  auto all = ev.all_alerts(0);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].state, AlertState::kInactive);
  EXPECT_EQ(all[0].resolved_at_ms, 4 * kMin);
  ASSERT_EQ(r.to_send.size(), 1u);  // the resolution is sent
  // The series the rule no longer returns get staleness markers.
  EXPECT_EQ(r.stale_markers, 2u);
  // Kept 15 minutes for re-sending the resolution, then forgotten.
  ev.eval(h.storage, h.append, 19 * kMin);
  EXPECT_EQ(ev.all_alerts(0).size(), 1u);
  ev.eval(h.storage, h.append, 19 * kMin + 1);
  EXPECT_TRUE(ev.all_alerts(0).empty());
}

TEST(Evaluator, PendingAlertThatStopsIsForgottenAtOnce) {
  RuleGroupEvaluator ev(group_of("groups: [{name: g, rules: [{alert: A, expr: x > 0, for: 5m}]}]"), {});
  Harness h;
  Labels x{{"__name__", "x"}};
  h.storage.add(x, 0, 1);
  h.storage.add(x, kMin, 0);
  ev.eval(h.storage, h.append, 0);
  EXPECT_EQ(ev.all_alerts(0).size(), 1u);
  ev.eval(h.storage, h.append, kMin);
  EXPECT_TRUE(ev.all_alerts(0).empty());
  // Not restored: no ALERTS series written.
  EXPECT_TRUE(h.appended.empty());
}

TEST(Evaluator, KeepFiringForHoldsTheAlert) {
  RuleGroupEvaluator ev(group_of(
                            "groups: [{name: g, rules: [{alert: A, expr: x > 0, keep_firing_for: 2m}]}]"),
                        {});
  Harness h;
  Labels x{{"__name__", "x"}};
  h.storage.add(x, 0, 1);
  h.storage.add(x, kMin, 0);
  ev.eval(h.storage, h.append, 0);
  EXPECT_EQ(ev.active_alerts(0).at(0).state, AlertState::kFiring);  // no `for`: fires at once
  ev.eval(h.storage, h.append, 1 * kMin);
  EXPECT_EQ(ev.active_alerts(0).at(0).state, AlertState::kFiring);
  EXPECT_EQ(ev.active_alerts(0).at(0).keep_firing_since_ms, 1 * kMin);
  ev.eval(h.storage, h.append, 2 * kMin);
  EXPECT_EQ(ev.active_alerts(0).size(), 1u);
  ev.eval(h.storage, h.append, 3 * kMin);
  EXPECT_TRUE(ev.active_alerts(0).empty());
}

TEST(Evaluator, RecordingRuleRenamesRelabelsAndMarksVanishedSeriesStale) {
  RuleGroupEvaluator ev(group_of(R"(
groups:
  - name: g
    labels: {team: infra}
    rules:
      - record: job:x:sum
        expr: sum by (job) (x)
        labels: {source: rule}
      - record: job:x:double
        expr: job:x:sum * 2
)"),
                        {});
  Harness h;
  h.storage.add(Labels{{"__name__", "x"}, {"job", "a"}}, 0, 3);
  h.storage.add(Labels{{"__name__", "x"}, {"job", "b"}}, 0, 4);
  auto r = ev.eval(h.storage, h.append, 0);
  EXPECT_EQ(r.samples_appended, 4u);
  // The second rule saw the first one's output at the same timestamp.
  bool doubled = false;
  for (const auto& [l, t, v] : h.appended)
    if (l.to_string() == R"(job:x:double{job="b", source="rule", team="infra"})") doubled = v == 8 && t == 0;
  EXPECT_TRUE(doubled);
  // At 10m the inputs are past the lookback: both rules return nothing and write markers.
  r = ev.eval(h.storage, h.append, 10 * kMin);
  EXPECT_EQ(r.samples_appended, 0u);
  EXPECT_EQ(r.stale_markers, 4u);
  EXPECT_TRUE(is_stale_nan(std::get<2>(h.appended.back())));
  r = ev.eval(h.storage, h.append, 11 * kMin);
  EXPECT_EQ(r.stale_markers, 0u);  // once only
}

TEST(Evaluator, ErrorsAsPrometheusReportsThem) {
  RuleGroupEvaluator ev(group_of(R"(
groups:
  - name: g
    limit: 1
    rules:
      - record: same
        expr: '{__name__=~"m|n"}'
      - alert: TooMany
        expr: m > 0
      - record: r
        expr: '"a string"'
)"),
                        {});
  Harness h;
  h.storage.add(Labels{{"__name__", "m"}, {"i", "1"}}, 0, 1);
  h.storage.add(Labels{{"__name__", "m"}, {"i", "2"}}, 0, 1);
  h.storage.add(Labels{{"__name__", "n"}, {"i", "1"}}, 0, 1);
  ev.eval(h.storage, h.append, 0);
  EXPECT_EQ(ev.status(0).last_error, "vector contains metrics with the same labelset after applying rule labels");
  EXPECT_EQ(ev.status(1).last_error, "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(ev.all_alerts(1).empty());
  EXPECT_EQ(ev.status(2).last_error, "rule result is not a vector or scalar");
}

TEST(Evaluator, QueryOffsetShiftsQueryAndSampleTime) {
  RuleGroupEvaluator ev(group_of(R"(
groups:
  - name: g
    query_offset: 1m
    rules:
      - record: y
        expr: x
)"),
                        {});
  Harness h;
  h.storage.add(Labels{{"__name__", "x"}}, 0, 5);
  h.storage.add(Labels{{"__name__", "x"}}, 2 * kMin, 7);
  ev.eval(h.storage, h.append, 2 * kMin);
  ASSERT_EQ(h.appended.size(), 1u);
  EXPECT_EQ(std::get<1>(h.appended[0]), 1 * kMin);
  EXPECT_EQ(std::get<2>(h.appended[0]), 5);  // the sample at 2m is after the query time
}

TEST(Evaluator, RestoreForStateShiftsActiveAtByTheOutage) {
  const char* yaml = "groups: [{name: g, rules: [{alert: A, expr: x > 0, for: 30m}]}]";
  Harness h;
  Labels x{{"__name__", "x"}};
  for (int m = 0; m <= 200; m++) h.storage.add(x, m * kMin, 1);
  Labels fs{{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}};
  // Before the restart: active since 100m, last evaluated at 110m (10m of 30m pending).
  h.storage.add(fs, 110 * kMin, 100 * 60);
  RuleGroupEvaluator ev(group_of(yaml), {});
  ev.eval(h.storage, h.append, 130 * kMin);  // first evaluation after a 20m outage
  ev.restore_for_state(h.storage, 130 * kMin);
  // 20m remained (more than the 10m grace period): ActiveAt moves by the 20m outage.
  EXPECT_EQ(ev.active_alerts(0).at(0).active_at_ms, 120 * kMin);
  ev.eval(h.storage, h.append, 149 * kMin);
  EXPECT_EQ(ev.active_alerts(0).at(0).state, AlertState::kPending);
  ev.eval(h.storage, h.append, 150 * kMin);
  EXPECT_EQ(ev.active_alerts(0).at(0).state, AlertState::kFiring);

  // Less than the grace period left: fires grace period after the restart.
  promql::MemoryStorage s2;
  for (int m = 0; m <= 200; m++) s2.add(x, m * kMin, 1);
  s2.add(fs, 125 * kMin, 100 * 60);  // 25m of 30m spent
  RuleGroupEvaluator ev2(group_of(yaml), {});
  Appender a2 = [&](const Labels& l, int64_t t, double v) { s2.add(l, t, v); };
  ev2.eval(s2, a2, 130 * kMin);
  ev2.restore_for_state(s2, 130 * kMin);
  EXPECT_EQ(ev2.active_alerts(0).at(0).active_at_ms, 130 * kMin - 30 * kMin + 10 * kMin);

  // Outside the outage tolerance (1h): nothing restored, pending from now.
  promql::MemoryStorage s3;
  for (int m = 0; m <= 200; m++) s3.add(x, m * kMin, 1);
  s3.add(fs, 10 * kMin, 0);
  RuleGroupEvaluator ev3(group_of(yaml), {});
  Appender a3 = [&](const Labels& l, int64_t t, double v) { s3.add(l, t, v); };
  ev3.eval(s3, a3, 130 * kMin);
  ev3.restore_for_state(s3, 130 * kMin);
  EXPECT_EQ(ev3.active_alerts(0).at(0).active_at_ms, 130 * kMin);
}

TEST(Evaluator, Xxhash64KnownVectors) {
  // Values from the reference implementation (libxxhash 0.8, seed 0).
  EXPECT_EQ(xxhash64(""), 0xef46db3751d8e999ull);
  EXPECT_EQ(xxhash64("a"), 0xd24ec4f1a98c6e5bull);
  EXPECT_EQ(xxhash64("abc"), 0x44bc2cf5ad770999ull);
  EXPECT_EQ(xxhash64(std::string("file\xffrules.yml\xffname\xff", 20)), 0x948bb57995337a31ull);
  EXPECT_EQ(xxhash64(std::string("file\xffrules.yml\xffname\xff" "example\xff", 28)), 0xb63b7f17f860f19full);
  EXPECT_EQ(xxhash64("abcdefgh"), 0x3ad351775b4634b7ull);
  std::string hundred;
  for (int i = 0; i < 100; i++) hundred += char(i);
  EXPECT_EQ(xxhash64(hundred), 0x6ac1e58032166597ull);
}

TEST(Evaluator, EvalTimestampIsTheSlotAtOrBeforeNowOffsetByTheGroupHash) {
  const int64_t interval = 15'000'000'000;  // 15s in ns
  std::string b = std::string("file\xff") + "/etc/rules.yml" + "\xff" + "name\xff" + "api" + "\xff";
  int64_t offset = int64_t(xxhash64(b) % uint64_t(interval));
  for (int64_t now : {int64_t(1700000000123456789), int64_t(1700000007000000000), int64_t(1700000015000000001)}) {
    int64_t ts = group_eval_timestamp_ns("api", "/etc/rules.yml", interval, now);
    EXPECT_LE(ts, now);
    EXPECT_GT(ts, now - interval);
    EXPECT_EQ((ts - offset) % interval, 0);
  }
  // Another group lands elsewhere in the interval.
  EXPECT_NE(group_eval_timestamp_ns("api", "/etc/rules.yml", interval, 1700000000000000000),
            group_eval_timestamp_ns("web", "/etc/rules.yml", interval, 1700000000000000000));
}

// Group.CopyState: a reload that changes the group keeps the alerts of rules it still has
// (matched by name and labels) with their activeAt, and ends the series of removed rules.
TEST(Evaluator, CopyStateKeepsAlertsOfKeptRulesAndEndsSeriesOfRemovedOnes) {
  Harness h;
  Labels up{{"__name__", "up"}, {"instance", "a"}};
  for (int m = 0; m <= 10; m++) h.storage.add(up, m * kMin, 0);
  RuleGroupEvaluator old_ev(group_of(R"(
groups:
  - name: g
    rules:
      - record: up:copy
        expr: up
      - alert: Down
        expr: up == 0
        for: 5m
        labels: {severity: page}
)"),
                            {});
  old_ev.set_restored(true);
  old_ev.eval(h.storage, h.append, 0);
  old_ev.eval(h.storage, h.append, kMin);
  ASSERT_EQ(old_ev.active_alerts(1).size(), 1u);

  // The threshold's annotation changes and the recording rule goes: the alert keeps activeAt 0.
  RuleGroupEvaluator new_ev(group_of(R"(
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        labels: {severity: page}
        annotations: {summary: changed}
)"),
                            {});
  new_ev.set_restored(true);
  new_ev.copy_state_from(old_ev);
  h.appended.clear();
  new_ev.eval(h.storage, h.append, 2 * kMin);
  auto a = new_ev.active_alerts(0);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].active_at_ms, 0);
  EXPECT_EQ(a[0].annotations.get("summary"), "changed");
  bool recorded_stale = false;
  for (const auto& [l, t, v] : h.appended)
    if (l.get("__name__") == "up:copy") recorded_stale = t == 2 * kMin && is_stale_nan(v);
  EXPECT_TRUE(recorded_stale);
  new_ev.eval(h.storage, h.append, 5 * kMin);
  EXPECT_EQ(new_ev.active_alerts(0).at(0).state, AlertState::kFiring);

  // A rule whose labels changed is another rule: its alert starts over.
  RuleGroupEvaluator relabeled(group_of(R"(
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        labels: {severity: ticket}
)"),
                               {});
  relabeled.set_restored(true);
  relabeled.copy_state_from(new_ev);
  relabeled.eval(h.storage, h.append, 6 * kMin);
  ASSERT_EQ(relabeled.active_alerts(0).size(), 1u);
  EXPECT_EQ(relabeled.active_alerts(0)[0].active_at_ms, 6 * kMin);
  EXPECT_EQ(relabeled.active_alerts(0)[0].state, AlertState::kPending);
}

// A Loki rule file: LogQL metric queries over a log store, evaluated by the same state machine.
TEST(Evaluator, LogqlRulesRecordAndAlertOverALogStore) {
  RuleFileOptions opts;
  opts.language = QueryLanguage::kLogQL;
  RuleFile f = parse_rule_file(R"(
groups:
  - name: logs
    rules:
      - record: app:lines:count1m
        expr: sum by (app) (count_over_time({app=~"a|b"}[1m]))
      - alert: ManyErrors
        expr: sum by (app) (count_over_time({app=~"a|b"} |= "error" [1m])) > 1
        labels: {severity: page}
        annotations: {summary: "{{ $labels.app }}: {{ $value }} errors"}
)",
                               opts);
  ASSERT_EQ(f.groups.size(), 1u);
  EXPECT_EQ(f.groups[0].rules[1].language, QueryLanguage::kLogQL);
  logql::MemoryLogStore logs;
  const int64_t ms = 1000000;  // ns per ms
  for (int i = 0; i < 5; i++) logs.append(Labels{{"app", "a"}}, (10000 + i * 1000) * ms, i < 3 ? "error: boom" : "ok");
  logs.append(Labels{{"app", "b"}}, 20000 * ms, "error once");
  EvalOptions eo;
  eo.logql_instant = [&](const std::string& expr, int64_t t_ms) {
    return logql::instant_query(logs, expr, t_ms, logql::EngineOptions());
  };
  RuleGroupEvaluator ev(f.groups[0], eo);
  ev.set_restored(true);
  Harness h;
  ev.eval(h.storage, h.append, 30000);
  std::map<std::string, double> recorded;
  for (const auto& [l, t, v] : h.appended)
    if (l.get("__name__") == "app:lines:count1m") recorded[std::string(l.get("app"))] = v;
  EXPECT_EQ(recorded, (std::map<std::string, double>{{"a", 5}, {"b", 1}}));
  auto alerts = ev.active_alerts(1);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);  // no `for`
  EXPECT_EQ(alerts[0].labels.to_string(), R"({alertname="ManyErrors", app="a", severity="page"})");
  EXPECT_EQ(alerts[0].annotations.get("summary"), "a: 3 errors");
  EXPECT_TRUE(ev.status(0).ok);

  // Without a log store the LogQL rules fail as a query error would.
  RuleGroupEvaluator no_store(f.groups[0], {});
  no_store.eval(h.storage, h.append, 30000);
  EXPECT_FALSE(no_store.status(0).ok);
  EXPECT_EQ(no_store.status(0).last_error, "no log store for LogQL rules");
}

// A log query is a valid LogQL expression (Loki's ruler loads it) but not a rule result.
TEST(Evaluator, LogqlLogQueryIsNotARuleResult) {
  RuleFileOptions opts;
  opts.language = QueryLanguage::kLogQL;
  RuleFile f = parse_rule_file("groups:\n  - name: g\n    rules:\n      - record: x\n        expr: '{app=\"a\"}'\n", opts);
  logql::MemoryLogStore logs;
  EvalOptions eo;
  eo.logql_instant = [&](const std::string& expr, int64_t t_ms) {
    return logql::instant_query(logs, expr, t_ms, logql::EngineOptions());
  };
  RuleGroupEvaluator ev(f.groups[0], eo);
  Harness h;
  ev.eval(h.storage, h.append, 1000);
  EXPECT_FALSE(ev.status(0).ok);
  EXPECT_FALSE(ev.status(0).last_error.empty());
}
