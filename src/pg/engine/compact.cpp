// Compaction: each series' runs of small chunks (write-buffer flushes of short transactions)
// are merged into chunks of the profile's target size, and the L0 batches (many series' rows in one
// chunk row, see ts_chunks.h) are split into the series' own chunks. Old chunks are deleted and
// new ones inserted in one transaction, so a concurrent reader sees either the old or the new
// set (MVCC).
#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pg/border/border.h"
#include "pg/engine/chunk_bytes.h"
#include "pg/engine/chunks.h"
#include "pg/engine/compact.h"
#include "pg/engine/series.h"
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
    std::shared_ptr<SeriesDict> dict = ts_series_dict(layout->relid, storage);
    std::vector<int32_t> ids;
    for (const auto& e : dict->all()) ids.push_back(e->id);
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
    for (const auto& kv : batched) ids.push_back(kv.first);  // never lose a batch's rows
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

    TsChunkSink sink;
    ts_sink_open(&sink, *layout, storage, cid);
    Group group;
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
    for (int32_t id : ids) {
      reset_group(group, *layout);
      TsChunkCursor cursor;
      TsChunkCursor* c = &cursor;
      pg_guard([&] {
        ts_chunk_cursor_open(c, oids.chunks, oids.chunks_index, storage, id, PG_INT64_MIN, snap,
                             AccessShareLock);
      });
      for (;;) {
        TsChunkRow row;
        bool more = pg_guard([&] { return ts_chunk_cursor_next(c, &row); });
        if (!more) break;
        if (ts_chunk_full(*layout->profile, row.row_count, row.level)) {
          finish_group(id);  // a full chunk ends the run before it
          continue;
        }
        with_chunk_bytes(row.data, [&](std::string_view bytes) { group.rows.append_chunk(chunk::decode(bytes)); });
        group.tids.push_back(row.tid);
        if (row.level == kTsFastLevel) fast = true;
        if (ts_rows_full(*layout->profile, group.rows)) finish_group(id);
      }
      auto b = batched.find(id);
      if (b != batched.end()) {
        group.rows.append_rows(b->second);
        force = true;
      }
      finish_group(id);
      force = false;
      pg_guard([&] { ts_chunk_cursor_close(c, AccessShareLock); });
      if (interrupt_pending()) pg_guard([] { CHECK_FOR_INTERRUPTS(); });
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

// Series garbage collection. A series may go when no chunk row any snapshot can still see
// names it (SnapshotNonVacuumable: live rows, rows of transactions in progress, and deleted rows
// an older snapshot may read; a batch's directory names its series) and no open transaction has
// rows of it in its write buffer: those hold RowExclusiveLock on the table until they end, so
// ShareLock, tried without waiting (writers and workers never queue behind it), excludes them
// and is held to commit, when the relcache invalidation makes every backend drop its dictionary
// before it can write again. The full scan runs without that lock; under it only the candidates
// and the batch rows are read again, so writers are held up for as short a time as possible
// (and not at all when no series is unused). Ids come from a sequence, so a removed id is never
// given again; an install without the sequence (not yet updated) keeps its series.
namespace {

// Adds to `used` the series named by chunk rows of `storage` (all of them, or only the batch
// rows when batches_only) that any snapshot can still read.
void collect_used_series(const TsInternalOids& oids, Oid storage, bool batches_only,
                         std::unordered_set<int32_t>& used) {
  SnapshotData nonvacuumable;
  TsChunkCursor cursor;
  TsChunkCursor* c = &cursor;
  pg_guard([&] {
    Relation chunks = table_open(oids.chunks, AccessShareLock);
    InitNonVacuumableSnapshot(nonvacuumable, GlobalVisTestFor(chunks));
    table_close(chunks, NoLock);
    ts_chunk_cursor_open(c, oids.chunks, oids.chunks_index, storage, batches_only ? kTsBatchSeries : -1,
                         PG_INT64_MIN, &nonvacuumable, AccessShareLock);
  });
  TsBatch batch;
  for (;;) {
    TsChunkRow row;
    if (!pg_guard([&] { return ts_chunk_cursor_next(c, &row); })) break;
    if (row.series_id != kTsBatchSeries) {
      used.insert(row.series_id);
      continue;
    }
    with_chunk_bytes(row.data, [&](std::string_view bytes) {
      ts_batch_parse(bytes, &batch);
      for (const TsBatchEntry& e : batch.entries) used.insert(e.series_id);
    });
  }
  pg_guard([&] { ts_chunk_cursor_close(c, AccessShareLock); });
}

// Whether any chunk row of the series (not batches) can still be read by some snapshot.
bool series_has_chunks(const TsInternalOids& oids, Oid storage, int32_t id) {
  return pg_guard([&] {
    SnapshotData nonvacuumable;
    Relation chunks = table_open(oids.chunks, AccessShareLock);
    InitNonVacuumableSnapshot(nonvacuumable, GlobalVisTestFor(chunks));
    table_close(chunks, NoLock);
    TsChunkCursor c;
    ts_chunk_cursor_open(&c, oids.chunks, oids.chunks_index, storage, id, PG_INT64_MIN, &nonvacuumable,
                         AccessShareLock);
    TsChunkRow row;
    bool any = ts_chunk_cursor_next(&c, &row);
    ts_chunk_cursor_close(&c, AccessShareLock);
    return any;
  });
}

}  // namespace

int64_t ts_series_gc(Relation rel) {
  TsInternalOids oids;
  pg_guard([&] { ts_internal_oids(&oids, false); });
  if (!OidIsValid(oids.series_seq)) return 0;
  Oid storage = rel->rd_node.relNode;
  std::unordered_set<int32_t> used;
  collect_used_series(oids, storage, false, used);
  int n = 0;
  int32* ids = nullptr;
  ItemPointerData* tids = nullptr;
  pg_guard([&] { ts_series_rows(storage, &n, &ids, &tids); });
  std::vector<std::pair<int32_t, ItemPointerData>> candidates;
  for (int i = 0; i < n; i++)
    if (used.count(ids[i]) == 0) candidates.emplace_back(ids[i], tids[i]);
  if (candidates.empty()) return 0;

  if (!pg_guard([rel] { return ConditionalLockRelation(rel, ShareLock); })) return 0;
  // Rows written since the scan above: batches are read again, the candidates' own chunks probed.
  used.clear();
  collect_used_series(oids, storage, true, used);
  std::vector<ItemPointerData> unused;
  for (const auto& [id, tid] : candidates)
    if (used.count(id) == 0 && !series_has_chunks(oids, storage, id)) unused.push_back(tid);
  if (unused.empty()) return 0;
  const ItemPointerData* del = unused.data();
  int ndel = static_cast<int>(unused.size());
  pg_guard([&] {
    ts_delete_series(del, ndel);
    CacheInvalidateRelcache(rel);
  });
  return ndel;
}

}  // namespace observe::pg
