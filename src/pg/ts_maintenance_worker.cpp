// The maintenance worker (placeholder until compaction/retention scheduling lands).
#include "pg/ts_am.h"

namespace observe::pg {

void ts_maintenance_init() {}

}  // namespace observe::pg
