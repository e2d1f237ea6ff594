// Registration and start-up of pg_observe's background workers (scrape, Kafka, HTTP, rules,
// maintenance): each connects to a database, starts once recovery has finished and comes back
// after a crash.
#pragma once

#include "pg/border/pg_headers.h"

namespace observe::pg {

// `function`: the worker's entry point in this library; `type`: its type in pg_stat_activity;
// `index` >= 0 numbers it (bgw_name "<type> <index>", bgw_main_arg index), -1 for the only
// one of its kind (bgw_name = type); `restart_s`: seconds before a crashed worker restarts.
// Call from _PG_init while shared_preload_libraries is being processed.
void register_observe_worker(const char* function, const char* type, int index, int restart_s);

// What a worker's entry point does: SIGHUP reloads the configuration, SIGTERM calls on_sigterm;
// connects to observe.database; logs "<name> started in database ..." and "<name> stopped"
// around `loop`, which runs under invoke_cpp (an escaping error ends the worker, FATAL in a
// worker, and the postmaster restarts it); then exits the process. `name` is plain C (no C++
// object may live across the PostgreSQL calls here, which may end the process).
[[noreturn]] void run_observe_worker(const char* name, pqsigfunc on_sigterm, void (*loop)(int), int arg);

}  // namespace observe::pg
