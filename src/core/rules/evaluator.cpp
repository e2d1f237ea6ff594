// Rule group evaluation with Prometheus's semantics (see evaluator.h). Written from the
// behaviour of rules/{group,recording,alerting}.go, not from their code.
#include "core/rules/evaluator.h"

#include <cmath>
#include <cstring>
#include <set>

#include "core/common/error.h"
#include "core/common/stale.h"
#include "core/promql/parser.h"
#include "core/rules/template.h"

namespace observe::rules {

const char* alert_state_name(AlertState s) {
  switch (s) {
    case AlertState::kInactive: return "inactive";
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
  }
  return "?";
}

namespace {

constexpr std::string_view kAlertMetric = "ALERTS";
constexpr std::string_view kAlertForStateMetric = "ALERTS_FOR_STATE";

struct RuleError {
  std::string msg;
};

Labels with(const Labels& base, std::initializer_list<std::pair<std::string_view, std::string_view>> set) {
  Labels out = base;
  for (const auto& [k, v] : set) out.set(k, v);
  return out;
}

}  // namespace

RuleGroupEvaluator::RuleGroupEvaluator(RuleGroup group, EvalOptions opts)
    : group_(std::move(group)), opts_(std::move(opts)), rules_(group_.rules.size()) {}

void RuleGroupEvaluator::set_restored(bool restored) {
  for (auto& r : rules_) r.restored = restored;
}

namespace {
// nameAndLabels: how CopyState matches a rule of the new group with one of the old.
std::string name_and_labels(const Rule& r) {
  std::string k = r.name();
  for (const auto& [n, v] : r.labels) k += "\xff" + n + "\xff" + v;
  return k;
}
}  // namespace

void RuleGroupEvaluator::copy_state_from(const RuleGroupEvaluator& from) {
  std::map<std::string, std::vector<size_t>> old_by_key;
  for (size_t fi = 0; fi < from.group_.rules.size(); fi++) old_by_key[name_and_labels(from.group_.rules[fi])].push_back(fi);
  std::vector<bool> matched(from.group_.rules.size(), false);
  for (size_t i = 0; i < group_.rules.size(); i++) {
    auto it = old_by_key.find(name_and_labels(group_.rules[i]));
    if (it == old_by_key.end() || it->second.empty()) continue;
    size_t fi = it->second.front();
    it->second.erase(it->second.begin());
    matched[fi] = true;
    rules_[i].previous_series = from.rules_[fi].previous_series;
    if (group_.rules[i].is_alert() && from.group_.rules[fi].is_alert()) rules_[i].active = from.rules_[fi].active;
  }
  stale_series_ = from.stale_series_;
  for (size_t fi = 0; fi < from.group_.rules.size(); fi++)
    if (!matched[fi])
      for (const auto& [l, unused] : from.rules_[fi].previous_series) {
        (void)unused;
        stale_series_.push_back(l);
      }
}

// rules.EngineQueryFunc: a vector, or a scalar as one sample without labels.
std::vector<promql::VectorElement> RuleGroupEvaluator::query(promql::Queryable& q, QueryLanguage language,
                                                             const std::string& expr, int64_t t_ms) const {
  if (language == QueryLanguage::kLogQL) {
    if (!opts_.logql_instant) throw RuleError{"no log store for LogQL rules"};
    return to_vector(opts_.logql_instant(expr, t_ms), t_ms);
  }
  return to_vector(promql::instant_query(q, expr, t_ms, opts_.engine), t_ms);
}

std::vector<promql::VectorElement> RuleGroupEvaluator::rule_query(size_t idx, promql::Queryable& q, int64_t t_ms) {
  const Rule& r = group_.rules[idx];
  if (r.language == QueryLanguage::kLogQL) return query(q, r.language, r.expr, t_ms);
  promql::NodePtr& expr = rules_[idx].expr;
  if (!expr) expr = promql::parse_expr(r.expr);  // a parse error is not kept: raised each time
  return to_vector(promql::instant_query(q, expr, t_ms, opts_.engine), t_ms);
}

std::vector<promql::VectorElement> RuleGroupEvaluator::to_vector(promql::Value v, int64_t t_ms) const {
  if (v.type == promql::ValueType::kVector) return v.vector;
  if (v.type == promql::ValueType::kScalar) {
    promql::VectorElement e;
    e.v = v.scalar;
    e.t = t_ms;
    return {e};
  }
  throw RuleError{"rule result is not a vector or scalar"};
}

std::vector<std::pair<Labels, double>> RuleGroupEvaluator::eval_recording(size_t idx, const Rule& r, promql::Queryable& q,
                                                                          int64_t t_ms) {
  auto vec = rule_query(idx, q, t_ms);
  std::vector<std::pair<Labels, double>> out;
  std::set<Labels> seen;
  for (const auto& e : vec) {
    Labels l = e.metric;
    l.set(kMetricNameLabel, r.record);
    for (const auto& [k, v] : group_.labels) l.set(k, v);
    for (const auto& [k, v] : r.labels) l.set(k, v);
    if (!seen.insert(l).second)
      throw RuleError{"vector contains metrics with the same labelset after applying rule labels"};
    out.emplace_back(std::move(l), e.v);
  }
  if (group_.limit > 0 && int64_t(out.size()) > group_.limit)
    throw RuleError{"exceeded limit of " + std::to_string(group_.limit) + " with " + std::to_string(out.size()) +
                    " series"};
  return out;
}

std::vector<std::pair<Labels, double>> RuleGroupEvaluator::eval_alerting(size_t idx, const Rule& r,
                                                                         promql::Queryable& q, int64_t t_ms) {
  RuleRuntime& rt = rules_[idx];
  auto vec = rule_query(idx, q, t_ms);
  // The template's `query` runs in the rule's language (Loki's ruler gives it LogQL).
  TemplateQueryFunc tq = [&](const std::string& expr) {
    std::vector<QuerySample> out;
    for (const auto& e : query(q, r.language, expr, t_ms)) out.push_back({e.metric, e.v});
    return out;
  };
  std::map<Labels, Alert> fresh;
  for (const auto& e : vec) {
    TValue data = alert_template_data(e.metric, opts_.external_labels, opts_.external_url, e.v);
    auto expand = [&](const std::string& text) {
      return expand_alert_template(r.alert, text, data, tq, opts_.external_url);
    };
    Labels l = e.metric;
    l.remove(kMetricNameLabel);
    for (const auto& [k, v] : group_.labels) l.set(k, v);
    for (const auto& [k, v] : r.labels) l.set(k, expand(v));
    l.set("alertname", r.alert);
    std::vector<Label> ann;
    for (const auto& [k, v] : r.annotations) ann.push_back({k, expand(v)});
    Alert a;
    a.labels = l;
    a.annotations = Labels::with_empty_values(std::move(ann));
    a.active_at_ms = t_ms;
    a.state = AlertState::kPending;
    a.value = e.v;
    if (fresh.count(l)) throw RuleError{"vector contains metrics with the same labelset after applying alert labels"};
    fresh.emplace(l, std::move(a));
  }
  for (auto& [l, a] : fresh) {
    auto it = rt.active.find(l);
    if (it != rt.active.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = a.annotations;
      continue;
    }
    rt.active[l] = a;
  }
  std::vector<std::pair<Labels, double>> out;
  int64_t active_pending = 0;
  for (auto it = rt.active.begin(); it != rt.active.end();) {
    Alert& a = it->second;
    bool erase = false;
    if (!fresh.count(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && r.keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms == 0) a.keep_firing_since_ms = t_ms;
        if (t_ms - a.keep_firing_since_ms < r.keep_firing_for_ms) keep_firing = true;
      }
      // A pending alert goes at once; a resolved one after the retention (for the resend of
      // its resolution to Alertmanager).
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ms != 0 && t_ms - a.resolved_at_ms > opts_.resolved_retention_ms))
        erase = true;
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = t_ms;
      }
      if (!keep_firing) {
        it = erase ? rt.active.erase(it) : std::next(it);
        continue;
      }
    } else {
      a.keep_firing_since_ms = 0;
    }
    active_pending++;
    if (a.state == AlertState::kPending && t_ms - a.active_at_ms >= r.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = t_ms;
    }
    if (rt.restored) {
      out.emplace_back(with(a.labels, {{kMetricNameLabel, kAlertMetric}, {"alertstate", alert_state_name(a.state)}}),
                       1.0);
      out.emplace_back(with(a.labels, {{kMetricNameLabel, kAlertForStateMetric}}),
                       double(a.active_at_ms / 1000));
    }
    it = erase ? rt.active.erase(it) : std::next(it);
  }
  if (group_.limit > 0 && active_pending > group_.limit) {
    rt.active.clear();
    throw RuleError{"exceeded limit of " + std::to_string(group_.limit) + " with " + std::to_string(active_pending) +
                    " alerts"};
  }
  return out;
}

GroupEvalResult RuleGroupEvaluator::eval(promql::Queryable& q, const Appender& append, int64_t t_ms) {
  GroupEvalResult res;
  const int64_t qt = t_ms - group_.query_offset_ms;
  for (size_t i = 0; i < group_.rules.size(); i++) {
    const Rule& r = group_.rules[i];
    RuleRuntime& rt = rules_[i];
    std::vector<std::pair<Labels, double>> samples;
    try {
      samples = r.is_alert() ? eval_alerting(i, r, q, qt) : eval_recording(i, r, q, qt);
    } catch (const RuleError& e) {
      rt.status = {false, e.msg, 0};
      continue;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kCanceled) throw;
      rt.status = {false, e.what(), 0};
      continue;
    }
    rt.status = {true, "", samples.size()};
    if (r.is_alert()) {
      // sendAlerts: firing alerts not sent for resend_delay, and newly resolved ones.
      int64_t delta = std::max(opts_.resend_delay_ms, group_.interval_ms);
      for (auto& [l, a] : rt.active) {
        if (a.state == AlertState::kPending) continue;
        bool due = a.resolved_at_ms > a.last_sent_at_ms || a.last_sent_at_ms + opts_.resend_delay_ms < t_ms ||
                   a.last_sent_at_ms == 0;
        if (!due) continue;
        a.last_sent_at_ms = t_ms;
        a.valid_until_ms = t_ms + 4 * delta;
        res.to_send.emplace_back(i, a);
      }
    }
    std::map<Labels, bool> returned;
    for (const auto& [l, v] : samples) {
      append(l, qt, v);
      returned[l] = true;
      res.samples_appended++;
    }
    for (const auto& [l, unused] : rt.previous_series) {
      (void)unused;
      if (!returned.count(l)) {
        append(l, qt, stale_nan());
        res.stale_markers++;
      }
    }
    rt.previous_series = std::move(returned);
  }
  // Series of rules a reload removed (CopyState's staleSeries), after the rules as Prometheus does.
  for (const Labels& l : stale_series_) {
    append(l, qt, stale_nan());
    res.stale_markers++;
  }
  stale_series_.clear();
  return res;
}

std::vector<Alert> RuleGroupEvaluator::active_alerts(size_t rule) const {
  std::vector<Alert> out;
  for (const auto& [l, a] : rules_[rule].active)
    if (a.resolved_at_ms == 0) out.push_back(a);
  return out;
}

std::vector<Alert> RuleGroupEvaluator::all_alerts(size_t rule) const {
  std::vector<Alert> out;
  for (const auto& [l, a] : rules_[rule].active) out.push_back(a);
  return out;
}

void RuleGroupEvaluator::restore_for_state(promql::Queryable& q, int64_t t_ms, int64_t outage_tolerance_ms,
                                           int64_t for_grace_period_ms) {
  const int64_t mint = t_ms - outage_tolerance_ms;
  for (size_t i = 0; i < group_.rules.size(); i++) {
    const Rule& r = group_.rules[i];
    RuleRuntime& rt = rules_[i];
    if (!r.is_alert()) continue;
    if (r.for_ms < for_grace_period_ms) {
      rt.restored = true;
      continue;
    }
    for (auto& [l, a] : rt.active) {
      Matchers ms;
      Labels want = with(a.labels, {{kMetricNameLabel, kAlertForStateMetric}});
      for (const auto& lab : want.items()) ms.push_back(LabelMatcher(MatchOp::kEqual, lab.name, lab.value));
      const promql::SeriesData* found = nullptr;
      auto series = q.select(ms, mint, t_ms);
      for (const auto& s : series)
        if (s.labels == want && !s.samples.empty()) found = &s;
      if (!found) continue;
      const promql::Sample& last = found->samples.back();
      if (is_stale_nan(last.v)) continue;  // the alert was not active
      int64_t down_at = (last.t / 1000) * 1000;
      // A value no second count can be (NaN, out of range) is not a for-state.
      if (!(std::fabs(last.v) < 9e15)) continue;
      int64_t restored_active_at = static_cast<int64_t>(last.v) * 1000;
      int64_t remaining = r.for_ms - (down_at - restored_active_at);
      if (remaining <= 0) {
        // It was firing when the evaluation stopped: the next evaluation fires it again.
      } else if (remaining < for_grace_period_ms) {
        restored_active_at = t_ms - r.for_ms + for_grace_period_ms;
      } else {
        restored_active_at += t_ms - down_at;
      }
      a.active_at_ms = restored_active_at;
    }
    rt.restored = true;
  }
}

// ---- interval alignment ----

namespace {
constexpr uint64_t P1 = 11400714785074694791ull, P2 = 14029467366897019727ull, P3 = 1609587929392839161ull,
                   P4 = 9650029242287828579ull, P5 = 2870177450012600261ull;
uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t read64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian hosts only (x86-64, arm64)
}
uint32_t read32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t round(uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; }
uint64_t merge(uint64_t acc, uint64_t v) { return (acc ^ round(0, v)) * P1 + P4; }
}  // namespace

uint64_t xxhash64(std::string_view data) {
  const char* p = data.data();
  const char* end = p + data.size();
  uint64_t h;
  if (data.size() >= 32) {
    uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0 - P1;
    while (p + 32 <= end) {
      v1 = round(v1, read64(p));
      v2 = round(v2, read64(p + 8));
      v3 = round(v3, read64(p + 16));
      v4 = round(v4, read64(p + 24));
      p += 32;
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = P5;
  }
  h += data.size();
  while (p + 8 <= end) {
    h ^= round(0, read64(p));
    h = rotl(h, 27) * P1 + P4;
    p += 8;
  }
  if (p + 4 <= end) {
    h ^= uint64_t(read32(p)) * P1;
    h = rotl(h, 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h ^= uint64_t(static_cast<unsigned char>(*p)) * P5;
    h = rotl(h, 11) * P1;
    p++;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

int64_t group_eval_timestamp_ns(const std::string& group_name, const std::string& file, int64_t interval_ns,
                                int64_t now_ns) {
  if (interval_ns <= 0) return now_ns;
  // labels.Labels{file, name}.Hash(): sorted names, each name and value followed by 0xff.
  std::string b = "file\xff" + file + "\xff" + "name\xff" + group_name + "\xff";
  int64_t offset = static_cast<int64_t>(xxhash64(b) % static_cast<uint64_t>(interval_ns));
  int64_t adj = now_ns - offset;
  int64_t base = adj - (adj % interval_ns);
  return base + offset;
}

}  // namespace observe::rules
