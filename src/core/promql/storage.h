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

class Queryable {
 public:
  virtual ~Queryable() = default;
  // Every series matching all matchers (a __name__ matcher selects the metric), with its
  // samples in [mint, maxt] (ms, inclusive). Series with no sample in range may be omitted.
  virtual std::vector<SeriesData> select(const Matchers& matchers, int64_t mint, int64_t maxt) = 0;
};

}  // namespace observe::promql
