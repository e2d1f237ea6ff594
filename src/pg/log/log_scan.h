// Reading one stream of an observe_log table in time order with memory bounded by the chunks
// that overlap the current position (not by the time range): LogStore::scan's engine.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/codec/log_lines.h"
#include "core/logql/storage.h"
#include "pg/engine/layout.h"
#include "pg/engine/pg_engine_headers.h"
#include "pg/engine/scan.h"

namespace observe::pg {

struct LogScanSpec {
  int32_t series = 0;
  int64_t from_ns = 0, to_ns = 0;  // [from_ns, to_ns)
  logql::Direction dir = logql::Direction::kForward;
  int line_col = -1, metadata_col = -1;  // chunk columns
  std::vector<TsContainsTest> contains;   // token-filter tests: a chunk failing one is skipped
  // `|=` / `!=` line filters (case-sensitive byte substrings, each OR-ed terms, none empty):
  // rows failing one are not given to fn (the caller tests them again: skipping only).
  struct LineTest {
    std::vector<std::string> any_of;
    bool negative = false;  // keep the lines that contain none of any_of
  };
  std::vector<LineTest> line_tests;
  // line_tests are every filter the engine handed down, exactly: the entries of a chunk they
  // were applied to are given with LogEntry::filters_applied (no second test a line).
  bool line_tests_exact = false;
  // Line buffers to reuse (taken from and given back to), kept by the caller across streams:
  // a fresh 4 MiB buffer a chunk is a new mapping zeroed and faulted in page by page.
  std::vector<codec::LogLines>* spare_lines = nullptr;
};

// Calls fn for the stream's entries in [from_ns, to_ns) in time order (ties: chunk order, then
// row order; all reversed when backward) until it returns false. First writes this
// transaction's buffered rows as the snapshot must see them. Lists the overlapping chunks
// (metadata and a copy of the undetoasted datum only), then merges them k-way, decoding a chunk
// only when the merge reaches its first time and dropping it when its last row is out.
// Adds to *chunks_read / *chunks_skipped (time range and token filter).
void log_scan_stream(Relation rel, Snapshot snapshot, const TsLayout& layout, const LogScanSpec& spec,
                     const std::function<bool(const logql::LogEntry&)>& fn, uint64_t* chunks_read,
                     uint64_t* chunks_skipped);

}  // namespace observe::pg
