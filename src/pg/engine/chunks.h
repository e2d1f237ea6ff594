// Rows of one series in memory (times plus value columns, as the chunk format holds them) and
// writing them as chunk rows of observe._ts_chunks. Shared by the write buffer and compaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/chunk/chunk.h"
#include "core/chunk/l0_batch.h"
#include "pg/border/pg_headers.h"
#include "pg/engine/internal.h"
#include "pg/engine/layout.h"

namespace observe::pg {

// Chunk size (the profile's chunk_target_rows / chunk_target_bytes; observe_ts: 4096 rows,
// 1 MiB of variable-width values): long enough that per-chunk overhead (heap tuple, index entry,
// TOAST) is a small fraction of a byte per row, short enough that a time-range query reads
// little beyond its range.

struct TsSeriesRows {
  std::vector<int64_t> times;
  std::vector<chunk::Column> cols;
  size_t var_bytes = 0;  // raw bytes of kBytes values

  size_t rows() const { return times.size(); }
  // Appends rows [begin, end) of a decoded chunk (same column kinds; missing columns null).
  void append_chunk(const chunk::ChunkData& data);
  // The same for the rows r with keep[r] (keep empty: every row).
  void append_chunk_rows(const chunk::ChunkData& data, const std::vector<bool>& keep);
  void append_rows(const TsSeriesRows& other);
};

// No rows, with the value columns of the layout.
TsSeriesRows ts_empty_rows(const TsLayout& layout);

// Sorts by time (stable: duplicates keep their order) and writes chunks of at most the profile's
// target rows / bytes, each column with the profile's codec options. Level 1 marks chunks
// compaction need not touch (ts_chunk_full).
// Chunk rows are queued and inserted in multi-row batches (heap_multi_insert); all of them are
// in the table after ts_sink_close.
struct TsChunkSink {
  TsTableWriter writer;
  Oid storage_id;
  CommandId cid;
  const TsLayout* layout;  // outlives the sink
  // Set by the write buffer: every chunk it writes (below half the target, full ones, L0
  // batches) uses the fast zstd level of the log-lines codec (kTransientLogLevel) instead of the
  // profile's and is marked kTsFastLevel, so INSERT, COPY and pushes pay for fast compression
  // only and compaction (the maintenance worker, observe.compact) encodes it again at the
  // profile's level. Compaction leaves it false.
  bool fast_transient = false;
};
void ts_sink_open(TsChunkSink* sink, const TsLayout& layout, Oid storage_id, CommandId cid);
void ts_sink_write(TsChunkSink* sink, int32_t series_id, TsSeriesRows& rows);
void ts_sink_close(TsChunkSink* sink);

// The level of a chunk row (of any size) whose log-lines columns were compressed at the fast
// level (TsChunkSink::fast_transient): never full, so compaction rewrites it even when it has no
// small neighbour to merge with, and every chunk ends at the profile's level. Rows of older
// versions never hold it; a reader treats it as level 0.
inline constexpr int16_t kTsFastLevel = 2;

// Whether a chunk row is full: compaction leaves it alone.
bool ts_chunk_full(const EngineProfile& profile, int32_t rows, int16_t level);
// Whether rows gathered for one chunk reach the profile's target.
bool ts_rows_full(const EngineProfile& profile, const TsSeriesRows& rows);

// ---- L0 batches -------------------------------------------------------------------------------
// A flush of many series with a few rows each (a scrape: one sample per series) would write one
// chunk row and one index entry per series. Instead such series go together into "L0 batch"
// rows of observe._ts_chunks: series_id kTsBatchSeries (ids of real series start at 1, so a
// storage's batches come first in its index), level kTsBatchLevel, min/max time and row count
// over the whole batch. Readers (TsReader) hand a batch out as one chunk per series it holds;
// compaction moves the rows into the series' own chunks and deletes the batch; retention drops
// a batch when all of its rows are older than the horizon.
//
// Data: see core/chunk/l0_batch.h (directory, then one chunk of all rows, series by series in
// directory order, each series' rows sorted by time).
inline constexpr int32_t kTsBatchSeries = 0;
inline constexpr int16_t kTsBatchLevel = -1;
// Series with fewer rows than this in a flush are small ...
inline constexpr size_t kBatchSmallSeriesRows = 64;
// ... and at least this many small series are written as batches (fewer: their own chunks).
inline constexpr size_t kBatchMinSeries = 32;
// Rows per batch row.
inline constexpr size_t kBatchMaxRows = 16384;

using TsBatchEntry = chunk::BatchEntry;
struct TsBatch {
  std::vector<TsBatchEntry> entries;  // ascending series ids
  std::string_view chunk;             // the encoded rows (a view into the parsed bytes)
};
// Parses a batch's directory; throws observe::Error(kDataException) if corrupt.
void ts_batch_parse(std::string_view bytes, TsBatch* out);
// Rows [begin, end) of decoded batch rows, as one series' chunk data.
chunk::ChunkData ts_batch_slice(const chunk::ChunkData& data, size_t begin, size_t end);
// Writes the given series' rows (each sorted in place) as batch rows.
void ts_sink_write_batches(TsChunkSink* sink, const std::vector<std::pair<int32_t, TsSeriesRows*>>& series);

// One sample of a metric-shaped table (time in the time column's units).
struct TsPoint {
  int32_t series_id;
  int64_t time;
  double value;
};
// Writes runs of `points` (sorted by series and time; each run [begin, end) one series) as
// batch rows of a table whose only value column is `value`.
void ts_sink_write_point_batches(TsChunkSink* sink, const std::vector<TsPoint>& points,
                                 const std::vector<std::pair<size_t, size_t>>& runs, const TsLayout& layout);

}  // namespace observe::pg
