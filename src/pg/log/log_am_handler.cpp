// observe_log: the engine's table access method with the log profile (engine/profile.cpp):
// nanosecond times, 4 MiB chunks of lines in the log-lines codec with a token filter each.
#include "pg/engine/table_am.h"

extern "C" {
PG_FUNCTION_INFO_V1(observe_log_am_handler);
Datum observe_log_am_handler(PG_FUNCTION_ARGS) {
  PG_RETURN_POINTER(observe::pg::engine_table_am(observe::pg::log_profile()));
}
}
