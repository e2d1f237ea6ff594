#include "pg/engine/scan.h"

#include "pg/border/border.h"
#include "pg/engine/internal.h"
#include "pg/engine/pg_engine_headers.h"

#include <algorithm>

extern "C" {
#include "access/heaptoast.h"
}

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
// chunk_format.cpp: ~8 KB for ~4 MiB of raw lines) is read as a slice of the chunk's TOAST
// value, of the length the previous chunk's header needed plus a quarter (a backend's chunks
// are mostly of one table and of similar sizes), rounded up to whole TOAST chunks (~2 KB, what
// a slice reads anyway); if that is short, the parse says how long the filter is and the
// exact slice is read. A fixed 16 KiB slice read about twice the TOAST chunks needed.
static size_t g_header_guess = 16 * 1024;

static int32 toast_round_up(size_t n) {
  constexpr size_t kToast = TOAST_MAX_CHUNK_SIZE;
  n = std::max<size_t>(n, kToast);
  n = std::min<size_t>(n, size_t{64} << 20);
  return static_cast<int32>((n + kToast - 1) / kToast * kToast);
}

bool ts_chunk_header_ruled_out(const std::vector<TsContainsTest>& tests, Datum data) {
  if (tests.empty()) return false;
  MemoryContext tmp = nullptr;
  pg_guard([&] { tmp = AllocSetContextCreate(CurrentMemoryContext, "observe chunk header", ALLOCSET_SMALL_SIZES); });
  bool out = false;
  try {
    int32 slice = toast_round_up(g_header_guess + g_header_guess / 4);
    for (int attempt = 0; attempt < 3; ++attempt) {
      bytea* head = pg_guard([&] {
        MemoryContext old = MemoryContextSwitchTo(tmp);
        bytea* d = ts_chunk_data_slice(data, slice);
        MemoryContextSwitchTo(old);
        return d;
      });
      const size_t got = VARSIZE_ANY_EXHDR(head);
      chunk::ChunkSummary summary;
      size_t need = 0;
      if (chunk::peek_prefix(std::string_view(VARDATA_ANY(head), got), &summary, &need)) {
        g_header_guess = need;
        out = ts_summary_ruled_out(tests, summary);
        break;
      }
      if (got < static_cast<size_t>(slice)) break;  // the whole chunk, and no header: corrupt
      // Longer: what the filter needs, else (cut short before it) four times as much.
      const int32 next = toast_round_up(need > static_cast<size_t>(slice) ? need : static_cast<size_t>(slice) * 4);
      if (next <= slice) break;
      slice = next;
    }
  } catch (...) {
    pg_guard([tmp] { MemoryContextDelete(tmp); });
    throw;
  }
  pg_guard([tmp] { MemoryContextDelete(tmp); });
  return out;
}

}  // namespace observe::pg
