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
  MarkGUCPrefixReserved("observe");
}

}  // namespace observe::pg
