// The observe_ts maintenance worker: every observe.maintenance_interval it compacts every
// observe_ts table of the database observe.database (merging the small chunks that short write
// transactions leave) and applies the retention set with observe.set_retention. It waits for the
// extension to exist there, does one table per transaction (an error is logged and the next table
// still runs), and stops on SIGTERM (also in the middle of a compaction, which rolls back). Plain C-like code: the work itself runs through the SQL
// functions, which carry their own C++/PostgreSQL border.
#include "pg/guc.h"
#include "pg/ts_am.h"
#include "pg/ts_pg_headers.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wregister"
extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/timestamp.h"

PGDLLEXPORT void observe_ts_maintenance_main(Datum arg);
}
#pragma GCC diagnostic pop

namespace observe::pg {

static int maintenance_interval_s = 60;

void ts_maintenance_init() {
  DefineCustomIntVariable("observe.maintenance_interval",
                          "Seconds between runs of observe_ts compaction and retention (0: off).",
                          nullptr, &maintenance_interval_s, 60, 0, 86400, PGC_SIGHUP, GUC_UNIT_S,
                          nullptr, nullptr, nullptr);
  if (!process_shared_preload_libraries_in_progress) return;
  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = 10;
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_observe");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "observe_ts_maintenance_main");
  snprintf(worker.bgw_name, BGW_MAXLEN, "pg_observe maintenance");
  snprintf(worker.bgw_type, BGW_MAXLEN, "pg_observe maintenance");
  RegisterBackgroundWorker(&worker);
}

// Runs `sql` (one row of one int8/oid column wanted) in its own transaction; returns the values
// of the first column, palloc'd in `cx`. Errors are logged, not raised.
static int run_in_transaction(const char* sql, Oid* out, int max_out, MemoryContext cx,
                              bool* failed) {
  volatile int n = 0;  // assigned inside PG_TRY, read after it
  *failed = false;
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  MemoryContext caller = CurrentMemoryContext;
  PG_TRY();
  {
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, sql);
    SPI_execute("SET LOCAL lock_timeout = '5s'", false, 0);
    if (SPI_execute(sql, false, 0) >= 0 && out != nullptr) {
      for (uint64 i = 0; i < SPI_processed && n < max_out; i++) {
        bool isnull;
        Datum d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
        if (!isnull) out[n++] = DatumGetObjectId(d);
      }
    }
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller);
    EmitErrorReport();
    FlushErrorState();
    AbortCurrentTransaction();
    *failed = true;
  }
  PG_END_TRY();
  pgstat_report_activity(STATE_IDLE, nullptr);
  (void)cx;
  return n;
}

static void maintenance_round() {
  bool failed;
  Oid present[1];
  if (run_in_transaction("SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'pg_observe'",
                         present, 1, CurrentMemoryContext, &failed) == 0)
    return;  // not (yet) created in this database
  enum { kMaxTables = 4096 };
  static Oid tables[kMaxTables];
  int n = run_in_transaction(
      "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_am a ON a.oid = c.relam "
      "WHERE a.amname = 'observe_ts' AND c.relkind = 'r' ORDER BY c.oid",
      tables, kMaxTables, CurrentMemoryContext, &failed);
  for (int i = 0; i < n; i++) {
    char sql[256];
    // Retention first: no point compacting chunks about to be dropped.
    snprintf(sql, sizeof sql,
             "SELECT observe.drop_chunks(relid, now() - retention) FROM observe._ts_options "
             "WHERE relid = %u AND retention IS NOT NULL",
             tables[i]);
    run_in_transaction(sql, nullptr, 0, CurrentMemoryContext, &failed);
    snprintf(sql, sizeof sql,
             "SELECT observe.compact(c.oid) FROM pg_catalog.pg_class c WHERE c.oid = %u", tables[i]);
    run_in_transaction(sql, nullptr, 0, CurrentMemoryContext, &failed);
    CHECK_FOR_INTERRUPTS();
  }
}

}  // namespace observe::pg

void observe_ts_maintenance_main(Datum) {
  using namespace observe::pg;
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);  // also interrupts a running compaction (CHECK_FOR_INTERRUPTS)
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(guc_database, nullptr, 0);
  for (;;) {
    int interval = maintenance_interval_s;
    long timeout_ms = interval > 0 ? interval * 1000L : 60 * 1000L;
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, timeout_ms,
                    PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    if (maintenance_interval_s > 0) maintenance_round();
  }
}
