// The observe_ts maintenance worker: every observe.maintenance_interval it compacts every
// observe_ts table of the database observe.database (merging the small chunks that short write
// transactions leave) and applies the retention set with observe.set_retention. It waits for the
// extension to exist there, does one table per transaction (an error is logged and the next table
// still runs) followed by the series GC slices its compaction left (series_gc_slices, bounded),
// and stops on SIGTERM (also in the middle of a compaction, which rolls back). Plain C-like
// code: the work itself runs through the SQL functions, which carry their own C++/PostgreSQL
// border (ts_series_gc_pending only reads this process's kept scans and cannot raise).
#include "pg/engine/compact.h"
#include "pg/module/guc.h"
#include "pg/ts/ts_am.h"
#include "pg/workers/worker_txn.h"
#include "pg/engine/pg_engine_headers.h"
#include "pg/workers/worker_register.h"

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
  register_observe_worker("observe_ts_maintenance_main", "pg_observe maintenance", -1, 10);
}

// Runs `sql` (one row of one int8/oid column wanted) in its own transaction, lock waits bounded
// by observe.worker_lock_timeout; returns the values of the first column. Errors are logged,
// not raised; *failed says there was one, *lock_timeout that it was a lock wait given up, and
// `error` (when given, `error_size` bytes) receives its message.
static int run_sql_in_transaction(const char* sql, Oid* out, int max_out, bool* failed,
                              bool* lock_timeout = nullptr, char* error = nullptr,
                              size_t error_size = 0) {
  volatile int n = 0;  // assigned inside PG_TRY, read after it
  *failed = false;
  if (lock_timeout != nullptr) *lock_timeout = false;
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  MemoryContext caller = CurrentMemoryContext;
  PG_TRY();
  {
    set_worker_lock_timeout();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, sql);
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
    ErrorData* edata = CopyErrorData();
    EmitErrorReport();
    FlushErrorState();
    AbortCurrentTransaction();
    *failed = true;
    if (lock_timeout != nullptr) *lock_timeout = is_lock_timeout(edata->sqlerrcode);
    if (error != nullptr) strlcpy(error, edata->message != nullptr ? edata->message : "", error_size);
    FreeErrorData(edata);
  }
  PG_END_TRY();
  pgstat_report_activity(STATE_IDLE, nullptr);
  return n;
}

// Records a table's maintenance run in observe._maintenance_status (the view
// observe.ts_maintenance_health): its last error and the lock waits given up.
static void record_status(Oid relid, const char* error, int lock_timeouts) {
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql,
                   "INSERT INTO observe._maintenance_status AS s (relid, last_run, last_error, lock_timeouts) "
                   "VALUES (%u, now(), %s, %d) ON CONFLICT (relid) DO UPDATE SET last_run = excluded.last_run, "
                   "last_error = excluded.last_error, lock_timeouts = s.lock_timeouts + excluded.lock_timeouts",
                   relid, error[0] != '\0' ? quote_literal_cstr(error) : "NULL", lock_timeouts);
  bool failed;
  run_sql_in_transaction(sql.data, nullptr, 0, &failed);
  pfree(sql.data);
}

// After a compaction whose series GC left candidates in this process's kept scan (1 M unused
// series are 20 slices of 50,000): the next slices at once, each in its own transaction (its
// ShareLock held to its commit, ≤ 100 ms; writers get the table between two), instead of one
// per maintenance interval. Bounded: at most a sixth of the interval (10 s of the default 60 s)
// per table and round; stops when a slice consumed nothing (the lock was not free). Between two
// slices it waits kGcSlicePauseMs, so writers have the table at least about half the time (back
// to back, a writer taking its lock every 10 ms waited 86 ms at the 99th percentile).
static const long kGcSlicePauseMs = 100;
static void series_gc_slices(Oid relid, int* lock_timeouts) {
  TimestampTz start = GetCurrentTimestamp();
  int budget_ms = Max(1000, maintenance_interval_s * 1000 / 6);
  size_t left = ts_series_gc_pending(relid);
  while (left > 0 && !TimestampDifferenceExceeds(start, GetCurrentTimestamp(), budget_ms)) {
    char sql[160];
    bool failed, timed_out;
    snprintf(sql, sizeof sql, "SELECT observe.series_gc(c.oid) FROM pg_catalog.pg_class c WHERE c.oid = %u", relid);
    run_sql_in_transaction(sql, nullptr, 0, &failed, &timed_out);
    *lock_timeouts += timed_out;
    size_t now_left = ts_series_gc_pending(relid);
    if (failed || now_left >= left) break;
    left = now_left;
    if (left > 0) {
      (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kGcSlicePauseMs, PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
    }
    CHECK_FOR_INTERRUPTS();
  }
}

// Whether the installed extension version has the function `signature` (an install not yet
// updated by ALTER EXTENSION lacks the newer ones).
static bool has_function(const char* signature) {
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT p::oid FROM pg_catalog.to_regprocedure('%s') p WHERE p IS NOT NULL", signature);
  Oid fn[1];
  bool failed;
  return run_sql_in_transaction(sql, fn, 1, &failed) == 1;
}

static void maintenance_round() {
  bool failed;
  Oid present[1];
  if (run_sql_in_transaction("SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'pg_observe'",
                         present, 1, &failed) == 0)
    return;  // not (yet) created in this database
  enum { kMaxTables = 4096 };
  static Oid tables[kMaxTables];
  int n = run_sql_in_transaction(
      "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_am a ON a.oid = c.relam "
      "WHERE a.amname IN ('observe_ts', 'observe_log') AND c.relkind = 'r' ORDER BY c.oid",
      tables, kMaxTables, &failed);
  Oid status_table[1];
  bool has_status =  // absent in an install not yet updated to 0.3.0
      run_sql_in_transaction("SELECT pg_catalog.to_regclass('observe._maintenance_status')::oid "
                             "WHERE pg_catalog.to_regclass('observe._maintenance_status') IS NOT NULL",
                             status_table, 1, &failed) == 1;
  // Per-stream retention and observe.series_gc came with 0.4.0: an install not yet updated has
  // the table's retention only, and GC only at the end of a compaction.
  bool has_apply = has_function("observe.apply_retention(regclass)");
  bool has_series_gc = has_function("observe.series_gc(regclass)");
  for (int i = 0; i < n; i++) {
    char sql[256];
    char error[512] = "";
    int lock_timeouts = 0;
    bool timed_out;
    // Retention first: no point compacting chunks about to be dropped.
    if (has_apply)
      snprintf(sql, sizeof sql,
               "SELECT observe.apply_retention(relid) FROM observe._ts_options "
               "WHERE relid = %u AND (retention IS NOT NULL OR stream_retention IS NOT NULL)",
               tables[i]);
    else
      snprintf(sql, sizeof sql,
               "SELECT observe.drop_chunks(relid, now() - retention) FROM observe._ts_options "
               "WHERE relid = %u AND retention IS NOT NULL",
               tables[i]);
    run_sql_in_transaction(sql, nullptr, 0, &failed, &timed_out, error, sizeof error);
    lock_timeouts += timed_out;
    // Compaction also removes the series left without chunks (ts_compact.h).
    snprintf(sql, sizeof sql,
             "SELECT observe.compact(c.oid) FROM pg_catalog.pg_class c WHERE c.oid = %u", tables[i]);
    run_sql_in_transaction(sql, nullptr, 0, &failed, &timed_out, failed ? nullptr : error, sizeof error);
    lock_timeouts += timed_out;
    if (has_series_gc && !failed) series_gc_slices(tables[i], &lock_timeouts);
    if (has_status) record_status(tables[i], error, lock_timeouts);
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
