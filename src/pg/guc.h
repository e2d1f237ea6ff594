// pg_observe's configuration parameters (GUCs), defined once at library load.
#pragma once

namespace observe::pg {

// observe.database: the database the background workers connect to.
extern char* guc_database;

// observe.promql_lookback_delta (ms): how far back an instant selector looks for a sample.
extern int guc_promql_lookback_ms;
// observe.promql_max_samples: samples one PromQL query may hold at once.
extern int guc_promql_max_samples;

// observe.copy_input_cache: COPY FROM STDIN into observe_ts tables reuses the parsed datum of
// a repeated jsonb/timestamp text (copy_fastpath.h).
extern bool guc_copy_input_cache;

// observe.worker_lock_timeout (ms): the background workers' lock_timeout.
extern int guc_worker_lock_timeout_ms;

void define_gucs();

}  // namespace observe::pg
