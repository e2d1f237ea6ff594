#include "pg/guc.h"

#include <climits>

#include "pg/pg_headers.h"

extern "C" {
#include "utils/guc.h"
}

namespace observe::pg {

char* guc_database = nullptr;
int guc_promql_lookback_ms = 300000;
int guc_promql_max_samples = 50000000;
bool guc_copy_input_cache = true;
int guc_worker_lock_timeout_ms = 1000;

void define_gucs() {
  DefineCustomStringVariable("observe.database",
                             "Database in which pg_observe's background workers work.", nullptr,
                             &guc_database, "postgres", PGC_POSTMASTER, 0, nullptr, nullptr,
                             nullptr);
  DefineCustomIntVariable("observe.promql_lookback_delta",
                          "How far back PromQL instant selectors look for a sample (Prometheus's "
                          "--query.lookback-delta).",
                          nullptr, &guc_promql_lookback_ms, 300000, 1, INT_MAX, PGC_USERSET,
                          GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.promql_max_samples",
                          "Samples one PromQL query may hold in memory at once (Prometheus's "
                          "--query.max-samples).",
                          nullptr, &guc_promql_max_samples, 50000000, 1, INT_MAX, PGC_USERSET, 0,
                          nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("observe.copy_input_cache",
                           "COPY FROM STDIN into observe_ts tables parses a repeated jsonb or "
                           "timestamp field once.",
                           "Off: such a COPY takes PostgreSQL's standard path, including the "
                           "ProcessUtility hooks of libraries loaded before pg_observe.",
                           &guc_copy_input_cache, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.worker_lock_timeout",
                          "Longest the scrape and maintenance workers wait for a lock a user "
                          "session holds.",
                          "On timeout the worker logs it, counts it in its health view and goes "
                          "on with the other targets or tables.",
                          &guc_worker_lock_timeout_ms, 1000, 1, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS,
                          nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("observe");
}

}  // namespace observe::pg
