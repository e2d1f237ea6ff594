// A chunk row's data bytes, detoasted for the length of one call: compaction, deletion and
// retention read chunks one at a time, so their memory stays one chunk deep.
#pragma once

#include <string_view>

#include "pg/border/border.h"
#include "pg/engine/internal.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

// Calls use(bytes) with a chunk row's data, detoasted into a context of its own that is gone
// afterwards (also when use throws).
template <class F>
void with_chunk_bytes(Datum data_datum, F&& use) {
  MemoryContext tmp = nullptr;
  bytea* data = pg_guard([&] {
    tmp = AllocSetContextCreate(CurrentMemoryContext, "observe chunk bytes", ALLOCSET_SMALL_SIZES);
    MemoryContext old = MemoryContextSwitchTo(tmp);
    bytea* d = ts_chunk_data(data_datum);
    MemoryContextSwitchTo(old);
    return d;
  });
  try {
    use(std::string_view(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data)));
  } catch (...) {
    pg_guard([tmp] { MemoryContextDelete(tmp); });
    throw;
  }
  pg_guard([tmp] { MemoryContextDelete(tmp); });
}

}  // namespace observe::pg
