#include "pg/engine/scan.h"

namespace observe::pg {

bool ts_chunk_ruled_out(const std::vector<TsContainsTest>& tests, std::string_view chunk_bytes) {
  if (tests.empty()) return false;
  chunk::ChunkSummary summary = chunk::peek(chunk_bytes);
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

}  // namespace observe::pg
