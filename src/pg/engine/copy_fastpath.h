// COPY FROM STDIN into an observe_ts table with memoized input functions (copy_input_memo.h),
// through a ProcessUtility hook.
#pragma once

namespace observe::pg {

// Called once from _PG_init: installs the ProcessUtility hook.
void copy_fastpath_init();

}  // namespace observe::pg
