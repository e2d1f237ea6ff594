// histogram_quantile and histogram_fraction over classic `le` buckets.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "core/promql/function_impl.h"
#include "core/promql/quantile.h"
#include "core/promql/strutil.h"

namespace observe::promql {

namespace {

struct BucketGroup {
  Labels metric;
  std::vector<Bucket> buckets;
};

// Groups classic `le` buckets by their other labels (the name included: delayed removal).
std::vector<BucketGroup> bucket_groups(Evaluator& ev, const Vector& in, int pos) {
  std::vector<BucketGroup> groups;
  std::unordered_map<std::string, size_t> index;
  for (auto& e : in) {
    std::string le(e.metric.get("le"));
    char* endp = nullptr;
    double ub = std::strtod(le.c_str(), &endp);
    if (le.empty() || endp != le.c_str() + le.size() || std::isspace(static_cast<unsigned char>(le[0]))) {
      ev.warn("bucket label \"le\" is missing or has a malformed value of \"" + le + "\" for metric name \"" +
                  std::string(e.metric.metric_name()) + "\"",
              pos);
      continue;
    }
    Labels m = e.metric;
    m.remove("le");
    std::string key = m.to_string();
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back({m, {}});
    groups[it->second].buckets.push_back({ub, e.v});
  }
  return groups;
}

void check_quantile(Evaluator& ev, double q, int pos) {
  if (std::isnan(q) || q < 0 || q > 1) ev.warn("quantile value should be between 0 and 1, got " + go_format_g(q), pos);
}

void monotonicity_info(Evaluator& ev, const Labels& metric, int pos) {
  ev.info("input to histogram_quantile needed to be fixed for monotonicity (see "
          "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name \"" +
              std::string(metric.metric_name()) + "\"",
          pos);
}

}  // namespace

Value histogram_quantile(Evaluator& ev, const Node& n, int64_t t) {
  double q = scalar_arg(ev, *n.args[0], t);
  Value in = ev.eval(*n.args[1], t);
  check_quantile(ev, q, n.args[0]->pos);
  Vector out;
  for (auto& g : bucket_groups(ev, in.vector, n.args[1]->pos)) {
    bool forced;
    double v = bucket_quantile(q, g.buckets, &forced);
    if (forced) monotonicity_info(ev, g.metric, n.args[1]->pos);
    out.push_back({g.metric, v, t, true});
  }
  return vector_value(std::move(out), t);
}

// histogram_quantile over all steps of a batch: each bucket series' `le` and group are
// worked out once, not at every step; per step the buckets present are combined in input
// order, as the step-wise evaluation does.
Matrix range_histogram_quantile(Evaluator& ev, const Node& n) {
  std::vector<double> qs = ev.range_scalar(*n.args[0]);
  Matrix in = ev.range_matrix(*n.args[1]);
  int pos = n.args[1]->pos;
  std::vector<size_t> group_of(in.size(), SIZE_MAX);  // SIZE_MAX: malformed le
  std::vector<double> upper(in.size());
  Matrix out;
  {
    std::unordered_map<std::string, size_t> index;
    for (size_t k = 0; k < in.size(); k++) {
      const Labels& l = in[k].metric;
      std::string le(l.get("le"));
      char* endp = nullptr;
      upper[k] = std::strtod(le.c_str(), &endp);
      if (le.empty() || endp != le.c_str() + le.size() || std::isspace(static_cast<unsigned char>(le[0]))) continue;
      Labels m = l;
      m.remove("le");
      auto [it, inserted] = index.emplace(m.to_string(), out.size());
      if (inserted) out.push_back({std::move(m), {}, true});
      group_of[k] = it->second;
    }
  }
  std::vector<std::vector<Bucket>> buckets(out.size());
  std::vector<size_t> cursor(in.size(), 0), touched;
  int64_t points = 0;
  for (size_t i = 0, steps = ev.batch_steps(); i < steps; i++) {
    int64_t t = ev.batch_time(i);
    double q = qs[i];
    check_quantile(ev, q, n.args[0]->pos);
    touched.clear();
    for (size_t k = 0; k < in.size(); k++) {
      const auto& s = in[k].samples;
      size_t& c = cursor[k];
      while (c < s.size() && s[c].t < t) c++;
      if (c == s.size() || s[c].t != t) continue;
      double v = s[c++].v;
      size_t g = group_of[k];
      if (g == SIZE_MAX) {
        ev.warn("bucket label \"le\" is missing or has a malformed value of \"" + std::string(in[k].metric.get("le")) +
                    "\" for metric name \"" + std::string(in[k].metric.metric_name()) + "\"",
                pos);
        continue;
      }
      if (buckets[g].empty()) touched.push_back(g);
      buckets[g].push_back({upper[k], v});
    }
    for (size_t g : touched) {
      bool forced;
      double v = bucket_quantile(q, std::move(buckets[g]), &forced);
      buckets[g].clear();
      if (forced) monotonicity_info(ev, out[g].metric, pos);
      out[g].samples.push_back({t, v});
      points++;
    }
    ev.count_samples(0);
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Series& s) { return s.samples.empty(); }), out.end());
  ev.hold_samples(points);
  return out;
}

Value histogram_quantiles(Evaluator& ev, const Node& n, int64_t t) {
  Value in = ev.eval(*n.args[0], t);
  std::string label = string_arg(ev, *n.args[1], t);
  std::vector<double> qs;
  for (size_t i = 2; i < n.args.size(); i++) {
    qs.push_back(scalar_arg(ev, *n.args[i], t));
    check_quantile(ev, qs.back(), n.args[i]->pos);
  }
  auto groups = bucket_groups(ev, in.vector, n.args[0]->pos);
  Vector out;
  for (double q : qs) {
    for (auto& g : groups) {
      bool forced;
      double v = bucket_quantile(q, g.buckets, &forced);
      if (forced) monotonicity_info(ev, g.metric, n.args[0]->pos);
      Labels m = g.metric;
      m.set(label, openmetrics_float(q));
      out.push_back({std::move(m), v, t, true});
    }
  }
  return vector_value(std::move(out), t);
}

Value histogram_fraction(Evaluator& ev, const Node& n, int64_t t) {
  double lo = scalar_arg(ev, *n.args[0], t), hi = scalar_arg(ev, *n.args[1], t);
  Value in = ev.eval(*n.args[2], t);
  Vector out;
  for (auto& g : bucket_groups(ev, in.vector, n.args[2]->pos))
    out.push_back({g.metric, bucket_fraction(lo, hi, g.buckets), t, true});
  return vector_value(std::move(out), t);
}

}  // namespace observe::promql
