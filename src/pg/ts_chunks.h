// Rows of one series in memory (times plus value columns, as the chunk format holds them) and
// writing them as chunk rows of observe._ts_chunks. Shared by the write buffer and compaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/chunk/chunk.h"
#include "pg/pg_headers.h"
#include "pg/ts_internal.h"

namespace observe::pg {

// Chunk size: long enough that per-chunk overhead (heap tuple, index entry, TOAST) is a small
// fraction of a byte per row, short enough that a time-range query reads little beyond its range.
inline constexpr size_t kChunkTargetRows = 4096;
inline constexpr size_t kChunkTargetBytes = 1 << 20;  // raw bytes of variable-width columns

struct TsSeriesRows {
  std::vector<int64_t> times;
  std::vector<chunk::Column> cols;
  size_t var_bytes = 0;  // raw bytes of kBytes values

  size_t rows() const { return times.size(); }
  // Appends rows [begin, end) of a decoded chunk (same column kinds; missing columns null).
  void append_chunk(const chunk::ChunkData& data);
  void append_rows(const TsSeriesRows& other);
};

// Sorts by time (stable: duplicates keep their order) and writes chunks of at most
// kChunkTargetRows rows / kChunkTargetBytes. Level 1 marks chunks compaction need not touch.
// Chunk rows are queued and inserted in multi-row batches (heap_multi_insert); all of them are
// in the table after ts_sink_close.
struct TsChunkSink {
  TsTableWriter writer;
  Oid storage_id;
  CommandId cid;
};
void ts_sink_open(TsChunkSink* sink, Oid storage_id, CommandId cid);
void ts_sink_write(TsChunkSink* sink, int32_t series_id, TsSeriesRows& rows);
void ts_sink_close(TsChunkSink* sink);

}  // namespace observe::pg
