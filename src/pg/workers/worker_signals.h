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

// Milliseconds since the Unix epoch.
int64_t wall_ms();

}  // namespace observe::pg
