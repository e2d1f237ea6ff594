// observe_ts: the engine's table access method with the metrics profile (engine/profile.cpp).
#include "pg/engine/table_am.h"
#include "pg/ts/ts_am.h"

namespace observe::pg {

const TableAmRoutine* ts_am_routine() { return engine_table_am(ts_profile()); }

bool ts_is_observe_ts(Relation rel) { return engine_profile(rel) == &ts_profile(); }

bool ts_relid_is_observe_ts(Oid relid) { return engine_relid_profile(relid) == &ts_profile(); }

}  // namespace observe::pg

extern "C" {
PG_FUNCTION_INFO_V1(observe_ts_am_handler);
Datum observe_ts_am_handler(PG_FUNCTION_ARGS) {
  PG_RETURN_POINTER(observe::pg::ts_am_routine());
}
}
