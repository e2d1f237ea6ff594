// Series garbage collection (the end of every compaction, and observe.series_gc). A series may go
// when no chunk row any snapshot can still see names it (SnapshotNonVacuumable: live rows, rows
// of transactions in progress, and deleted rows an older snapshot may read; a batch's directory
// names its series) and no open transaction has rows of it in its write buffer: those hold
// RowExclusiveLock on the table until they end, so ShareLock, tried without waiting (writers and
// workers never queue behind it), excludes them. It is held to commit, when the relcache
// invalidation makes every backend forget the removed ids before it can write the table again
// (ts_series_relcache_invalidated: dictionaries are dropped, or the scrape worker's checks the
// ids it holds for presence).
//
// The lock is held for milliseconds, not for the whole work: writers waiting for it give up
// after observe.worker_lock_timeout (the workers keep their samples and try again, but a long
// hold still delays every write). So:
//  1. Without the lock: every chunk row is read (L0 batch directories parsed), each batch row
//     remembered by its identity (TID and inserting xid: a TID alone may be reused once VACUUM
//     removed the row); the series rows no chunk row names are the candidates, kept in
//     ascending id order with their TIDs.
//  2. Without the lock: the next slice of candidates (observe.series_gc_slice, lowest ids
//     first) is probed again (chunk rows written since step 1 keep theirs) and its TIDs checked
//     to still hold those series rows, and the batch rows written since step 1 are parsed; the
//     rest wait for the next slice.
//  3. Under the lock: only what can have changed since is read again: the batch rows not seen
//     before (few: those written since step 2) and the slice's own chunk rows (one index probe
//     each, bounded by the slice and kGcLockBudgetMs; a candidate not probed in time stays for
//     the next slice). No writer is in progress then, so no row naming a candidate can appear
//     before the commit; every row some snapshot can read was either seen (batches: parsed
//     once, their series were never candidates or were dropped from the candidates) or is read
//     here.
//
// Step 1 is the expensive one (every chunk row; with a million unused series, seconds of CPU),
// so it is done once: the candidates and the set of batch rows read (with the ids named by the
// batch rows read after step 1) are kept in the calling process (GcScan, per relation) across
// transactions, and each later compaction does only steps 2 and 3 for the next slice. This is as
// exact as doing step 1 again, because the only thing step 1 contributes is "these series rows
// were not named by any row read then", and every way that can stop being true is caught later:
//  - a candidate that gained chunk rows since (a writer found its series row, still present,
//    and wrote with its id) is found by the probes of steps 2 and 3, which look at the index of
//    _ts_chunks now, not at anything remembered;
//  - batch rows written since are not in the set of seen rows (a new row version has a new
//    (TID, xmin) pair; xmin is the raw inserting xid, which freezing keeps), so they are parsed
//    in steps 2/3; the ids they name are remembered (GcScan::named) and skipped in every later
//    slice, not only the current one, since the row is not parsed twice;
//  - rows removed since (compaction, retention, VACUUM) only shrink what is named: a candidate
//    stays a candidate, and a series that became unused after step 1 waits for the next scan;
//  - series rows: a candidate's row may have been removed since by another process's GC (each
//    process keeps its own scan), and VACUUM may then have given its TID to another series row;
//    so each TID is fetched again in step 2 (SnapshotSelf, as step 1 read them) and kept only if
//    it still holds a row of this storage with this id. Between step 2 and the delete the row
//    cannot go: only GC of the same table removes series rows of a live storage, and this
//    transaction holds ShareUpdateExclusiveLock, which excludes it (and DROP/TRUNCATE/rewrites).
// The kept scan is discarded when it cannot describe the table any more: its storage (the
// relfilenode: TRUNCATE, VACUUM FULL, CLUSTER and rewrites give a new one and rekey the series
// rows), the relfilenodes of _ts_series and _ts_chunks (VACUUM FULL moves every row: TIDs and the
// seen set would name other rows) or the id sequence changed; a (sub)transaction that made or
// consumed it aborted (its removals were rolled back, so they are tried again; a transaction
// callback sees the abort); any error while the scan was being updated; or 2^30 transactions
// passed (long before a raw xid could repeat). When every candidate has been consumed it is freed and the next compaction scans
// again. A series that became unused after step 1 therefore waits at most until the list ends.
//
// Ids come from a sequence, so a removed id is never given again; an install without the
// sequence (not yet updated) keeps its series.
#include <algorithm>
#include <chrono>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pg/border/border.h"
#include "pg/engine/chunk_bytes.h"
#include "pg/engine/chunks.h"
#include "pg/engine/compact.h"
#include "pg/engine/internal.h"
#include "pg/engine/pg_engine_headers.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wregister"
extern "C" {
#include "access/transam.h"
#include "utils/syscache.h"
}
#pragma GCC diagnostic pop

namespace observe::pg {

int ts_series_gc_slice = 50000;

namespace {

// Probing under the lock stops after this long; the candidates not probed stay.
constexpr double kGcLockBudgetMs = 100.0;
// A kept scan older than this many transactions is discarded (a raw xid repeats after 2^32).
constexpr uint64 kGcScanMaxXids = uint64{1} << 30;

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

// What a scan describes: the storage and the internal relations' files and sequence.
struct GcScanKey {
  Oid storage, series_node, chunks_node, series_seq;
  bool operator==(const GcScanKey& o) const {
    return storage == o.storage && series_node == o.series_node && chunks_node == o.chunks_node &&
           series_seq == o.series_seq;
  }
};

// Step 1's result for one relation, kept between compactions (see the comment at the top).
struct GcScan {
  GcScanKey key;
  uint64 made_at;                    // the next full xid when step 1 ran
  bool in_xact = false;              // made or consumed in the current transaction, not committed yet
  Candidates candidates;             // step 1's candidates, ascending ids
  size_t next = 0;                   // candidates before it are consumed
  BatchSet seen;                     // batch rows read (their series are not candidates)
  std::unordered_set<int32_t> named; // ids named by batch rows read after step 1
  size_t left() const { return candidates.size() - next; }
};

// Per relation OID; only this process's compactions read it.
std::unordered_map<Oid, GcScan>& gc_scans() {
  static std::unordered_map<Oid, GcScan> scans;
  return scans;
}

// A (sub)transaction that made or consumed a scan aborted: its removals were rolled back, so
// the scans it touched are dropped (their candidates are found again by the next scan). At a
// commit they are kept. A prepared transaction may still roll back: dropped too.
void drop_scans_in_xact() {
  auto& scans = gc_scans();
  for (auto it = scans.begin(); it != scans.end();) it = it->second.in_xact ? scans.erase(it) : std::next(it);
}
void gc_xact_callback(XactEvent event, void*) {
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT) {
    for (auto& kv : gc_scans()) kv.second.in_xact = false;
  } else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
    drop_scans_in_xact();
  }
}
void gc_subxact_callback(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
  if (event == SUBXACT_EVENT_ABORT_SUB) drop_scans_in_xact();  // also those of the parent: only a rescan lost
}

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

// A candidate of the current slice: (id, TID) and its position in GcScan::candidates.
struct SliceEntry {
  std::pair<int32_t, ItemPointerData> c;
  size_t pos;
};
using Slice = std::vector<SliceEntry>;

// Reads the batch rows not in scan.seen: the ids they name join scan.named (skipped by every
// later slice) and leave `slice`.
void drop_named_by_new_batches(const TsInternalOids& oids, GcScan& scan, Slice& slice) {
  std::unordered_set<int32_t> named;
  scan_used_series(oids, scan.key.storage, true, scan.seen, [&](int32_t id) { named.insert(id); });
  if (named.empty()) return;
  scan.named.insert(named.begin(), named.end());
  slice.erase(std::remove_if(slice.begin(), slice.end(), [&](const SliceEntry& e) { return named.count(e.c.first) != 0; }),
              slice.end());
}

// Probes ids(0), ids(1), ... for chunk rows some snapshot can still read, until stop(i) says
// so before candidate i (or i == n); calls chunkless(i) for each without any. Returns how many
// were probed.
template <typename Id, typename Stop, typename Chunkless>
size_t probe_candidates(const TsInternalOids& oids, Oid storage, size_t n, Id ids, Stop stop, Chunkless chunkless) {
  TsChunkProbe probe;
  TsChunkProbe* p = &probe;
  pg_guard([&] { ts_chunk_probe_open(p, oids.chunks, oids.chunks_index); });
  size_t i = 0;
  for (; i < n && !stop(i); i++) {
    int32_t id = ids(i);
    if (!pg_guard([&] { return ts_chunk_probe_has(p, storage, id); })) chunkless(i);
  }
  pg_guard([&] { ts_chunk_probe_close(p); });
  return i;
}

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

uint64 next_full_xid() {
  return pg_guard([] { return U64FromFullTransactionId(ReadNextFullTransactionId()); });
}

// Frees the scans of relations that no longer exist (dropped tables are never compacted again).
void forget_dropped(Oid keep) {
  auto& scans = gc_scans();
  for (auto it = scans.begin(); it != scans.end();) {
    Oid relid = it->first;
    if (relid != keep && !pg_guard([relid] { return SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)); }))
      it = scans.erase(it);
    else
      ++it;
  }
}

// The kept scan of `relid` when it still describes the table (see the top comment), else none.
GcScan* usable_scan(Oid relid, const GcScanKey& key) {
  auto& scans = gc_scans();
  auto it = scans.find(relid);
  if (it == scans.end()) return nullptr;
  GcScan& s = it->second;
  if (!(s.key == key) || next_full_xid() - s.made_at > kGcScanMaxXids || s.left() == 0) {
    scans.erase(it);
    return nullptr;
  }
  return &s;
}

// Step 1: every chunk row; the candidates. Returns the new scan, or nullptr when no series is
// unused.
GcScan* new_scan(Oid relid, const TsInternalOids& oids, const GcScanKey& key) {
  GcScan s;
  s.key = key;
  s.made_at = next_full_xid();
  std::unordered_set<int32_t> used;
  scan_used_series(oids, key.storage, false, s.seen, [&](int32_t id) { used.insert(id); });
  int n = 0;
  int32* ids = nullptr;
  ItemPointerData* tids = nullptr;
  Oid storage = key.storage;
  pg_guard([&] { ts_series_rows(storage, &n, &ids, &tids); });
  for (int i = 0; i < n; i++)
    if (used.count(ids[i]) == 0) s.candidates.emplace_back(ids[i], tids[i]);
  pg_guard([&] {
    pfree(ids);
    pfree(tids);
  });
  if (s.candidates.empty()) return nullptr;
  std::sort(s.candidates.begin(), s.candidates.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return &(gc_scans()[relid] = std::move(s));
}

// Steps 2 and 3 on the next slice of `scan`; returns the series removed.
int64_t gc_slice(Relation rel, const TsInternalOids& oids, GcScan& scan, bool fresh) {
  Oid storage = scan.key.storage;
  size_t slice_size = static_cast<size_t>(std::max(1, ts_series_gc_slice));
  size_t left_before = scan.left();

  // 2. The slice's candidates probed again, their rows checked, the new batch rows read.
  Slice slice;
  size_t from = scan.next;
  size_t step2_probed = probe_candidates(
      oids, storage, scan.candidates.size() - from, [&](size_t i) { return scan.candidates[from + i].first; },
      [&](size_t i) {
        if ((i & 1023) == 0 && interrupt_pending()) pg_guard([] { CHECK_FOR_INTERRUPTS(); });
        return slice.size() >= slice_size;
      },
      [&](size_t i) {
        if (scan.named.count(scan.candidates[from + i].first) == 0)
          slice.push_back(SliceEntry{scan.candidates[from + i], from + i});
      });
  size_t step2_end = from + step2_probed;
  if (!slice.empty()) {
    std::vector<int32> ids;
    std::vector<ItemPointerData> tids;
    for (const SliceEntry& e : slice) {
      ids.push_back(e.c.first);
      tids.push_back(e.c.second);
    }
    std::unique_ptr<bool[]> present(new bool[slice.size()]);
    bool* out = present.get();
    int n = static_cast<int>(slice.size());
    pg_guard([&] { ts_series_rows_present(storage, ids.data(), tids.data(), n, out); });
    size_t k = 0;
    for (size_t i = 0; i < slice.size(); i++)
      if (present[i]) slice[k++] = slice[i];
    slice.resize(k);
  }
  drop_named_by_new_batches(oids, scan, slice);
  if (slice.empty()) {
    scan.next = step2_end;
    return 0;
  }

  // 3. Under the lock: what was written since. Not had: the slice is tried again next time.
  if (!pg_guard([rel] { return ConditionalLockRelation(rel, ShareLock); })) return 0;
  auto locked = std::chrono::steady_clock::now();
  drop_named_by_new_batches(oids, scan, slice);
  std::vector<ItemPointerData> unused;
  size_t probed = probe_candidates(
      oids, storage, slice.size(), [&](size_t i) { return slice[i].c.first; },
      [&](size_t i) { return (i & 255) == 255 && elapsed_ms(locked) > kGcLockBudgetMs; },
      [&](size_t i) { unused.push_back(slice[i].c.second); });
  if (!unused.empty()) {
    const ItemPointerData* del = unused.data();
    int ndel = static_cast<int>(unused.size());
    pg_guard([&] {
      ts_delete_series(del, ndel);
      CacheInvalidateRelcache(rel);  // ts_series_relcache_invalidated in every backend
    });
  }
  // The candidates not probed in time are the next slice's first.
  scan.next = probed == slice.size() ? step2_end : slice[probed].pos;
  double held = elapsed_ms(locked);
  pg_guard([&] {
    elog(DEBUG1,
         "observe_ts series GC: %zu candidates (%s scan), %zu probed under the lock, %zu removed, %.1f ms under "
         "the lock before commit",
         left_before, fresh ? "new" : "kept", probed, unused.size(), held);
  });
  return static_cast<int64_t>(unused.size());
}

}  // namespace

int64_t ts_series_gc(Relation rel) {
  TsInternalOids oids;
  pg_guard([&] { ts_internal_oids(&oids, false); });
  if (!OidIsValid(oids.series_seq)) return 0;
  Oid relid = RelationGetRelid(rel);
  GcScanKey key{rel->rd_node.relNode, InvalidOid, InvalidOid, oids.series_seq};
  pg_guard([&] { ts_internal_relfilenodes(&oids, &key.series_node, &key.chunks_node); });
  static bool callbacks = false;
  if (!callbacks) {
    pg_guard([] {
      RegisterXactCallback(gc_xact_callback, nullptr);
      RegisterSubXactCallback(gc_subxact_callback, nullptr);
    });
    callbacks = true;
  }
  try {
    forget_dropped(relid);
    GcScan* scan = usable_scan(relid, key);
    bool fresh = scan == nullptr;
    if (fresh) scan = new_scan(relid, oids, key);
    if (scan == nullptr) return 0;
    scan->in_xact = true;
    int64_t removed = gc_slice(rel, oids, *scan, fresh);
    if (scan->left() == 0) gc_scans().erase(relid);  // the next compaction scans again
    return removed;
  } catch (...) {
    // The scan may be half updated (a batch row marked seen before its ids were recorded).
    gc_scans().erase(relid);
    throw;
  }
}

size_t ts_series_gc_pending(Oid relid) noexcept {
  const auto& scans = gc_scans();
  auto it = scans.find(relid);
  return it == scans.end() ? 0 : it->second.left();
}

}  // namespace observe::pg
