// Quantile helpers: the φ-quantile of plain values (quantile, quantile_over_time) and
// histogram_quantile over classic `le` buckets (Prometheus's BucketQuantile).
#pragma once

#include <cstddef>
#include <vector>

namespace observe::promql {

struct Bucket {
  double upper_bound;
  double count;
};

// rank = φ·(n−1), linear interpolation; φ<0 → −Inf, φ>1 → +Inf, NaN φ or no values → NaN.
double quantile(double phi, std::vector<double> values);
// The same on values already in quantile_order (NaN first, then ascending).
double quantile_sorted(double phi, const double* values, size_t count);
bool quantile_order(double a, double b);

// `buckets` in any order. Returns NaN for the cases Prometheus does (no +Inf bucket, fewer
// than two buckets, zero count). Sets *forced_monotonic when counts had to be fixed.
double bucket_quantile(double phi, std::vector<Bucket> buckets, bool* forced_monotonic);

// Estimated fraction of observations between lower and upper (histogram_fraction on
// classic buckets, Prometheus's BucketFraction).
double bucket_fraction(double lower, double upper, std::vector<Bucket> buckets);

}  // namespace observe::promql
