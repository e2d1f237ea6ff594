// The scrape targets as the worker sees them, loaded from observe.scrape_targets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/labels.h"

namespace observe::pg {

struct ScrapeTargetConfig {
  std::string job;
  std::string url;
  int64_t interval_ms = 60000;
  int64_t timeout_ms = 10000;
  Labels labels;  // the configured labels (job and instance are added by the scrape logic)
  bool honor_labels = false;
  bool honor_timestamps = true;
  int64_t sample_limit = 0;

  std::string key() const { return job + '\x1f' + url; }
  bool operator==(const ScrapeTargetConfig& o) const;
};

// Must run inside a transaction with SPI connected (run_in_transaction). Returns false when
// the extension is not installed in this database (yet).
bool load_scrape_targets(std::vector<ScrapeTargetConfig>* targets);

}  // namespace observe::pg
