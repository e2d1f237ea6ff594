#include "pg/logql/logql_source.h"

#include "pg/border/border.h"
#include "pg/border/read_check.h"
#include "pg/log/log_store.h"
#include "pg/module/guc.h"
#include "pg/promql/promql_request.h"

extern "C" {
#include "access/table.h"
#include "utils/snapmgr.h"
}

namespace observe::pg {

LogSource::LogSource(Oid relid) {
  rel_ = open_for_reading(relid, "LogQL");
  try {
    log_check_logs_shape(rel_);
    store_ = log_store_open(rel_, GetActiveSnapshot());
  } catch (...) {
    table_close(rel_, NoLock);
    throw;
  }
}

// The store goes first; the lock stays to the end of the transaction (NoLock), as for any
// relation a query reads.
LogSource::~LogSource() {
  store_.reset();
  table_close(rel_, NoLock);
}

logql::EngineOptions logql_engine_options() {
  logql::EngineOptions opts;
  opts.promql = promql_engine_options();
  opts.limits.max_series = guc_logql_max_query_series;
  opts.limits.max_entries_read = guc_logql_max_entries_read;
  opts.limits.interrupted = [] { return interrupt_pending(); };
  return opts;
}

}  // namespace observe::pg
