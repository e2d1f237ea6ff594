// What every pg_observe background worker (scrape, Kafka, HTTP) does on SIGTERM, and the wall
// clock their schedules run on.
#pragma once

#include <csignal>
#include <cstdint>

#include "pg/border/pg_headers.h"

namespace observe::pg {

// Set by the handlers below: the worker's loop ends when it is.
extern volatile sig_atomic_t worker_sigterm_received;
// Records the request and wakes the worker's latch.
void worker_handle_sigterm(SIGNAL_ARGS);
// The same, and cancels the statement in progress as a cancel request would (the HTTP
// worker: a long query must not hold up a fast shutdown until its timeout).
void worker_handle_sigterm_and_cancel(SIGNAL_ARGS);

// Takes up a pending ProcSignalBarrier (DROP DATABASE, ALTER DATABASE ... SET TABLESPACE and
// others wait until every backend has). A worker calls it after each wait of its loop: an idle
// worker runs no query that would (CHECK_FOR_INTERRUPTS is not called outside one), and the
// barrier's waiter would hang until it does. A PostgreSQL call: run under pg_guard.
void worker_absorb_barriers();

// Milliseconds since the Unix epoch.
int64_t wall_ms();

}  // namespace observe::pg
