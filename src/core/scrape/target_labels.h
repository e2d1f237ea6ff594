// The label set a scraped sample is stored with: its exposed labels plus the target's, with
// Prometheus's rules for a clash (mutateSampleLabels).
#pragma once

#include <string_view>
#include <vector>

#include "core/common/labels.h"
#include "core/exposition/types.h"

namespace observe::scrape {

struct LabelRules {
  // true: an exposed label wins over the target label of the same name.
  // false: the target label wins and the exposed one is kept as exported_<name> (again
  // prefixed while that name is taken).
  bool honor_labels = false;
  // Prometheus 3 spells `le` of histograms and `quantile` of summaries as OpenMetrics floats
  // whatever the exposition wrote: le="1" -> le="1.0", le="1000000" -> le="1e+06".
  bool normalize_le_quantile = true;
};

// `target` holds job, instance and the configured labels (no `__` names). Empty exposed
// values are absent labels.
Labels attach_target_labels(const exposition::Entry& sample, const Labels& target, const LabelRules& rules);

}  // namespace observe::scrape
