// A memo in front of a column's input function for one COPY FROM: when a field's text equals a
// recently seen text, the datum parsed then is returned instead of parsing again. Metric exports
// repeat the same labels (and, time-major, the same timestamp) row after row.
#pragma once

#include "pg/border/pg_headers.h"

namespace observe::pg {

// Whether `fn` is an input function this memo may wrap: builtin, and giving the same datum for
// the same text, type and typmod for the whole statement (jsonb_in, timestamptz_in,
// timestamp_in).
bool copy_input_memo_applies(const FmgrInfo* fn);

// Turns `fn` into a memoizing wrapper of itself. The cache lives in `context`, which must live
// as long as the COPY (deleting it frees the cache). Strictness and the function OID stay as
// they were, so NULL handling and InputFunctionCall's checks are unchanged.
void copy_input_memo_wrap(FmgrInfo* fn, MemoryContext context);

// For a wrapped `fn`: how many texts it was given and how many it parsed (cache misses).
// False when `fn` is not wrapped.
bool copy_input_memo_counts(const FmgrInfo* fn, uint64* calls, uint64* parsed);

}  // namespace observe::pg
