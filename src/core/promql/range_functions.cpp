// Functions over range vectors: rate/increase/delta with Prometheus's extrapolation,
// irate/idelta, changes/resets, deriv/predict_linear (least squares with Kahan sums) and
// the *_over_time family.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/promql/function_impl.h"
#include "core/promql/kahan.h"
#include "core/promql/quantile.h"

namespace observe::promql {

namespace {

void window(Evaluator& ev, const Node& arg, int64_t t, int64_t* start, int64_t* end) {
  const Node& m = unwrap(arg);
  const Node& mod = m.kind == NodeKind::kMatrixSelector ? *m.args[0] : m;
  *end = ev.at_time(mod, t) - mod.offset_ms;
  *start = *end - m.range_ms;
}

bool extrapolated_rate(const std::vector<Sample>& s, int64_t range_start, int64_t range_end, bool counter, bool rate,
                       double* out) {
  if (s.size() < 2) return false;
  double result = s.back().v - s.front().v;
  if (counter) {
    for (size_t i = 1; i < s.size(); i++)
      if (s[i].v < s[i - 1].v) result += s[i - 1].v;
  }
  double to_start = static_cast<double>(s.front().t - range_start) / 1000;
  double to_end = static_cast<double>(range_end - s.back().t) / 1000;
  double sampled = static_cast<double>(s.back().t - s.front().t) / 1000;
  double avg = sampled / static_cast<double>(s.size() - 1);
  double threshold = avg * 1.1;
  if (to_start >= threshold) to_start = avg / 2;
  if (counter) {
    double to_zero = to_start;
    if (result > 0 && s.front().v >= 0) to_zero = sampled * (s.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg / 2;
  double factor = sampled != 0 ? (sampled + to_start + to_end) / sampled : 1.0;
  if (rate) factor /= static_cast<double>(range_end - range_start) / 1000;
  *out = result * factor;
  return true;
}

void linear_regression(const std::vector<Sample>& s, int64_t intercept_time, double* slope, double* intercept) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  double init = s[0].v;
  bool const_y = true;
  for (size_t i = 0; i < s.size(); i++) {
    if (const_y && i > 0 && s[i].v != init) const_y = false;
    n += 1;
    double x = static_cast<double>(s[i].t - intercept_time) / 1e3;
    kahan_inc(x, &sx, &cx);
    kahan_inc(s[i].v, &sy, &cy);
    kahan_inc(x * s[i].v, &sxy, &cxy);
    kahan_inc(x * x, &sx2, &cx2);
  }
  if (const_y) {
    if (std::isinf(init)) {
      *slope = *intercept = std::nan("");
    } else {
      *slope = 0;
      *intercept = init;
    }
    return;
  }
  sx += cx;
  sy += cy;
  sxy += cxy;
  sx2 += cx2;
  double cov = sxy - sx * sy / n;
  double var = sx2 - sx * sx / n;
  *slope = cov / var;
  *intercept = sy / n - *slope * sx / n;
}

double avg_over(const std::vector<Sample>& s) {
  double sum = s[0].v, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < s.size(); i++) {
    count = static_cast<double>(i + 1);
    double f = s[i].v;
    if (!incremental) {
      double ns = sum, nc = c;
      kahan_inc(f, &ns, &nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    double q = (count - 1) / count;
    double m = q * mean, cc = q * c;
    kahan_inc(f / count, &m, &cc);
    mean = m;
    c = cc;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

double variance_over(const std::vector<Sample>& s) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (auto& p : s) {
    count++;
    double delta = p.v - (mean + cmean);
    kahan_inc(delta / count, &mean, &cmean);
    kahan_inc(delta * (p.v - (mean + cmean)), &aux, &caux);
  }
  return (aux + caux) / count;
}

// Go regexp's Expand: $1, ${1}, $name, ${name}; $$ is a literal $.
}  // namespace

bool range_function(Evaluator& ev, const Node& n, const std::string& name, const Series& s, int64_t t, double* out) {
  const auto& p = s.samples;
  if (name == "rate" || name == "increase" || name == "delta") {
    int64_t start, end;
    window(ev, *n.args[0], t, &start, &end);
    return extrapolated_rate(p, start, end, name != "delta", name == "rate", out);
  }
  if (name == "irate" || name == "idelta") {
    if (p.size() < 2) return false;
    const Sample& last = p[p.size() - 1];
    const Sample& prev = p[p.size() - 2];
    double r = (name == "irate" && last.v < prev.v) ? last.v : last.v - prev.v;
    if (name == "irate") {
      int64_t dt = last.t - prev.t;
      if (dt == 0) return false;
      r /= static_cast<double>(dt) / 1000;
    }
    *out = r;
    return true;
  }
  if (name == "changes" || name == "resets") {
    double count = 0;
    for (size_t i = 1; i < p.size(); i++) {
      if (name == "changes") {
        if (p[i].v != p[i - 1].v && !(std::isnan(p[i].v) && std::isnan(p[i - 1].v))) count++;
      } else if (p[i].v < p[i - 1].v) {
        count++;
      }
    }
    *out = count;
    return true;
  }
  if (name == "deriv") {
    if (p.size() < 2) return false;
    double slope, icpt;
    linear_regression(p, p[0].t, &slope, &icpt);
    *out = slope;
    return true;
  }
  if (name == "predict_linear") {
    if (p.size() < 2) return false;
    double d = scalar_arg(ev, *n.args[1], t);
    double slope, icpt;
    linear_regression(p, t, &slope, &icpt);
    *out = slope * d + icpt;
    return true;
  }
  if (name == "avg_over_time") { *out = avg_over(p); return true; }
  if (name == "sum_over_time") {
    double sum = 0, c = 0;
    for (auto& x : p) kahan_inc(x.v, &sum, &c);
    *out = std::isinf(sum) ? sum : sum + c;
    return true;
  }
  if (name == "count_over_time") { *out = static_cast<double>(p.size()); return true; }
  if (name == "min_over_time" || name == "max_over_time") {
    double v = p[0].v;
    for (auto& x : p) {
      if (name == "min_over_time" ? (x.v < v || std::isnan(v)) : (x.v > v || std::isnan(v))) v = x.v;
    }
    *out = v;
    return true;
  }
  if (name == "last_over_time") { *out = p.back().v; return true; }
  if (name == "first_over_time") { *out = p.front().v; return true; }
  if (name == "ts_of_last_over_time") { *out = static_cast<double>(p.back().t) / 1000; return true; }
  if (name == "ts_of_first_over_time") { *out = static_cast<double>(p.front().t) / 1000; return true; }
  if (name == "ts_of_min_over_time" || name == "ts_of_max_over_time") {
    bool mn = name == "ts_of_min_over_time";
    double v = p[0].v;
    int64_t ts = p[0].t;
    for (auto& x : p) {
      if (mn ? (x.v <= v || std::isnan(v)) : (x.v >= v || std::isnan(v))) {
        v = x.v;
        ts = x.t;
      }
    }
    *out = static_cast<double>(ts) / 1000;
    return true;
  }
  if (name == "stddev_over_time") { *out = std::sqrt(variance_over(p)); return true; }
  if (name == "stdvar_over_time") { *out = variance_over(p); return true; }
  if (name == "present_over_time") { *out = 1; return true; }
  if (name == "quantile_over_time") {
    double q = scalar_arg(ev, *n.args[0], t);
    std::vector<double> vals;
    for (auto& x : p) vals.push_back(x.v);
    *out = quantile(q, vals);
    return true;
  }
  if (name == "double_exponential_smoothing") {
    double sf = scalar_arg(ev, *n.args[1], t), tf = scalar_arg(ev, *n.args[2], t);
    char buf[96];
    if (!(sf > 0 && sf < 1)) {
      std::snprintf(buf, sizeof buf, "invalid smoothing factor. Expected: 0 < sf < 1, got: %f", sf);
      Evaluator::invalid(buf);
    }
    if (!(tf > 0 && tf < 1)) {
      std::snprintf(buf, sizeof buf, "invalid trend factor. Expected: 0 < tf < 1, got: %f", tf);
      Evaluator::invalid(buf);
    }
    if (p.size() < 2) return false;
    double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;
    for (size_t i = 1; i < p.size(); i++) {
      double x = sf * p[i].v;
      if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;  // the trend; kept as is after the first point
      double y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    *out = s1;
    return true;
  }
  if (name == "mad_over_time") {
    std::vector<double> vals;
    for (auto& x : p) {
      if (std::isnan(x.v)) {  // an undefined median makes the deviation undefined
        *out = std::nan("");
        return true;
      }
      vals.push_back(x.v);
    }
    double med = quantile(0.5, vals);
    for (auto& v : vals) v = std::fabs(v - med);
    *out = quantile(0.5, vals);
    return true;
  }
  return false;
}
}  // namespace observe::promql
