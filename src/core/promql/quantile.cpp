#include "core/promql/quantile.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

namespace observe::promql {

namespace {

// Relative float comparison as Prometheus's util/almost.Equal.
bool almost_equal(double a, double b, double eps) {
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < DBL_MIN) return diff < eps * DBL_MIN;
  return diff / std::min(abs_sum, DBL_MAX) < eps;
}

}  // namespace

bool quantile_order(double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  return a < b;
}

double quantile(double phi, std::vector<double> values) {
  if (values.empty() || std::isnan(phi) || phi < 0 || phi > 1) return quantile_sorted(phi, nullptr, values.size());
  std::sort(values.begin(), values.end(), quantile_order);
  return quantile_sorted(phi, values.data(), values.size());
}

double quantile_sorted(double phi, const double* values, size_t count) {
  if (count == 0 || std::isnan(phi)) return std::nan("");
  if (phi < 0) return -std::numeric_limits<double>::infinity();
  if (phi > 1) return std::numeric_limits<double>::infinity();
  double n = static_cast<double>(count);
  double rank = phi * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) + values[static_cast<size_t>(upper)] * weight;
}

namespace {
std::vector<Bucket> sorted_coalesced(std::vector<Bucket> buckets) {
  std::sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
  std::vector<Bucket> co;
  for (auto& b : buckets) {
    if (!co.empty() && co.back().upper_bound == b.upper_bound) co.back().count += b.count;
    else co.push_back(b);
  }
  return co;
}
}  // namespace

double bucket_fraction(double lower, double upper, std::vector<Bucket> buckets) {
  if (buckets.empty()) return std::nan("");
  buckets = sorted_coalesced(std::move(buckets));
  if (!(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0)) return std::nan("");
  double count = buckets.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return std::nan("");
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  double lower_bound = buckets[0].upper_bound <= 0 ? -INFINITY : 0.0;
  for (size_t i = 0; i < buckets.size(); i++) {
    if (i > 0) lower_bound = buckets[i - 1].upper_bound;
    double upper_bound = buckets[i].upper_bound;
    double bcount = buckets[i].count;
    auto interpolate = [&](double v) {
      if (lower_bound == -INFINITY) return bcount;
      return rank + (bcount - rank) * (v - lower_bound) / (upper_bound - lower_bound);
    };
    if (!lower_set && lower_bound >= lower) { lower_rank = rank; lower_set = true; }
    if (!upper_set && lower_bound >= upper) { upper_rank = rank; upper_set = true; }
    if (lower_set && upper_set) break;
    if (!lower_set && lower_bound < lower && upper_bound > lower) { lower_rank = interpolate(lower); lower_set = true; }
    if (!upper_set && lower_bound < upper && upper_bound > upper) { upper_rank = interpolate(upper); upper_set = true; }
    if (lower_set && upper_set) break;
    rank = bcount;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

double bucket_quantile(double phi, std::vector<Bucket> buckets, bool* forced_monotonic) {
  *forced_monotonic = false;
  if (std::isnan(phi)) return std::nan("");
  if (phi < 0) return -std::numeric_limits<double>::infinity();
  if (phi > 1) return std::numeric_limits<double>::infinity();
  if (buckets.empty()) return std::nan("");
  std::sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
  if (!std::isinf(buckets.back().upper_bound) || buckets.back().upper_bound < 0) return std::nan("");
  // Buckets with the same bound are summed.
  std::vector<Bucket> co;
  for (auto& b : buckets) {
    if (!co.empty() && co.back().upper_bound == b.upper_bound) co.back().count += b.count;
    else co.push_back(b);
  }
  buckets.swap(co);
  double prev = buckets[0].count;
  for (size_t i = 1; i < buckets.size(); i++) {
    double cur = buckets[i].count;
    if (cur == prev) continue;
    if (almost_equal(prev, cur, 1e-12)) {
      buckets[i].count = prev;
      continue;
    }
    if (cur < prev) {
      buckets[i].count = prev;
      *forced_monotonic = true;
      continue;
    }
    prev = cur;
  }
  if (buckets.size() < 2) return std::nan("");
  double observations = buckets.back().count;
  if (observations == 0) return std::nan("");
  double rank = phi * observations;
  size_t b = 0;
  while (b < buckets.size() - 1 && !(buckets[b].count >= rank)) b++;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double start = 0, end = buckets[b].upper_bound, count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

}  // namespace observe::promql
