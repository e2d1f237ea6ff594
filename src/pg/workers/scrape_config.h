// The scrape targets as the worker sees them: rows of observe.scrape_targets, and the targets
// discovered for the jobs of observe.scrape_jobs (scrape_discovery.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/labels.h"
#include "core/relabel/relabel.h"

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

  // Targets of observe.scrape_jobs: `labels` are the final target labels (job and instance
  // included, after relabeling); the rest is the job's.
  bool labels_final = false;
  // The job's configuration. A change (new metric_relabel_configs, limits) keeps the target's
  // series cache: series the new rules no longer write go stale on the next scrape.
  std::string job_document;
  std::vector<relabel::Config> metric_relabel;
  uint64_t label_limit = 0, label_name_length_limit = 0, label_value_length_limit = 0;
  std::vector<std::string> headers;  // "Authorization: ..."
  std::string tls_ca_file, tls_cert_file, tls_key_file;
  bool tls_insecure_skip_verify = false;
  // Set when the target must not be scraped (target_limit exceeded): each scrape fails with it.
  std::string forced_error;

  std::string key() const { return job + '\x1f' + url; }
  bool operator==(const ScrapeTargetConfig& o) const;
};

// Must run inside a transaction with SPI connected (run_in_transaction). Returns false when
// the extension is not installed in this database (yet).
bool load_scrape_targets(std::vector<ScrapeTargetConfig>* targets);

// An enabled row of observe.scrape_jobs as a prometheus.yml document of one job.
struct ScrapeJobDocument {
  std::string job;
  std::string document;
};
// Same conditions as load_scrape_targets; false when the table does not exist (an older
// extension version).
bool load_scrape_jobs(std::vector<ScrapeJobDocument>* jobs);

}  // namespace observe::pg
