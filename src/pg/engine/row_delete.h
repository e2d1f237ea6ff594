// Deleting chosen rows of an engine table by rewriting the chunks that hold them
// (observe.delete_logs): each chunk row with a row to delete is decoded, deleted, and its other
// rows written again as new chunks, in the calling transaction (so concurrent readers see the
// old chunks or the new ones, never a mix; a rollback keeps everything). Memory stays one
// chunk deep; the bytes of the old chunks go with VACUUM of observe._ts_chunks, as a heap
// DELETE's do.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/chunk/chunk.h"
#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"
#include "pg/engine/scan.h"

namespace observe::pg {

// Decides which rows of one series' chunk go: on entry drop[r] is true for the rows in the time
// window; the function clears the rows to keep. May throw observe::Error.
using RowDropFn = std::function<void(int32_t series_id, const chunk::ChunkData& data, std::vector<bool>& drop)>;

struct RowDeleteSpec {
  std::vector<int32_t> series;  // the series to look at
  int64_t min_time = 0, max_time = 0;  // the window, inclusive, in stored units
  // Substring tests a row must pass to be deleted: a chunk whose token filter rules one out
  // holds no such row and is not decoded.
  std::vector<TsContainsTest> contains;
};

struct RowDeleteResult {
  int64_t rows_deleted = 0;
  int64_t chunks_rewritten = 0;  // chunk rows (and L0 batches) replaced
  int64_t chunks_read = 0;       // decoded
  int64_t chunks_skipped = 0;    // ruled out by the token filter
};

// The caller holds ShareUpdateExclusiveLock on rel (no compaction, retention or other
// deletion at the same time; INSERT and SELECT go on) and has checked DELETE privilege.
RowDeleteResult ts_delete_rows(Relation rel, const RowDeleteSpec& spec, const RowDropFn& drop_fn);

}  // namespace observe::pg
