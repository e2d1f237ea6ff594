// Reading an observe_ts table: its chunks, one at a time (memory bounded by one chunk), as rows
// in a virtual slot. Used by the AM's sequential scan, ANALYZE, the custom scan (with series,
// time range and projection pushed down) and ts_select.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/chunk/aggregate.h"
#include "core/chunk/chunk.h"
#include "pg/engine/chunks.h"
#include "pg/engine/internal.h"
#include "pg/engine/layout.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

class SeriesDict;

struct TsContainsTest {
  int column = 0;                  // chunk column
  std::vector<std::string> any_of;  // OR-ed needles
  bool case_insensitive = false;
  // The predicate it came from is exactly "the value contains one of any_of" (a case-sensitive
  // LIKE '%lit%', a literal ~, position() > 0): the scan decides it on every row, so the
  // planner drops the clause from the executor's quals and the column need not become a datum.
  bool exact = false;
};

// Whether a chunk's token filters rule out every needle of one of the tests (its rows then
// cannot pass them); reads the chunk's header only.
bool ts_chunk_ruled_out(const std::vector<TsContainsTest>& tests, std::string_view chunk_bytes);
bool ts_summary_ruled_out(const std::vector<TsContainsTest>& tests, const chunk::ChunkSummary& summary);

// Whether the tests rule out a stored chunk (the data Datum of a chunk row, not an L0 batch)
// from its first bytes only: a slice of the TOASTed value (its header and token filters) is
// fetched, not the payload, which a skipped chunk never needs. False if the tests are empty
// or the header does not fit the slice (the caller then reads the whole chunk).
bool ts_chunk_header_ruled_out(const std::vector<TsContainsTest>& tests, Datum data);

struct TsReadSpec {
  bool all_series = true;
  std::vector<int32_t> series;  // ascending; read when !all_series
  int64_t min_time = std::numeric_limits<int64_t>::min();  // inclusive, time column units (µs)
  int64_t max_time = std::numeric_limits<int64_t>::max();
  // min_time/max_time are in stored units already (engine/profile.h: observe_log's ns), not µs.
  bool stored_time_range = false;
  // Substring tests on bytes columns with a token filter (observe_log's line): a chunk whose
  // filter rules out every needle of one test is skipped undecoded (rows are not tested: the
  // caller rechecks them).
  std::vector<TsContainsTest> contains;
  // Read what the snapshot sees without writing this transaction's buffered rows first
  // (a duplicate check that reads the buffer itself: ts_buffer_for_each_pending).
  bool skip_buffer_flush = false;
  std::vector<bool> wanted;  // per attribute (0-based); empty: every attribute
  // next() produces only rows that pass these; chunks whose zone maps rule them out are skipped
  // undecoded (by next_chunk_data too, which leaves testing rows to its caller). The filtered
  // columns must be wanted.
  std::vector<chunk::ValueFilter> filters;
};

// observe.batch_directory_cache (kB): parsed L0 batch directories a backend keeps; 0 = none.
extern int ts_batch_cache_kb;

class TsReader {
 public:
  // Writes this transaction's buffered rows of the table that `snapshot` must see first.
  TsReader(Relation rel, Snapshot snapshot, TsReadSpec spec);
  ~TsReader();
  TsReader(const TsReader&) = delete;
  TsReader& operator=(const TsReader&) = delete;

  // The next row into a virtual slot; false at the end.
  bool next(TupleTableSlot* slot);
  // The next chunk of a series as decoded data (for ts_select); false at the end. Each call
  // gives rows of one series: one chunk row, or one series' part of an L0 batch row (see
  // ts_chunks.h). Chunks overlapping the time range are given whole (callers filter rows).
  // With selected series: series by series in the spec's order, each series' own chunks
  // (ascending max time) followed by its parts of L0 batches. With all series: the L0
  // batches first (batch by batch, series ascending within each), then every series' own
  // chunks in series order.
  bool next_chunk_data(int32_t* series_id, const chunk::ChunkData** data);
  void restart();
  // Ends the internal scans. Call on normal ends; after an error the resource owner does it.
  void close();

  const TsLayout& layout() const { return *layout_; }
  // Chunks given out, and chunks skipped by their time range; a series' part of an L0 batch
  // counts as a chunk, and so does a whole batch skipped by its time range.
  uint64_t chunks_read() const { return chunks_read_; }
  uint64_t chunks_skipped() const { return chunks_skipped_; }

 private:
  bool load_next_chunk();
  bool next_batch_part();
  void load_batches_for_series();
  bool load_batches_from_list(const std::vector<int32_t>& wanted);
  void take_batch_parts(const chunk::BatchDirectory& dir, std::string_view bytes,
                        const std::vector<const TsBatchEntry*>& hits);
  static chunk::BatchKey batch_key(const TsChunkRow& row);
  bytea* fetch_chunk_data(Datum data);
  void set_chunk(int32_t series_id);
  bool open_next_cursor();
  void open_cursor(int32_t series_id);
  void close_cursor();
  void prepare_series_datums(int32_t id);
  void adopt_descriptor(TupleDesc desc);
  void plan_chunk();
  // Whether a chunk's header (zone map, token filters) rules out every row the spec wants.
  bool ruled_out(std::string_view chunk_bytes) const;
  void apply_contains_to_rows();

  struct AttrPlan {
    enum Op : uint8_t { kNull, kTime, kStoredTime, kConst, kFloat8, kFloat4, kBool, kInt8, kInt4, kInt2, kChar, kBytes };
    Op op = kNull;
    bool has_nulls = false;
    bool isnull = true;
    Datum value = 0;
    const chunk::Column* col = nullptr;
  };
  std::vector<AttrPlan> plan_;

  Relation rel_;
  Snapshot snapshot_;
  TsReadSpec spec_;
  std::shared_ptr<const TsLayout> layout_;
  std::shared_ptr<SeriesDict> dict_;
  TsInternalOids oids_;
  MemoryContext context_;        // series key datums, for the reader's life
  MemoryContext chunk_context_;  // the current chunk's detoasted data and byref values
  std::vector<bool> wanted_cols_;
  std::vector<uint8_t> filter_mask_;  // the current chunk's rows that pass spec_.filters
  std::vector<uint8_t> hit_;          // scratch of apply_contains_to_rows
  std::vector<Datum> missing_values_;  // per attribute: ALTER TABLE ADD COLUMN defaults
  std::vector<char> missing_nulls_;
  TupleDesc slot_desc_ = nullptr;  // the descriptor the current layout_ describes

  TsChunkCursor cursor_{};
  bool cursor_open_ = false;
  bool done_ = false;
  size_t next_series_ = 0;

  chunk::ChunkData chunk_;
  int32_t chunk_series_ = -1;

  // L0 batches. All series: the batch being handed out, part by part.
  bool in_batch_ = false;
  std::string batch_bytes_;
  std::vector<TsBatchEntry> batch_entries_;
  chunk::ChunkData batch_data_;
  size_t batch_next_ = 0;
  // Selected series: their parts of every batch in range, read once before the first series
  // and handed out after each series' own chunks.
  bool batches_loaded_ = false;
  std::unordered_map<int32_t, std::vector<chunk::ChunkData>> batch_parts_;
  std::vector<chunk::ChunkData>* parts_ = nullptr;  // of the series whose own chunks are done
  size_t parts_next_ = 0;
  int32_t parts_series_ = -1;
  size_t row_ = 0;
  Datum* key_values_ = nullptr;  // current series' key datums (full width)
  bool* key_nulls_ = nullptr;
  std::unordered_map<int32_t, std::pair<Datum*, bool*>> key_cache_;

  uint64_t chunks_read_ = 0, chunks_skipped_ = 0, row_number_ = 0;
};

// Converts ms since the Unix epoch to the time column's µs and back.
int64_t ts_ms_to_time(int64_t ms);
int64_t ts_time_to_ms(int64_t t);

}  // namespace observe::pg
