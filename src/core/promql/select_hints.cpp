// SelectHints (storage.h): which samples a range query's windows hold.
#include <algorithm>

#include "core/promql/storage.h"

namespace observe::promql {

int64_t SelectHints::window_end_from(int64_t t) const {
  if (t <= first_end) return first_end;
  int64_t diff;
  // A span too large for int64 (only absurd query times): take t's own time as a window end,
  // which makes t wanted: leaving a sample in is always correct.
  if (__builtin_sub_overflow(t, first_end, &diff)) return t;
  int64_t k = diff / step + (diff % step != 0);
  int64_t end;
  if (__builtin_mul_overflow(k, step, &end) || __builtin_add_overflow(end, first_end, &end)) return t;
  return end;
}

bool keep_wanted(const SelectHints& hints, std::vector<Sample>* samples) {
  if (hints.sparse())
    samples->erase(std::remove_if(samples->begin(), samples->end(),
                                  [&](const Sample& s) { return !hints.wanted(s.t); }),
                   samples->end());
  return !samples->empty();
}

std::vector<SeriesData> Queryable::select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                          const SelectHints& hints) {
  std::vector<SeriesData> all = select(matchers, mint, maxt);
  if (!hints.sparse()) return all;
  std::vector<SeriesData> out;
  out.reserve(all.size());
  for (auto& s : all)
    if (keep_wanted(hints, &s.samples)) out.push_back(std::move(s));
  return out;
}

}  // namespace observe::promql
