#include "pg/workers/worker_register.h"

#include <malloc.h>

#include <cstdio>
#include <cstring>

#include "pg/border/border.h"
#include "pg/module/guc.h"

extern "C" {
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
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

void run_observe_worker(const char* name, pqsigfunc on_sigterm, void (*loop)(int), int arg) {
  // A worker allocates and frees the same few MB over and over (a Kafka batch's lines and
  // chunk columns, a query's decoded chunks and samples, librdkafka's fetch buffers): with
  // glibc's defaults each free gave the pages back and the next use faulted them in again
  // (~10 % of the Kafka worker's CPU and a third of an HTTP query's were page faults). Freed
  // memory is kept for reuse instead; the peak is what the work bounds, and the scrape worker
  // still gives memory back with malloc_trim.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, on_sigterm);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(guc_database, nullptr, 0);
  ereport(LOG, (errmsg("%s started in database \"%s\"", name, guc_database)));
  invoke_cpp([loop, arg] { loop(arg); });
  ereport(LOG, (errmsg("%s stopped", name)));
  proc_exit(0);
}

}  // namespace observe::pg
