// The engine's only view of data: select series by matchers with their samples in a
// time range. The PostgreSQL glue implements it on the observe_ts access method; the
// in-memory implementation (memory_storage.h) serves tests and the conformance runner.
#pragma once

#include <cstdint>
#include <vector>

#include "core/common/labels.h"
#include "core/common/matcher.h"

namespace observe::promql {

struct Sample {
  int64_t t;  // milliseconds since epoch
  double v;
};

struct SeriesData {
  Labels labels;
  std::vector<Sample> samples;  // ascending by t
};

// Which samples of [mint, maxt] a range query reads (Prometheus's SelectHints): those in the
// windows [end - range + 1, end] for end = first_end, first_end + step, ... When the step is
// longer than the window (`rate(x[1m])` every 5 minutes) most samples are never read, and a
// storage may leave them out. step == 0: every sample of [mint, maxt] is read.
struct SelectHints {
  int64_t first_end = 0;
  int64_t step = 0;
  int64_t range = 0;

  // Whether the windows leave gaps between them (else there is nothing to leave out).
  bool sparse() const { return step > 0 && range > 0 && step > range; }
  // The end of the first window that ends at or after t.
  int64_t window_end_from(int64_t t) const;
  bool wanted(int64_t t) const { return !sparse() || window_end_from(t) - t < range; }
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  // Every series matching all matchers (a __name__ matcher selects the metric), with its
  // samples in [mint, maxt] (ms, inclusive). Series with no sample in range may be omitted.
  virtual std::vector<SeriesData> select(const Matchers& matchers, int64_t mint, int64_t maxt) = 0;
  // The same, where samples outside the hints' windows may be left out (and series with no
  // sample in them omitted). This default leaves them out after a plain select, so that every
  // storage (the in-memory one of the conformance tests included) gives the engine exactly
  // what a storage that skips them early gives it.
  virtual std::vector<SeriesData> select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                         const SelectHints& hints);
};

// Keeps the samples the hints want (in place); false when none is left.
bool keep_wanted(const SelectHints& hints, std::vector<Sample>* samples);

}  // namespace observe::promql
