// The table access method routine shared by the AMs on the engine (table_am.cpp).
#pragma once

#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"
#include "pg/engine/profile.h"

namespace observe::pg {

// The routine of an AM: the same callbacks for every profile, one routine object per profile
// so that rd_tableam identifies it (engine_profile).
const TableAmRoutine* engine_table_am(const EngineProfile& profile);

// Raises the error for row-level UPDATE/DELETE/MERGE, with the hint to use drop_chunks.
[[noreturn]] void engine_refuse_row_change(const EngineProfile& profile, const char* command);

}  // namespace observe::pg
