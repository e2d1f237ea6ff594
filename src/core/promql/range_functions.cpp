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
#include "core/promql/window_accumulators.h"

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

// Least squares over the window (window_accumulators.h).
void linear_regression(const Sample* s, size_t count, int64_t intercept_time, double* slope, double* intercept) {
  RegressionAcc acc;
  acc.intercept_time = intercept_time;
  acc.start(s[0]);
  for (size_t i = 1; i < count; i++) acc.add(s[i]);
  acc.result(slope, intercept);
}

template <typename Acc>
double over(const Sample* s, size_t n) {
  Acc acc;  // a local, the loop here: the compiler keeps the sums in registers
  acc.start(s[0]);
  for (size_t i = 1; i < n; i++) acc.add(s[i]);
  return acc.result();
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

// Only the variance gains: a division sits on its dependency chain. The other running
// sums measured slower interleaved (more live registers than the chains they overlap).
bool interleaved_range_fn(RangeFn fn) { return fn == RangeFn::kStddev || fn == RangeFn::kStdvar; }

namespace {
template <typename Acc>
void lockstep(const RangeWindow* w, size_t k, double* out) {
  constexpr size_t kMax = kInterleavedWindows;
  Acc acc[kMax];
  const Sample* p[kMax] = {};
  size_t n[kMax] = {};
  for (size_t j = 0; j < k; j++) {
    p[j] = w[j].p;
    n[j] = w[j].n;
  }
  accumulate(acc, p, n, k);
  for (size_t j = 0; j < k; j++) out[j] = acc[j].result();
}
}  // namespace

void range_function_interleaved(RangeFn fn, const RangeWindow* w, size_t k, double* out, bool* ok) {
  if (fn != RangeFn::kStddev && fn != RangeFn::kStdvar) {
    for (size_t j = 0; j < k; j++) ok[j] = range_function(fn, w[j], &out[j]);
    return;
  }
  lockstep<VarianceAcc>(w, k, out);
  for (size_t j = 0; j < k; j++) {
    ok[j] = true;
    if (fn == RangeFn::kStddev) out[j] = std::sqrt(out[j]);
  }
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
    case RangeFn::kAvg: *out = over<AvgAcc>(p, n); return true;
    case RangeFn::kSum: *out = over<SumAcc>(p, n); return true;
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
    case RangeFn::kStddev: *out = std::sqrt(over<VarianceAcc>(p, n)); return true;
    case RangeFn::kStdvar: *out = over<VarianceAcc>(p, n); return true;
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
