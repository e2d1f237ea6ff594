// A sample the scrape worker writes: series, time, value.
#pragma once

#include <cstdint>

#include "core/common/labels.h"

namespace observe::scrape {

struct Sample {
  Labels labels;  // with __name__
  int64_t timestamp_ms;
  double value;   // may be the stale marker (is_stale_nan)
};

}  // namespace observe::scrape
