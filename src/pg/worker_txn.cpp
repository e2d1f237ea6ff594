#include "pg/worker_txn.h"

#include <cstdlib>
#include <cstring>

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/snapmgr.h"
}

namespace observe::pg {

bool run_in_transaction_raw(const char* what, void (*call)(void*), void* arg, char** message) {
  MemoryContext caller_context = CurrentMemoryContext;
  volatile bool ok = true;
  PG_TRY();
  {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
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
    FreeErrorData(edata);
    pgstat_report_activity(STATE_IDLE, nullptr);
    ok = false;
  }
  PG_END_TRY();
  return ok;
}

}  // namespace observe::pg
