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

// A log chunk's header with its filter (at most 5.7 % of the line payload, or the floor of
// chunk_format.cpp) fits 16 KiB for most chunks of ~4 MiB of raw lines, 64 KiB for the rest
// (payloads up to ~1 MB); a TOAST chunk is ~2 KB, so the slice reads ~8 of them (or ~32)
// where the whole chunk is ~75-120.
static constexpr int32 kHeaderSlices[] = {16 * 1024, 64 * 1024};

bool ts_chunk_header_ruled_out(const std::vector<TsContainsTest>& tests, Datum data) {
  if (tests.empty()) return false;
  MemoryContext tmp = nullptr;
  pg_guard([&] { tmp = AllocSetContextCreate(CurrentMemoryContext, "observe chunk header", ALLOCSET_SMALL_SIZES); });
  bool out = false;
  try {
    for (int32 slice : kHeaderSlices) {
      bytea* head = pg_guard([&] {
        MemoryContext old = MemoryContextSwitchTo(tmp);
        bytea* d = ts_chunk_data_slice(data, slice);
        MemoryContextSwitchTo(old);
        return d;
      });
      const size_t got = VARSIZE_ANY_EXHDR(head);
      chunk::ChunkSummary summary;
      if (chunk::peek_prefix(std::string_view(VARDATA_ANY(head), got), &summary)) {
        out = ts_summary_ruled_out(tests, summary);
        break;
      }
      if (got < static_cast<size_t>(slice)) break;  // the whole chunk, and no header: corrupt
    }
  } catch (...) {
    pg_guard([tmp] { MemoryContextDelete(tmp); });
    throw;
  }
  pg_guard([tmp] { MemoryContextDelete(tmp); });
  return out;
}

}  // namespace observe::pg
