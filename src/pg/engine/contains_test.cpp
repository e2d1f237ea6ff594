#include "pg/engine/scan.h"

#include "pg/border/border.h"
#include "pg/engine/internal.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

bool ts_summary_ruled_out(const std::vector<TsContainsTest>& tests, const chunk::ChunkSummary& summary) {
  for (const TsContainsTest& t : tests) {
    if (t.any_of.empty() || t.column < 0 || static_cast<size_t>(t.column) >= summary.columns.size()) continue;
    bool may = false;
    for (const std::string& needle : t.any_of)
      if (chunk::may_contain(summary.columns[t.column], needle, t.case_insensitive)) {
        may = true;
        break;
      }
    if (!may) return true;
  }
  return false;
}

bool ts_chunk_ruled_out(const std::vector<TsContainsTest>& tests, std::string_view chunk_bytes) {
  if (tests.empty()) return false;
  return ts_summary_ruled_out(tests, chunk::peek(chunk_bytes));
}

// A log chunk's header with its filter (at most 5 % of the payload, plus the floor of
// token_filter.h) fits 16 KiB when the chunk holds up to ~4 MiB of raw lines; a TOAST chunk is
// ~2 KB, so the slice reads ~8 of them where the whole chunk is ~75-120.
static constexpr int32 kHeaderSlice = 16 * 1024;

bool ts_chunk_header_ruled_out(const std::vector<TsContainsTest>& tests, Datum data) {
  if (tests.empty()) return false;
  MemoryContext tmp = nullptr;
  bytea* head = pg_guard([&] {
    tmp = AllocSetContextCreate(CurrentMemoryContext, "observe chunk header", ALLOCSET_SMALL_SIZES);
    MemoryContext old = MemoryContextSwitchTo(tmp);
    bytea* d = ts_chunk_data_slice(data, kHeaderSlice);
    MemoryContextSwitchTo(old);
    return d;
  });
  bool out = false;
  try {
    chunk::ChunkSummary summary;
    if (chunk::peek_prefix(std::string_view(VARDATA_ANY(head), VARSIZE_ANY_EXHDR(head)), &summary))
      out = ts_summary_ruled_out(tests, summary);
  } catch (...) {
    pg_guard([tmp] { MemoryContextDelete(tmp); });
    throw;
  }
  pg_guard([tmp] { MemoryContextDelete(tmp); });
  return out;
}

}  // namespace observe::pg
