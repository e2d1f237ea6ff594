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

// Prometheus's extrapolatedRate. Counter resets add the value before them, one by one in
// order as Prometheus does; the range evaluator passes them precomputed (w.reset_prev).
bool extrapolated_rate(const RangeWindow& w, bool counter, bool rate, double* out) {
  if (w.n < 2) return false;
  const Sample& first = w.p[0];
  const Sample& last = w.p[w.n - 1];
  int64_t range_start = w.range_start, range_end = w.range_end;
  double result = last.v - first.v;
  if (counter) {
    if (w.reset_prev != nullptr) {
      for (size_t k = 0; k < w.n_resets; k++) result += w.reset_prev[k]->v;
    } else {
      for (size_t i = 1; i < w.n; i++)
        if (w.p[i].v < w.p[i - 1].v) result += w.p[i - 1].v;
    }
  }
  double to_start = static_cast<double>(first.t - range_start) / 1000;
  double to_end = static_cast<double>(range_end - last.t) / 1000;
  double sampled = static_cast<double>(last.t - first.t) / 1000;
  double avg = sampled / static_cast<double>(w.n - 1);
  double threshold = avg * 1.1;
  if (to_start >= threshold) to_start = avg / 2;
  if (counter) {
    double to_zero = to_start;
    if (result > 0 && first.v >= 0) to_zero = sampled * (first.v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg / 2;
  double factor = sampled != 0 ? (sampled + to_start + to_end) / sampled : 1.0;
  if (rate) factor /= static_cast<double>(range_end - range_start) / 1000;
  *out = result * factor;
  return true;
}

void linear_regression(const Sample* s, size_t count, int64_t intercept_time, double* slope, double* intercept) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  double init = s[0].v;
  bool const_y = true;
  for (size_t i = 0; i < count; i++) {
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

double avg_over(const Sample* s, size_t n) {
  double sum = s[0].v, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < n; i++) {
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

double variance_over(const Sample* s, size_t n) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (const Sample* e = s + n, *ps = s; ps < e; ps++) {
    const Sample& p = *ps;
    count++;
    double delta = p.v - (mean + cmean);
    kahan_inc(delta / count, &mean, &cmean);
    kahan_inc(delta * (p.v - (mean + cmean)), &aux, &caux);
  }
  return (aux + caux) / count;
}

}  // namespace

RangeFn range_fn(const std::string& name) {
  static const std::pair<const char*, RangeFn> table[] = {
      {"rate", RangeFn::kRate}, {"increase", RangeFn::kIncrease}, {"delta", RangeFn::kDelta},
      {"irate", RangeFn::kIrate}, {"idelta", RangeFn::kIdelta}, {"changes", RangeFn::kChanges},
      {"resets", RangeFn::kResets}, {"deriv", RangeFn::kDeriv}, {"predict_linear", RangeFn::kPredictLinear},
      {"avg_over_time", RangeFn::kAvg}, {"sum_over_time", RangeFn::kSum}, {"count_over_time", RangeFn::kCount},
      {"min_over_time", RangeFn::kMin}, {"max_over_time", RangeFn::kMax}, {"last_over_time", RangeFn::kLast},
      {"first_over_time", RangeFn::kFirst}, {"ts_of_last_over_time", RangeFn::kTsLast},
      {"ts_of_first_over_time", RangeFn::kTsFirst}, {"ts_of_min_over_time", RangeFn::kTsMin},
      {"ts_of_max_over_time", RangeFn::kTsMax}, {"stddev_over_time", RangeFn::kStddev},
      {"stdvar_over_time", RangeFn::kStdvar}, {"present_over_time", RangeFn::kPresent},
      {"quantile_over_time", RangeFn::kQuantile}, {"double_exponential_smoothing", RangeFn::kDoubleExp},
      {"mad_over_time", RangeFn::kMad},
  };
  for (auto& [n, f] : table)
    if (name == n) return f;
  return RangeFn::kNone;
}

bool range_function(RangeFn fn, const RangeWindow& w, double* out) {
  const Sample* p = w.p;
  const size_t n = w.n;
  switch (fn) {
    case RangeFn::kRate:
    case RangeFn::kIncrease:
    case RangeFn::kDelta:
      return extrapolated_rate(w, fn != RangeFn::kDelta, fn == RangeFn::kRate, out);
    case RangeFn::kIrate:
    case RangeFn::kIdelta: {
      if (n < 2) return false;
      const Sample& last = p[n - 1];
      const Sample& prev = p[n - 2];
      bool irate = fn == RangeFn::kIrate;
      double r = (irate && last.v < prev.v) ? last.v : last.v - prev.v;
      if (irate) {
        int64_t dt = last.t - prev.t;
        if (dt == 0) return false;
        r /= static_cast<double>(dt) / 1000;
      }
      *out = r;
      return true;
    }
    case RangeFn::kChanges:
    case RangeFn::kResets: {
      double count = 0;
      for (size_t i = 1; i < n; i++) {
        if (fn == RangeFn::kChanges) {
          if (p[i].v != p[i - 1].v && !(std::isnan(p[i].v) && std::isnan(p[i - 1].v))) count++;
        } else if (p[i].v < p[i - 1].v) {
          count++;
        }
      }
      *out = count;
      return true;
    }
    case RangeFn::kDeriv: {
      if (n < 2) return false;
      double slope, icpt;
      linear_regression(p, n, p[0].t, &slope, &icpt);
      *out = slope;
      return true;
    }
    case RangeFn::kPredictLinear: {
      if (n < 2) return false;
      double slope, icpt;
      linear_regression(p, n, w.t, &slope, &icpt);
      *out = slope * w.param0 + icpt;
      return true;
    }
    case RangeFn::kAvg: *out = avg_over(p, n); return true;
    case RangeFn::kSum: {
      double sum = 0, c = 0;
      for (size_t i = 0; i < n; i++) kahan_inc(p[i].v, &sum, &c);
      *out = std::isinf(sum) ? sum : sum + c;
      return true;
    }
    case RangeFn::kCount: *out = static_cast<double>(n); return true;
    case RangeFn::kMin:
    case RangeFn::kMax: {
      bool mn = fn == RangeFn::kMin;
      double v = p[0].v;
      for (size_t i = 0; i < n; i++) {
        double x = p[i].v;
        if (mn ? (x < v || std::isnan(v)) : (x > v || std::isnan(v))) v = x;
      }
      *out = v;
      return true;
    }
    case RangeFn::kLast: *out = p[n - 1].v; return true;
    case RangeFn::kFirst: *out = p[0].v; return true;
    case RangeFn::kTsLast: *out = static_cast<double>(p[n - 1].t) / 1000; return true;
    case RangeFn::kTsFirst: *out = static_cast<double>(p[0].t) / 1000; return true;
    case RangeFn::kTsMin:
    case RangeFn::kTsMax: {
      bool mn = fn == RangeFn::kTsMin;
      double v = p[0].v;
      int64_t ts = p[0].t;
      for (size_t i = 0; i < n; i++) {
        double x = p[i].v;
        if (mn ? (x <= v || std::isnan(v)) : (x >= v || std::isnan(v))) {
          v = x;
          ts = p[i].t;
        }
      }
      *out = static_cast<double>(ts) / 1000;
      return true;
    }
    case RangeFn::kStddev: *out = std::sqrt(variance_over(p, n)); return true;
    case RangeFn::kStdvar: *out = variance_over(p, n); return true;
    case RangeFn::kPresent: *out = 1; return true;
    case RangeFn::kQuantile: {
      std::vector<double> vals(n);
      for (size_t i = 0; i < n; i++) vals[i] = p[i].v;
      *out = quantile(w.param0, std::move(vals));
      return true;
    }
    case RangeFn::kDoubleExp: {
      double sf = w.param0, tf = w.param1;
      char buf[96];
      if (!(sf > 0 && sf < 1)) {
        std::snprintf(buf, sizeof buf, "invalid smoothing factor. Expected: 0 < sf < 1, got: %f", sf);
        Evaluator::invalid(buf);
      }
      if (!(tf > 0 && tf < 1)) {
        std::snprintf(buf, sizeof buf, "invalid trend factor. Expected: 0 < tf < 1, got: %f", tf);
        Evaluator::invalid(buf);
      }
      if (n < 2) return false;
      double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;
      for (size_t i = 1; i < n; i++) {
        double x = sf * p[i].v;
        if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;  // the trend; kept as is after the first point
        double y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
      }
      *out = s1;
      return true;
    }
    case RangeFn::kMad: {
      std::vector<double> vals;
      vals.reserve(n);
      for (size_t i = 0; i < n; i++) {
        if (std::isnan(p[i].v)) {  // an undefined median makes the deviation undefined
          *out = std::nan("");
          return true;
        }
        vals.push_back(p[i].v);
      }
      double med = quantile(0.5, vals);
      for (auto& v : vals) v = std::fabs(v - med);
      *out = quantile(0.5, vals);
      return true;
    }
    case RangeFn::kNone:
      break;
  }
  return false;
}
}  // namespace observe::promql
