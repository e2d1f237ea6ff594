// A sample the scrape worker writes: series, time, value.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "core/common/interned_labels.h"
#include "core/common/labels.h"

namespace observe::scrape {

// What the storage layer remembers about a series so that a steady-state scrape writes it
// without looking its labels up again (for observe_ts: the series dictionary's generation and
// the series id). Opaque to the core, which only keeps it with the series.
struct StorageRef {
  uint64_t generation = 0;  // 0: not resolved
  int64_t id = -1;
};

// One series a target writes, with everything attached to it (target labels, exported_
// renames, le/quantile normalisation). Shared by the target's scrape cache and the samples of
// a scrape, so that a steady-state scrape builds no label set. Its labels are interned: their
// strings are shared with every other series (InternedLabels).
struct Series {
  explicit Series(const Labels& l) : interned(l), hash(l.hash()) {}
  Series(const Labels& l, uint64_t labels_hash) : interned(l), hash(labels_hash) {}  // labels_hash: l.hash()
  Labels labels() const { return interned.labels(); }  // with __name__ (a copy)
  const InternedLabels interned;
  const uint64_t hash;  // labels().hash()
  mutable StorageRef ref;
};
using SeriesPtr = std::shared_ptr<const Series>;

inline SeriesPtr make_series(const Labels& labels) { return std::make_shared<const Series>(labels); }

struct Sample {
  SeriesPtr series;
  int64_t timestamp_ms;
  double value;   // may be the stale marker (is_stale_nan)

  Labels labels() const { return series->labels(); }  // a copy
};

}  // namespace observe::scrape
