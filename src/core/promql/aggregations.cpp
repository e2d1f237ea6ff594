// Aggregation operators (sum, avg, count, min, max, group, stddev, stdvar, quantile,
// count_values, topk, bottomk, limitk, limit_ratio) at one evaluation step.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "core/promql/aggregate_impl.h"
#include "core/promql/kahan.h"
#include "core/promql/quantile.h"
#include "core/promql/strutil.h"

namespace observe::promql {

namespace {

// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits that round-trip, no exponent.
std::string format_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

}  // namespace

static bool in_group(const Label& lb, const Node& n) {
  bool listed = std::find(n.grouping.begin(), n.grouping.end(), lb.name) != n.grouping.end();
  return n.without ? (!listed && lb.name != kMetricNameLabel) : listed;
}

void grouping_key(const Labels& l, const Node& n, std::string* key) {
  key->clear();
  for (auto& lb : l.items()) {
    if (!in_group(lb, n)) continue;
    *key += lb.name;
    *key += '\xff';
    *key += lb.value;
    *key += '\xff';
  }
}

Labels grouping_labels(const Labels& l, const Node& n) {
  std::vector<Label> out;
  for (auto& lb : l.items())
    if (in_group(lb, n)) out.push_back(lb);
  return Labels(std::move(out));
}

bool aggregate_param_ok(Evaluator& ev, const Node& n, double param) {
  if (n.agg == AggOp::kTopk || n.agg == AggOp::kBottomk || n.agg == AggOp::kLimitk) {
    if (param < 1) return false;
    if (std::isnan(param)) Evaluator::invalid("Parameter value is NaN");
    if (param >= 9.223372036854775807e18) Evaluator::invalid("Scalar value " + format_float(param) + " overflows int64");
  }
  if (n.agg == AggOp::kLimitRatio) {
    if (param == 0) return false;
    if (std::isnan(param)) Evaluator::invalid("Ratio value is NaN");
  }
  if (n.agg == AggOp::kQuantile && (std::isnan(param) || param < 0 || param > 1)) {
    ev.warn("quantile value should be between 0 and 1, got " + go_format_g(param), n.args[0]->pos);
  }
  return true;
}

void aggregate_add(AggOp op, AggGroup& g, double f, bool drop_name) {
  if (drop_name) g.drop_name = true;
  if (g.count == 0) {
    g.count = 1;
    g.value = f;
    g.mean = f;
    if (op == AggOp::kStddev || op == AggOp::kStdvar) g.value = (std::isnan(f) || std::isinf(f)) ? std::nan("") : 0;
    if (op == AggOp::kGroup) g.value = 1;
    if (op == AggOp::kQuantile) g.values.push_back(f);
    return;
  }
  switch (op) {
    case AggOp::kSum:
      kahan_inc(f, &g.value, &g.c);
      g.count++;
      break;
    case AggOp::kAvg: {
      g.count++;
      if (!g.incremental_mean) {
        double nv = g.value, nc = g.c;
        kahan_inc(f, &nv, &nc);
        if (!std::isinf(nv)) {
          g.value = nv;
          g.c = nc;
          break;
        }
        // The sum would overflow: continue with an incremental mean.
        g.incremental_mean = true;
        g.mean = g.value / (g.count - 1);
        g.c /= g.count - 1;
      }
      double q = (g.count - 1) / g.count;
      double m = q * g.mean, c = q * g.c;
      kahan_inc(f / g.count, &m, &c);
      g.mean = m;
      g.c = c;
      break;
    }
    case AggOp::kMax:
      if (g.value < f || std::isnan(g.value)) g.value = f;
      break;
    case AggOp::kMin:
      if (g.value > f || std::isnan(g.value)) g.value = f;
      break;
    case AggOp::kCount:
      g.count++;
      break;
    case AggOp::kStddev:
    case AggOp::kStdvar: {
      g.count++;
      double delta = f - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (f - g.mean);
      break;
    }
    case AggOp::kQuantile:
      g.values.push_back(f);
      break;
    default:
      break;
  }
}

double aggregate_result(AggOp op, const AggGroup& g, double param) {
  switch (op) {
    case AggOp::kSum: return g.value + g.c;
    case AggOp::kAvg: return g.incremental_mean ? g.mean + g.c : g.value / g.count + g.c / g.count;
    case AggOp::kCount: return g.count;
    case AggOp::kStdvar: return g.value / g.count;
    case AggOp::kStddev: return std::sqrt(g.value / g.count);
    case AggOp::kQuantile: return quantile(param, g.values);
    default: return g.value;
  }
}


Vector eval_aggregate(Evaluator& ev, const Node& n, int64_t t) {
  const Node& arg = *n.args.back();
  Value in = ev.eval(arg, t);
  Vector& vec = in.vector;
  double param = 0;
  std::string str_param;
  if (n.args.size() == 2) {
    Value p = ev.eval(*n.args[0], t);
    if (p.type == ValueType::kString) str_param = p.str;
    else param = p.scalar;
  }
  Vector out;
  if (!aggregate_param_ok(ev, n, param)) return out;
  if (n.agg == AggOp::kCountValues) {
    if (!is_valid_label_name(str_param)) Evaluator::invalid("invalid label name " + go_quote(str_param));
  }

  std::vector<AggGroup> groups;
  std::unordered_map<std::string, size_t> index;
  std::vector<size_t> group_of(vec.size());
  std::string key;
  for (size_t i = 0; i < vec.size(); i++) {
    grouping_key(vec[i].metric, n, &key);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, groups.size()).first;
      groups.emplace_back();
      groups.back().labels = grouping_labels(vec[i].metric, n);
    }
    group_of[i] = it->second;
  }

  if (n.agg == AggOp::kCountValues) {
    // Counts per (group, value); output in order of first appearance.
    std::map<std::pair<size_t, std::string>, size_t> pos;
    for (size_t i = 0; i < vec.size(); i++) {
      std::string val = format_float(vec[i].v);
      auto key = std::make_pair(group_of[i], val);
      auto it = pos.find(key);
      if (it == pos.end()) {
        Labels l = groups[group_of[i]].labels;
        l.set(str_param, val);
        pos.emplace(key, out.size());
        out.push_back({std::move(l), 1, t, false});
      } else {
        out[it->second].v += 1;
      }
    }
    return out;
  }

  if (n.agg == AggOp::kTopk || n.agg == AggOp::kBottomk || n.agg == AggOp::kLimitk || n.agg == AggOp::kLimitRatio) {
    int64_t k = static_cast<int64_t>(std::min<double>(param, static_cast<double>(vec.size())));
    for (size_t i = 0; i < vec.size(); i++) groups[group_of[i]].members.push_back(i);
    bool top = n.agg == AggOp::kTopk;
    for (auto& g : groups) {
      std::vector<size_t> m = g.members;
      if (n.agg == AggOp::kTopk || n.agg == AggOp::kBottomk) {
        // NaN always sorts last; ties keep input order.
        std::stable_sort(m.begin(), m.end(), [&](size_t a, size_t b) {
          double x = vec[a].v, y = vec[b].v;
          if (std::isnan(x)) return false;
          if (std::isnan(y)) return true;
          return top ? x > y : x < y;
        });
        if (static_cast<int64_t>(m.size()) > k) m.resize(static_cast<size_t>(k));
      } else if (n.agg == AggOp::kLimitk) {
        if (static_cast<int64_t>(m.size()) > k) m.resize(static_cast<size_t>(k));
      } else {
        double r = std::max(-1.0, std::min(1.0, param));
        std::vector<size_t> keep;
        for (size_t i : m) {
          // Deterministic sampling by the series' label hash, as Prometheus's ratio sampler.
          double h = static_cast<double>(vec[i].metric.hash()) / static_cast<double>(std::numeric_limits<uint64_t>::max());
          if ((r >= 0 && h < r) || (r < 0 && h >= 1.0 + r)) keep.push_back(i);
        }
        m = keep;
      }
      for (size_t i : m) out.push_back({vec[i].metric, vec[i].v, t, vec[i].drop_name});
    }
    return out;
  }

  for (size_t i = 0; i < vec.size(); i++) aggregate_add(n.agg, groups[group_of[i]], vec[i].v, vec[i].drop_name);
  for (auto& g : groups) out.push_back({g.labels, aggregate_result(n.agg, g, param), t, g.drop_name});
  return out;
}

}  // namespace observe::promql
