// Internal: the running sums of avg/sum/stddev/stdvar_over_time, deriv and predict_linear,
// fed one sample at a time with Prometheus's arithmetic (Kahan-Neumaier sums, the
// incremental mean once a sum overflows). Written as accumulators so that the same code
// serves one window or several interleaved: range evaluation runs four adjacent windows of
// stddev/stdvar_over_time in lockstep, whose chains of dependent divisions then overlap in
// the CPU (about 2x), while each window's result stays bit for bit the same.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "core/promql/kahan.h"
#include "core/promql/storage.h"

namespace observe::promql {

struct SumAcc {
  double sum = 0, c = 0;
  void start(const Sample& s) { add(s); }
  void add(const Sample& s) { kahan_inc(s.v, &sum, &c); }
  double result() const { return std::isinf(sum) ? sum : sum + c; }
};

struct AvgAcc {
  double sum = 0, count = 0, mean = 0, c = 0;
  bool incremental = false;
  void start(const Sample& s) {
    sum = s.v;
    count = 1;
  }
  void add(const Sample& s) {
    count += 1;
    double f = s.v;
    if (!incremental) {
      double ns = sum, nc = c;
      kahan_inc(f, &ns, &nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        return;
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
  double result() const { return incremental ? mean + c : sum / count + c / count; }
};

struct VarianceAcc {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  void start(const Sample& s) { add(s); }
  void add(const Sample& s) {
    count++;
    double delta = s.v - (mean + cmean);
    kahan_inc(delta / count, &mean, &cmean);
    kahan_inc(delta * (s.v - (mean + cmean)), &aux, &caux);
  }
  double result() const { return (aux + caux) / count; }
};

// Least squares of value over time (seconds from intercept_time), as Prometheus's
// linearRegression; a constant series has slope 0 (NaN when the constant is infinite).
struct RegressionAcc {
  int64_t intercept_time = 0;
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  double init = 0;
  bool const_y = true;
  void start(const Sample& s) {
    init = s.v;
    sum(s);
  }
  void add(const Sample& s) {
    if (const_y && s.v != init) const_y = false;
    sum(s);
  }
  void sum(const Sample& s) {
    n += 1;
    double x = static_cast<double>(s.t - intercept_time) / 1e3;
    kahan_inc(x, &sx, &cx);
    kahan_inc(s.v, &sy, &cy);
    kahan_inc(x * s.v, &sxy, &cxy);
    kahan_inc(x * x, &sx2, &cx2);
  }
  void result(double* slope, double* intercept) const {
    if (const_y) {
      if (std::isinf(init)) {
        *slope = *intercept = std::nan("");
      } else {
        *slope = 0;
        *intercept = init;
      }
      return;
    }
    double ssx = sx + cx, ssy = sy + cy, ssxy = sxy + cxy, ssx2 = sx2 + cx2;
    double cov = ssxy - ssx * ssy / n;
    double var = ssx2 - ssx * ssx / n;
    *slope = cov / var;
    *intercept = ssy / n - *slope * ssx / n;
  }
};

// Feeds k windows (p[j], n[j] >= 1) to k accumulators in lockstep.
template <typename Acc>
void accumulate(Acc* acc, const Sample* const* p, const size_t* n, size_t k) {
  size_t longest = 0;
  for (size_t j = 0; j < k; j++) {
    acc[j].start(p[j][0]);
    longest = std::max(longest, n[j]);
  }
  for (size_t i = 1; i < longest; i++)
    for (size_t j = 0; j < k; j++)
      if (i < n[j]) acc[j].add(p[j][i]);
}

}  // namespace observe::promql
