#include "pg/workers/worker_txn.h"

#include <cstdlib>
#include <cstring>

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
}

#include "pg/module/guc.h"

namespace observe::pg {

void set_worker_lock_timeout() {
  char value[32];
  snprintf(value, sizeof value, "%dms", guc_worker_lock_timeout_ms);
  (void)set_config_option("lock_timeout", value, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
                          false);
}

bool is_lock_timeout(int sqlerrcode) { return sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE; }

bool run_in_transaction_raw(const char* what, void (*call)(void*), void* arg, char** message,
                            int* sqlerrcode) {
  MemoryContext caller_context = CurrentMemoryContext;
  volatile bool ok = true;
  PG_TRY();
  {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    set_worker_lock_timeout();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, what);
    call(arg);
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    ErrorData* edata = CopyErrorData();
    FlushErrorState();
    AbortCurrentTransaction();
    ereport(LOG, (errmsg("pg_observe %s failed: %s", what, edata->message)));
    if (message != nullptr && edata->message != nullptr) *message = strdup(edata->message);
    if (sqlerrcode != nullptr) *sqlerrcode = edata->sqlerrcode;
    FreeErrorData(edata);
    pgstat_report_activity(STATE_IDLE, nullptr);
    ok = false;
  }
  PG_END_TRY();
  return ok;
}

}  // namespace observe::pg
