// A Queryable that adds samples not yet visible in another one: the rules worker's samples of
// the evaluation in progress, which its database snapshot cannot see until the transaction
// moves on, but which the next rule of the group must see, as Prometheus's rule manager
// appends each rule's output before it runs the next.
#pragma once

#include "core/promql/memory_storage.h"
#include "core/promql/storage.h"

namespace observe::promql {

class OverlayStorage : public Queryable {
 public:
  explicit OverlayStorage(Queryable& base) : base_(base) {}

  void add(const Labels& labels, int64_t t, double v) { overlay_.add(labels, t, v); }

  // The base's series with the overlay's samples merged in (an overlay sample replaces a base
  // sample at the same timestamp), ordered by labels.
  std::vector<SeriesData> select(const Matchers& matchers, int64_t mint, int64_t maxt) override;
  std::vector<SeriesData> select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                 const SelectHints& hints) override;

 private:
  std::vector<SeriesData> merge(std::vector<SeriesData> base, std::vector<SeriesData> extra);

  Queryable& base_;
  MemoryStorage overlay_;
};

}  // namespace observe::promql
