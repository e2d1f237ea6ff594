#include "pg/workers/worker_signals.h"

#include <cerrno>
#include <chrono>

extern "C" {
#include "miscadmin.h"
#include "storage/latch.h"
#include "storage/procsignal.h"
}

namespace observe::pg {

volatile sig_atomic_t worker_sigterm_received = false;

void worker_handle_sigterm(SIGNAL_ARGS) {
  int save_errno = errno;
  worker_sigterm_received = true;
  SetLatch(MyLatch);
  errno = save_errno;
}

void worker_handle_sigterm_and_cancel(SIGNAL_ARGS) {
  int save_errno = errno;
  worker_sigterm_received = true;
  InterruptPending = true;
  QueryCancelPending = true;
  SetLatch(MyLatch);
  errno = save_errno;
}

void worker_absorb_barriers() {
  if (ProcSignalBarrierPending) ProcessProcSignalBarrier();
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace observe::pg
