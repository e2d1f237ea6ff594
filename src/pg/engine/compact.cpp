// Compaction: each series' runs of small chunks (write-buffer flushes of short transactions)
// are merged into chunks of the profile's target size, and the L0 batches (many series' rows in one
// chunk row, see ts_chunks.h) are split into the series' own chunks. Old chunks are deleted and
// new ones inserted in one transaction, so a concurrent reader sees either the old or the new
// set (MVCC).
#include <algorithm>
#include <unordered_map>
#include <vector>

#include "pg/border/border.h"
#include "pg/engine/chunk_bytes.h"
#include "pg/engine/chunks.h"
#include "pg/engine/compact.h"
#include "pg/engine/write_buffer.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

namespace {

struct Group {
  TsSeriesRows rows;
  std::vector<ItemPointerData> tids;
};

void reset_group(Group& g, const TsLayout& layout) {
  g.rows = ts_empty_rows(layout);
  g.tids.clear();
}

}  // namespace

int64_t ts_compact_relation(Relation rel) {
  std::shared_ptr<const TsLayout> layout = ts_layout(rel);
  Oid storage = layout->storage_id;
  ts_buffer_flush_for_read(storage, InvalidCommandId);
  // Reads what is committed now plus this transaction's earlier commands, not the chunks it
  // is about to write (their command id is not below the snapshot's). A REPEATABLE READ or
  // SERIALIZABLE transaction reads with its own snapshot: merging chunks committed after it
  // into chunks of its own would show it rows a heap table would not.
  Snapshot snap = pg_guard([] {
    CommandCounterIncrement();
    return RegisterSnapshot(IsolationUsesXactSnapshot() ? GetTransactionSnapshot() : GetLatestSnapshot());
  });
  int64_t rewritten = 0;
  try {
    TsInternalOids oids;
    pg_guard([&] { ts_internal_oids(&oids, false); });
    CommandId cid = pg_guard([] { return GetCurrentCommandId(true); });

    // The L0 batches: every series' rows in them, to join that series' last run below.
    std::unordered_map<int32_t, TsSeriesRows> batched;
    std::vector<ItemPointerData> batch_tids;
    {
      TsChunkCursor cursor;
      TsChunkCursor* c = &cursor;
      pg_guard([&] {
        ts_chunk_cursor_open(c, oids.chunks, oids.chunks_index, storage, kTsBatchSeries, PG_INT64_MIN,
                             snap, AccessShareLock);
      });
      TsBatch batch;
      for (;;) {
        TsChunkRow row;
        if (!pg_guard([&] { return ts_chunk_cursor_next(c, &row); })) break;
        with_chunk_bytes(row.data, [&](std::string_view bytes) {
          ts_batch_parse(bytes, &batch);
          chunk::ChunkData rows = chunk::decode(batch.chunk);
          for (const TsBatchEntry& e : batch.entries) {
            auto it = batched.find(e.series_id);
            if (it == batched.end()) {
              Group g;
              reset_group(g, *layout);
              it = batched.emplace(e.series_id, std::move(g.rows)).first;
            }
            it->second.append_chunk(ts_batch_slice(rows, e.begin, e.end));
          }
        });
        batch_tids.push_back(row.tid);
      }
      pg_guard([&] { ts_chunk_cursor_close(c, AccessShareLock); });
    }
    // The series with batched rows, ascending: each joins its own chunks' last run, or is
    // written alone when it has none.
    std::vector<int32_t> batched_ids;
    for (const auto& kv : batched) batched_ids.push_back(kv.first);
    std::sort(batched_ids.begin(), batched_ids.end());
    size_t next_batched = 0;

    TsChunkSink sink;
    ts_sink_open(&sink, *layout, storage, cid);
    Group group;
    reset_group(group, *layout);  // the table's columns
    bool force = false;  // the group holds rows of a batch: written however small
    bool fast = false;   // the group holds a fast-compressed chunk (kTsFastLevel): rewritten alone too
    auto finish_group = [&](int32_t id) {
      if (group.tids.size() >= 2 || (force && group.rows.rows() > 0) || (fast && !group.tids.empty())) {
        ts_sink_write(&sink, id, group.rows);
        const ItemPointerData* tids = group.tids.data();
        int n = static_cast<int>(group.tids.size());
        pg_guard([&] { ts_delete_chunks(tids, n); });
        rewritten += n;
      }
      reset_group(group, *layout);
      fast = false;
    };
    // A series' last run ends: its batched rows join it (once: they are taken).
    auto finish_series = [&](int32_t id) {
      auto b = batched.find(id);
      if (b != batched.end()) {
        group.rows.append_rows(b->second);
        batched.erase(b);
        force = true;
      }
      finish_group(id);
      force = false;
    };
    // Batched series below `id` that have no chunks of their own.
    auto finish_batched_below = [&](int64_t id) {
      for (; next_batched < batched_ids.size() && batched_ids[next_batched] < id; next_batched++)
        finish_series(batched_ids[next_batched]);
    };

    // Every series' chunks in one walk of the (storage, series, max_time) index: no dictionary
    // (the maintenance worker never loads a table's labels) and one index scan, not one a
    // series. Chunks this compaction writes are not visible to `snap`.
    {
      TsChunkCursor cursor;
      TsChunkCursor* c = &cursor;
      pg_guard([&] {
        ts_chunk_cursor_open(c, oids.chunks, oids.chunks_index, storage, -1, PG_INT64_MIN, snap,
                             AccessShareLock);
      });
      int32_t current = kTsBatchSeries;  // no series yet
      uint64_t read = 0;
      for (;;) {
        TsChunkRow row;
        bool more = pg_guard([&] { return ts_chunk_cursor_next(c, &row); });
        if (!more) break;
        if (row.series_id == kTsBatchSeries) continue;  // the batches: read above
        if (row.series_id != current) {
          if (current != kTsBatchSeries) finish_series(current);
          finish_batched_below(row.series_id);
          current = row.series_id;
        }
        if ((++read & 255) == 0 && interrupt_pending()) pg_guard([] { CHECK_FOR_INTERRUPTS(); });
        if (ts_chunk_full(*layout->profile, row.row_count, row.level)) {
          finish_group(current);  // a full chunk ends the run before it
          continue;
        }
        with_chunk_bytes(row.data, [&](std::string_view bytes) { group.rows.append_chunk(chunk::decode(bytes)); });
        group.tids.push_back(row.tid);
        if (row.level == kTsFastLevel) fast = true;
        if (ts_rows_full(*layout->profile, group.rows)) finish_group(current);
      }
      if (current != kTsBatchSeries) finish_series(current);
      finish_batched_below(INT64_MAX);
      pg_guard([&] { ts_chunk_cursor_close(c, AccessShareLock); });
    }
    ts_sink_close(&sink);
    if (!batch_tids.empty()) {
      const ItemPointerData* tids = batch_tids.data();
      int n = static_cast<int>(batch_tids.size());
      pg_guard([&] { ts_delete_chunks(tids, n); });
      rewritten += n;
    }
  } catch (...) {
    throw;  // the snapshot is released by the resource owner with the aborting transaction
  }
  pg_guard([snap] { UnregisterSnapshot(snap); });
  int64_t removed = ts_series_gc(rel);
  if (removed > 0) pg_guard([removed] { elog(DEBUG1, "observe_ts: removed %lld series without chunks", static_cast<long long>(removed)); });
  return rewritten;
}

}  // namespace observe::pg
