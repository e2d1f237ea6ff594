// ts_delete_rows: chunk rewriting for row deletion (row_delete.h).
#include "pg/engine/row_delete.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "pg/border/border.h"
#include "pg/engine/chunk_bytes.h"
#include "pg/engine/chunks.h"
#include "pg/engine/layout.h"
#include "pg/engine/write_buffer.h"

namespace observe::pg {

namespace {

class RowDeleter {
 public:
  RowDeleter(const TsLayout& layout, const RowDeleteSpec& spec, const RowDropFn& fn, Snapshot snap,
             CommandId cid)
      : layout_(layout), spec_(spec), fn_(fn), snap_(snap), targets_(spec.series.begin(), spec.series.end()) {
    pg_guard([&] { ts_internal_oids(&oids_, false); });
    ts_sink_open(&sink_, layout, layout.storage_id, cid);
  }

  RowDeleteResult run() {
    batches();
    std::vector<int32_t> ids(targets_.begin(), targets_.end());
    std::sort(ids.begin(), ids.end());
    for (int32_t id : ids) {
      series_chunks(id);
      if (interrupt_pending()) pg_guard([] { CHECK_FOR_INTERRUPTS(); });
    }
    ts_sink_close(&sink_);
    if (!deleted_.empty()) {
      const ItemPointerData* tids = deleted_.data();
      int n = static_cast<int>(deleted_.size());
      pg_guard([&] { ts_delete_chunks(tids, n); });
    }
    result_.chunks_rewritten = static_cast<int64_t>(deleted_.size());
    return result_;
  }

 private:
  // drop[r] for the rows in the window that the caller's function keeps marked; the count.
  size_t decide(int32_t series, const chunk::ChunkData& data, std::vector<bool>& drop) {
    size_t n = data.times.size();
    drop.assign(n, false);
    bool any = false;
    for (size_t r = 0; r < n; r++)
      if (data.times[r] >= spec_.min_time && data.times[r] <= spec_.max_time) drop[r] = any = true;
    if (!any) return 0;
    fn_(series, data, drop);
    return static_cast<size_t>(std::count(drop.begin(), drop.end(), true));
  }

  static std::vector<bool> negate(const std::vector<bool>& drop) {
    std::vector<bool> keep(drop.size());
    for (size_t r = 0; r < drop.size(); r++) keep[r] = !drop[r];
    return keep;
  }

  // A chunk row that may hold rows to delete: in the window and not ruled out by the filter.
  bool candidate(std::string_view chunk_bytes) {
    if (ts_chunk_ruled_out(spec_.contains, chunk_bytes)) {
      result_.chunks_skipped++;
      return false;
    }
    result_.chunks_read++;
    return true;
  }

  // L0 batches hold rows of many series: one with a row to delete is written again as batches
  // of the rows that stay.
  void batches() {
    TsChunkCursor cursor;
    TsChunkCursor* c = &cursor;
    pg_guard([&] {
      ts_chunk_cursor_open(c, oids_.chunks, oids_.chunks_index, layout_.storage_id, kTsBatchSeries,
                           spec_.min_time, snap_, AccessShareLock);
    });
    TsBatch batch;
    std::vector<bool> drop;
    for (;;) {
      TsChunkRow row;
      if (!pg_guard([&] { return ts_chunk_cursor_next(c, &row); })) break;
      if (row.min_time > spec_.max_time) continue;
      ItemPointerData tid = row.tid;
      with_chunk_bytes(row.data, [&](std::string_view bytes) {
        ts_batch_parse(bytes, &batch);
        bool targeted = false;
        for (const TsBatchEntry& e : batch.entries)
          if (targets_.count(e.series_id) != 0 && e.max_time >= spec_.min_time && e.min_time <= spec_.max_time)
            targeted = true;
        if (!targeted || !candidate(batch.chunk)) return;
        chunk::ChunkData all = chunk::decode(batch.chunk);
        // Which rows go, per entry (empty: none); the batch is copied only if some row goes.
        std::vector<std::vector<bool>> keep(batch.entries.size());
        size_t dropped = 0;
        for (size_t i = 0; i < batch.entries.size(); i++) {
          const TsBatchEntry& e = batch.entries[i];
          if (targets_.count(e.series_id) == 0) continue;
          size_t n = decide(e.series_id, ts_batch_slice(all, e.begin, e.end), drop);
          dropped += n;
          if (n != 0) keep[i] = negate(drop);
        }
        if (dropped == 0) return;
        std::vector<TsSeriesRows> kept(batch.entries.size());
        for (size_t i = 0; i < batch.entries.size(); i++) {
          kept[i] = ts_empty_rows(layout_);
          kept[i].append_chunk_rows(ts_batch_slice(all, batch.entries[i].begin, batch.entries[i].end), keep[i]);
        }
        std::vector<std::pair<int32_t, TsSeriesRows*>> rewrite;
        for (size_t i = 0; i < batch.entries.size(); i++)
          if (kept[i].rows() > 0) rewrite.emplace_back(batch.entries[i].series_id, &kept[i]);
        if (!rewrite.empty()) ts_sink_write_batches(&sink_, rewrite);
        deleted_.push_back(tid);
        result_.rows_deleted += static_cast<int64_t>(dropped);
      });
    }
    pg_guard([&] { ts_chunk_cursor_close(c, AccessShareLock); });
  }

  void series_chunks(int32_t id) {
    TsChunkCursor cursor;
    TsChunkCursor* c = &cursor;
    pg_guard([&] {
      ts_chunk_cursor_open(c, oids_.chunks, oids_.chunks_index, layout_.storage_id, id, spec_.min_time, snap_,
                           AccessShareLock);
    });
    std::vector<bool> drop;
    for (;;) {
      TsChunkRow row;
      if (!pg_guard([&] { return ts_chunk_cursor_next(c, &row); })) break;
      if (row.min_time > spec_.max_time) continue;
      ItemPointerData tid = row.tid;
      with_chunk_bytes(row.data, [&](std::string_view bytes) {
        if (!candidate(bytes)) return;
        chunk::ChunkData data = chunk::decode(bytes);
        size_t n = decide(id, data, drop);
        if (n == 0) return;
        TsSeriesRows kept = ts_empty_rows(layout_);
        kept.append_chunk_rows(data, negate(drop));
        ts_sink_write(&sink_, id, kept);
        deleted_.push_back(tid);
        result_.rows_deleted += static_cast<int64_t>(n);
      });
    }
    pg_guard([&] { ts_chunk_cursor_close(c, AccessShareLock); });
  }

  const TsLayout& layout_;
  const RowDeleteSpec& spec_;
  const RowDropFn& fn_;
  Snapshot snap_;
  std::unordered_set<int32_t> targets_;
  TsInternalOids oids_;
  TsChunkSink sink_;
  std::vector<ItemPointerData> deleted_;
  RowDeleteResult result_;
};

}  // namespace

RowDeleteResult ts_delete_rows(Relation rel, const RowDeleteSpec& spec, const RowDropFn& drop_fn) {
  std::shared_ptr<const TsLayout> layout = ts_layout(rel);
  if (spec.series.empty() || spec.max_time < spec.min_time) return RowDeleteResult();
  ts_buffer_flush_for_read(layout->storage_id, InvalidCommandId);
  // As compaction reads (compact.cpp): what is committed now and this transaction's earlier
  // commands, not the chunks this call writes; REPEATABLE READ and SERIALIZABLE with their own
  // snapshot, so they never delete rows they cannot see.
  Snapshot snap = pg_guard([] {
    CommandCounterIncrement();
    return RegisterSnapshot(IsolationUsesXactSnapshot() ? GetTransactionSnapshot() : GetLatestSnapshot());
  });
  CommandId cid = pg_guard([] { return GetCurrentCommandId(true); });
  // On an error the snapshot goes with the aborting transaction's resource owner.
  RowDeleteResult result = RowDeleter(*layout, spec, drop_fn, snap, cid).run();
  pg_guard([snap] {
    UnregisterSnapshot(snap);
    CommandCounterIncrement();  // the rest of the statement sees the new chunks
  });
  return result;
}

}  // namespace observe::pg
