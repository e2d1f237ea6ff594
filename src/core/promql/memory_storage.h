// A Queryable kept in memory: what unit tests and the conformance runner load data into.
#pragma once

#include <map>

#include "core/promql/storage.h"

namespace observe::promql {

class MemoryStorage : public Queryable {
 public:
  // Appends a sample; samples of a series may arrive in any order (kept sorted, a later
  // sample at the same timestamp replaces the earlier one).
  void add(const Labels& labels, int64_t t, double v);
  void clear() { series_.clear(); }
  size_t series_count() const { return series_.size(); }

  using Queryable::select;  // with hints: the default, which leaves out what they do not want
  std::vector<SeriesData> select(const Matchers& matchers, int64_t mint, int64_t maxt) override;

 private:
  std::map<Labels, std::vector<Sample>> series_;  // ordered by labels: deterministic output
};

}  // namespace observe::promql
