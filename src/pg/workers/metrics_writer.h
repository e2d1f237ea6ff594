// Writes samples into observe.metrics through the access method's buffered write path, and
// the scrape health rows, inside the caller's transaction (SPI connected).
#pragma once

#include <string>
#include <vector>

#include "core/scrape/sample.h"
#include "core/scrape/target.h"
#include "pg/border/pg_headers.h"

extern "C" {
#include "utils/rel.h"
}

namespace observe::pg {

class MetricsWriter {
 public:
  // Opens observe.metrics (or `relid`) for writing; the lock is held to the transaction's end.
  explicit MetricsWriter(Oid relid = InvalidOid);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  // The scrape worker's path: each sample's series keeps its id (scrape::StorageRef) across
  // scrapes, so a steady-state scrape neither looks labels up nor builds jsonb. With
  // new_budget, at most that many series are created (it is decremented by those created);
  // the samples of the other new series go, in order, to *deferred (needed then) instead.
  void append(const std::vector<scrape::Sample>& samples, size_t* new_budget = nullptr,
              std::vector<scrape::Sample>* deferred = nullptr);
  void append(const Labels& series, int64_t t_ms, double value);
  size_t written() const { return written_; }

  void write_status(const std::string& job, const std::string& url, const std::string& instance,
                    int64_t scrape_ms, double duration_seconds, const scrape::ScrapeResult& result);
  void delete_status(const std::string& job, const std::string& url);
  // The health row alone (the samples' write failed): `error` replaces the scrape's error and a
  // lock timeout is counted. Needs no MetricsWriter, so no lock on observe.metrics.
  static void write_status_only(const std::string& job, const std::string& url,
                                const std::string& instance, int64_t scrape_ms,
                                double duration_seconds, const scrape::ScrapeResult& result,
                                const char* error, bool lock_timeout);

 private:
  Relation rel_;
  size_t written_ = 0;
  std::vector<int32_t> ids_;
  std::vector<int64_t> times_;
  std::vector<double> values_;
};

}  // namespace observe::pg
