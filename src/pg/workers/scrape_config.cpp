#include "pg/workers/scrape_config.h"

#include <cstring>
#include <map>

#include "pg/border/border.h"

extern "C" {
#include "executor/spi.h"
}

namespace observe::pg {

bool ScrapeTargetConfig::operator==(const ScrapeTargetConfig& o) const {
  return job == o.job && url == o.url && interval_ms == o.interval_ms &&
         timeout_ms == o.timeout_ms && labels == o.labels && honor_labels == o.honor_labels &&
         honor_timestamps == o.honor_timestamps && sample_limit == o.sample_limit &&
         labels_final == o.labels_final && job_document == o.job_document &&
         headers == o.headers && tls_ca_file == o.tls_ca_file && tls_cert_file == o.tls_cert_file &&
         tls_key_file == o.tls_key_file && tls_insecure_skip_verify == o.tls_insecure_skip_verify &&
         forced_error == o.forced_error;
}

// One row per (target, configured label); targets without labels come once with NULLs.
static const char* kTargetsQuery = R"sql(
  SELECT t.job, t.url,
         (extract(epoch FROM t.scrape_interval) * 1000)::int8,
         (extract(epoch FROM coalesce(t.scrape_timeout,
                                      least(interval '10 seconds', t.scrape_interval))) * 1000)::int8,
         t.honor_labels, t.honor_timestamps, t.sample_limit::int8, l.key, l.value
    FROM observe.scrape_targets t
    LEFT JOIN LATERAL jsonb_each_text(t.labels) l ON true
   WHERE t.enabled
   ORDER BY t.job, t.url)sql";

// Plain C-like SPI calls: run under pg_guard by the caller.
static bool extension_installed() {
  int rc = SPI_execute("SELECT 1 WHERE to_regclass('observe.scrape_targets') IS NOT NULL", true, 1);
  return rc == SPI_OK_SELECT && SPI_processed == 1;
}

static const char* column_text(uint64 row, int col) {
  return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

bool load_scrape_targets(std::vector<ScrapeTargetConfig>* targets) {
  if (!pg_guard([] { return extension_installed(); })) return false;
  uint64 rows = pg_guard([] {
    if (SPI_execute(kTargetsQuery, true, 0) != SPI_OK_SELECT)
      elog(ERROR, "could not read observe.scrape_targets");
    return SPI_processed;
  });
  std::map<std::string, ScrapeTargetConfig> by_key;
  std::vector<std::string> order;
  for (uint64 r = 0; r < rows; r++) {
    const char* v[9];
    for (int c = 0; c < 9; c++) v[c] = pg_guard([r, c] { return column_text(r, c + 1); });
    ScrapeTargetConfig cfg;
    cfg.job = v[0];
    cfg.url = v[1];
    auto [it, inserted] = by_key.emplace(cfg.key(), cfg);
    ScrapeTargetConfig& t = it->second;
    if (inserted) {
      order.push_back(t.key());
      t.interval_ms = std::stoll(v[2]);
      t.timeout_ms = std::stoll(v[3]);
      t.honor_labels = std::strcmp(v[4], "t") == 0;
      t.honor_timestamps = std::strcmp(v[5], "t") == 0;
      t.sample_limit = std::stoll(v[6]);
    }
    if (v[7] != nullptr) t.labels.set(v[7], v[8] != nullptr ? v[8] : "");
  }
  targets->clear();
  for (const auto& k : order) targets->push_back(std::move(by_key[k]));
  return true;
}

static const char* kJobsQuery = R"sql(
  SELECT j.job_name,
         jsonb_build_object('scrape_configs',
                            jsonb_build_array(observe._scrape_job_document(j)))::text
    FROM observe.scrape_jobs j
   WHERE j.enabled
   ORDER BY j.job_name)sql";

bool load_scrape_jobs(std::vector<ScrapeJobDocument>* jobs) {
  jobs->clear();
  bool present = pg_guard([] {
    int rc = SPI_execute("SELECT 1 WHERE to_regclass('observe.scrape_jobs') IS NOT NULL", true, 1);
    return rc == SPI_OK_SELECT && SPI_processed == 1;
  });
  if (!present) return false;
  uint64 rows = pg_guard([] {
    if (SPI_execute(kJobsQuery, true, 0) != SPI_OK_SELECT) elog(ERROR, "could not read observe.scrape_jobs");
    return SPI_processed;
  });
  for (uint64 r = 0; r < rows; r++) {
    const char* job = pg_guard([r] { return column_text(r, 1); });
    const char* doc = pg_guard([r] { return column_text(r, 2); });
    jobs->push_back({job, doc});
  }
  return true;
}

}  // namespace observe::pg
