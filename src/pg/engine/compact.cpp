// Compaction: each series' runs of small chunks (write-buffer flushes of short transactions)
// are merged into chunks of the profile's target size, and the L0 batches (many series' rows in one
// chunk row, see ts_chunks.h) are split into the series' own chunks. Old chunks are deleted and
// new ones inserted in one transaction, so a concurrent reader sees either the old or the new
// set (MVCC).
#include <algorithm>
#include <chrono>
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

// Series garbage collection. A series may go when no chunk row any snapshot can still see
// names it (SnapshotNonVacuumable: live rows, rows of transactions in progress, and deleted rows
// an older snapshot may read; a batch's directory names its series) and no open transaction has
// rows of it in its write buffer: those hold RowExclusiveLock on the table until they end, so
// ShareLock, tried without waiting (writers and workers never queue behind it), excludes them.
// It is held to commit, when the relcache invalidation makes every backend forget the removed
// ids before it can write the table again (ts_series_relcache_invalidated: dictionaries are
// dropped, or the scrape worker's checks the ids it holds for presence).
//
// The lock is held for milliseconds, not for the whole work: writers waiting for it give up
// after observe.worker_lock_timeout (the scrape worker keeps their samples and tries again,
// but a long hold still delays every write). So:
//  1. Without the lock: every chunk row is read (L0 batch directories parsed), each batch row
//     remembered by its identity (TID and inserting xid: a TID alone may be reused once VACUUM
//     removed the row); the series rows no chunk row names are the candidates.
//  2. Without the lock: at most kGcSeriesPerLock candidates, lowest ids first, are probed again
//     (chunk rows written since step 1 keep theirs), and the batch rows written since step 1
//     are parsed; the rest wait for the next compaction.
//  3. Under the lock: only what can have changed since is read again: the batch rows not seen
//     before (few: those written since step 2) and the kept candidates' own chunk rows (one index
//     probe each, bounded by kGcSeriesPerLock and kGcLockBudgetMs; a candidate not probed in
//     time stays). No writer is in progress then, so no row naming a candidate can appear
//     before the commit; every row some snapshot can read was either seen (batches: parsed
//     once, their series were never candidates) or is read here.
// Ids come from a sequence, so a removed id is never given again; an install without the
// sequence (not yet updated) keeps its series.
namespace {

// Candidates removed per compaction at most: one index probe each under the lock (~1-2 us);
// the rest go in the following compactions.
constexpr size_t kGcSeriesPerLock = 50000;
// Probing under the lock stops after this long; the candidates not probed stay.
constexpr double kGcLockBudgetMs = 100.0;

// A batch row version: its TID and inserting xid.
struct BatchIdentity {
  ItemPointerData tid;
  TransactionId xmin;
  bool operator==(const BatchIdentity& o) const {
    return xmin == o.xmin && ItemPointerGetBlockNumberNoCheck(&tid) == ItemPointerGetBlockNumberNoCheck(&o.tid) &&
           ItemPointerGetOffsetNumberNoCheck(&tid) == ItemPointerGetOffsetNumberNoCheck(&o.tid);
  }
};
struct BatchIdentityHash {
  size_t operator()(const BatchIdentity& b) const {
    uint64_t v = (static_cast<uint64_t>(ItemPointerGetBlockNumberNoCheck(&b.tid)) << 16) ^
                 ItemPointerGetOffsetNumberNoCheck(&b.tid) ^ (static_cast<uint64_t>(b.xmin) << 32);
    return std::hash<uint64_t>()(v);
  }
};
using BatchSet = std::unordered_set<BatchIdentity, BatchIdentityHash>;
// Series rows no chunk row named: (series id, the row's TID), ascending ids.
using Candidates = std::vector<std::pair<int32_t, ItemPointerData>>;

// Calls name(id) for each series named by chunk rows of `storage` (all of them, or only the
// batch rows when batches_only) that any snapshot can still read, skipping batch rows in
// `seen` and adding the others to it.
template <typename Name>
void scan_used_series(const TsInternalOids& oids, Oid storage, bool batches_only, BatchSet& seen, Name name) {
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
      name(row.series_id);
      continue;
    }
    if (!seen.insert(BatchIdentity{row.tid, row.xmin}).second) continue;
    with_chunk_bytes(row.data, [&](std::string_view bytes) {
      ts_batch_parse(bytes, &batch);
      for (const TsBatchEntry& e : batch.entries) name(e.series_id);
    });
  }
  pg_guard([&] { ts_chunk_cursor_close(c, AccessShareLock); });
}

// Drops from `candidates` (ascending ids) those named by batch rows not in `seen`.
void drop_named_by_new_batches(const TsInternalOids& oids, Oid storage, BatchSet& seen, Candidates& candidates) {
  std::unordered_set<int32_t> named;
  scan_used_series(oids, storage, true, seen, [&](int32_t id) { named.insert(id); });
  if (named.empty()) return;
  candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                  [&](const auto& c) { return named.count(c.first) != 0; }),
                   candidates.end());
}

// Probes candidates[0], [1], ... for chunk rows some snapshot can still read, until stop(i) says
// so before candidate i; calls chunkless(candidate) for each without any. Returns how many were
// probed.
template <typename Stop, typename Chunkless>
size_t probe_candidates(const TsInternalOids& oids, Oid storage, const Candidates& candidates, Stop stop,
                        Chunkless chunkless) {
  TsChunkProbe probe;
  TsChunkProbe* p = &probe;
  pg_guard([&] { ts_chunk_probe_open(p, oids.chunks, oids.chunks_index); });
  size_t i = 0;
  for (; i < candidates.size() && !stop(i); i++) {
    int32_t id = candidates[i].first;
    if (!pg_guard([&] { return ts_chunk_probe_has(p, storage, id); })) chunkless(candidates[i]);
  }
  pg_guard([&] { ts_chunk_probe_close(p); });
  return i;
}

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int64_t ts_series_gc(Relation rel) {
  TsInternalOids oids;
  pg_guard([&] { ts_internal_oids(&oids, false); });
  if (!OidIsValid(oids.series_seq)) return 0;
  Oid storage = rel->rd_node.relNode;
  // 1. Every chunk row, without the lock.
  std::unordered_set<int32_t> used;
  BatchSet seen;
  scan_used_series(oids, storage, false, seen, [&](int32_t id) { used.insert(id); });
  int n = 0;
  int32* ids = nullptr;
  ItemPointerData* tids = nullptr;
  pg_guard([&] { ts_series_rows(storage, &n, &ids, &tids); });
  Candidates candidates;
  for (int i = 0; i < n; i++)
    if (used.count(ids[i]) == 0) candidates.emplace_back(ids[i], tids[i]);
  used = {};
  if (candidates.empty()) return 0;
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t all_candidates = candidates.size();

  // 2. The first candidates probed again and the new batch rows read, still without the lock.
  {
    Candidates kept;
    probe_candidates(
        oids, storage, candidates,
        [&](size_t i) {
          if ((i & 1023) == 0 && interrupt_pending()) pg_guard([] { CHECK_FOR_INTERRUPTS(); });
          return kept.size() >= kGcSeriesPerLock;
        },
        [&](const auto& c) { kept.push_back(c); });
    candidates.swap(kept);
  }
  drop_named_by_new_batches(oids, storage, seen, candidates);
  if (candidates.empty()) return 0;

  // 3. Under the lock: what was written since.
  if (!pg_guard([rel] { return ConditionalLockRelation(rel, ShareLock); })) return 0;
  auto locked = std::chrono::steady_clock::now();
  drop_named_by_new_batches(oids, storage, seen, candidates);
  std::vector<ItemPointerData> unused;
  size_t probed = probe_candidates(
      oids, storage, candidates,
      [&](size_t i) { return (i & 255) == 255 && elapsed_ms(locked) > kGcLockBudgetMs; },
      [&](const auto& c) { unused.push_back(c.second); });
  if (!unused.empty()) {
    const ItemPointerData* del = unused.data();
    int ndel = static_cast<int>(unused.size());
    pg_guard([&] {
      ts_delete_series(del, ndel);
      CacheInvalidateRelcache(rel);  // ts_series_relcache_invalidated in every backend
    });
  }
  double held = elapsed_ms(locked);
  pg_guard([&] {
    elog(DEBUG1,
         "observe_ts series GC: %zu candidates, %zu probed under the lock, %zu removed, %.1f ms under the lock "
         "before commit",
         all_candidates, probed, unused.size(), held);
  });
  return static_cast<int64_t>(unused.size());
}

}  // namespace observe::pg
