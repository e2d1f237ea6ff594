#include "core/promql/memory_storage.h"

#include <algorithm>

namespace observe::promql {

void MemoryStorage::add(const Labels& labels, int64_t t, double v) {
  auto& samples = series_[labels];
  if (samples.empty() || samples.back().t < t) {
    samples.push_back({t, v});
    return;
  }
  auto it = std::lower_bound(samples.begin(), samples.end(), t,
                             [](const Sample& s, int64_t ts) { return s.t < ts; });
  if (it != samples.end() && it->t == t) {
    it->v = v;
  } else {
    samples.insert(it, {t, v});
  }
}

std::vector<SeriesData> MemoryStorage::select(const Matchers& matchers, int64_t mint,
                                              int64_t maxt) {
  std::vector<SeriesData> out;
  for (const auto& [labels, samples] : series_) {
    if (!matches_all(matchers, labels)) continue;
    auto lo = std::lower_bound(samples.begin(), samples.end(), mint,
                               [](const Sample& s, int64_t ts) { return s.t < ts; });
    auto hi = std::upper_bound(samples.begin(), samples.end(), maxt,
                               [](int64_t ts, const Sample& s) { return ts < s.t; });
    if (lo >= hi) continue;
    out.push_back({labels, std::vector<Sample>(lo, hi)});
  }
  return out;
}

}  // namespace observe::promql
