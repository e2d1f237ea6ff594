// Kahan-Neumaier compensated summation as Prometheus's util/kahansum.Inc does it: the
// compensation is reset once the sum becomes infinite. Needs -ffp-contract=off.
#pragma once

#include <cmath>

namespace observe::promql {

inline void kahan_inc(double inc, double* sum, double* c) {
  double t = *sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

}  // namespace observe::promql
