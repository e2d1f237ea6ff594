#include "pg/workers/worker_register.h"

#include <cstdio>
#include <cstring>

extern "C" {
#include "postmaster/bgworker.h"
}

namespace observe::pg {

void register_observe_worker(const char* function, const char* type, int index, int restart_s) {
  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = restart_s;
  worker.bgw_main_arg = Int32GetDatum(index < 0 ? 0 : index);
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_observe");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
  if (index < 0) snprintf(worker.bgw_name, BGW_MAXLEN, "%s", type);
  else snprintf(worker.bgw_name, BGW_MAXLEN, "%s %d", type, index);
  snprintf(worker.bgw_type, BGW_MAXLEN, "%s", type);
  RegisterBackgroundWorker(&worker);
}

}  // namespace observe::pg
