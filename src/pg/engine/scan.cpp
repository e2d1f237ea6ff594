#include "pg/engine/scan.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/codec/substring_rows.h"
#include "core/common/error.h"
#include "pg/border/border.h"
#include "pg/border/relation_closer.h"
#include "pg/engine/time.h"
#include "pg/engine/series.h"
#include "pg/engine/write_buffer.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

int64_t ts_ms_to_time(int64_t ms) { return ts_unix_ms_to_us(ms); }
int64_t ts_time_to_ms(int64_t t) { return ts_us_to_unix_ms(t); }

TsReader::TsReader(Relation rel, Snapshot snapshot, TsReadSpec spec)
    : rel_(rel), snapshot_(snapshot), spec_(std::move(spec)) {
  // ANALYZE scans without a snapshot: read what its transaction's snapshot sees.
  if (snapshot_ == nullptr && ActiveSnapshotSet()) snapshot_ = GetActiveSnapshot();
  snapshot = snapshot_;
  // A parallel worker has none of the leader's buffered rows: it would answer without them.
  layout_ = ts_layout(rel);
  const TsLayout& layout = *layout_;
  if (IsParallelWorker())
    throw Error(ErrorKind::kFeatureNotSupported,
                std::string(layout.profile->am_name) +
                    " tables cannot be read in a parallel worker: mark functions that "
                    "read them PARALLEL RESTRICTED");
  // The time range in stored units (observe_log: ns; a µs covers its 1000 ns).
  if (!spec_.stored_time_range) {
    spec_.min_time = engine_stored_lo(*layout.profile, spec_.min_time);
    spec_.max_time = engine_stored_hi(*layout.profile, spec_.max_time);
    spec_.stored_time_range = true;
  }
  Oid storage = layout.storage_id;
  CommandId curcid = snapshot != nullptr && IsMVCCSnapshot(snapshot) ? snapshot->curcid
                                                                      : InvalidCommandId;
  if (!spec_.skip_buffer_flush) ts_buffer_flush_for_read(storage, curcid);
  dict_ = ts_series_dict(layout.relid, storage);

  TsInternalOids* oids = &oids_;
  context_ = pg_guard([&] {
    ts_internal_oids(oids, false);
    return AllocSetContextCreate(CurrentMemoryContext, "observe_ts reader", ALLOCSET_DEFAULT_SIZES);
  });
  adopt_descriptor(RelationGetDescr(rel));
  chunk_context_ = pg_guard([this] {
    return AllocSetContextCreate(context_, "observe_ts chunk", ALLOCSET_DEFAULT_SIZES);
  });
}

// Rows are produced as `desc` describes them: the relation's own descriptor, or for an ALTER
// TABLE rewrite the old one (types and ADD COLUMN defaults as the rows were written).
void TsReader::adopt_descriptor(TupleDesc desc) {
  slot_desc_ = desc;
  if (desc != RelationGetDescr(rel_)) {
    layout_ = ts_layout_for_desc(rel_, desc);
    key_cache_.clear();
  }
  const TsLayout& layout = *layout_;
  wanted_cols_.assign(std::max<size_t>(layout.value_atts.size(), 1), false);
  for (size_t c = 0; c < layout.value_atts.size(); c++)
    wanted_cols_[c] = spec_.wanted.empty() || spec_.wanted[layout.value_atts[c]];
  // The rows' substring tests read their column, whether or not the query wants its values.
  for (const TsContainsTest& t : spec_.contains)
    if (!t.case_insensitive && t.column >= 0 && static_cast<size_t>(t.column) < wanted_cols_.size())
      wanted_cols_[t.column] = true;
  int natts = layout.natts;
  missing_values_.assign(natts, 0);
  missing_nulls_.assign(natts, 1);
  Datum* mv = missing_values_.data();
  bool* mn = reinterpret_cast<bool*>(missing_nulls_.data());
  pg_guard([&] {
    if (desc->constr != nullptr && desc->constr->missing != nullptr)
      for (int i = 0; i < natts; i++) mv[i] = getmissingattr(desc, i + 1, &mn[i]);
  });
}

// Memory goes with context_'s parent; the scans were ended by close() or by the resource owner.
TsReader::~TsReader() = default;

void TsReader::close_cursor() {
  if (!cursor_open_) return;
  cursor_open_ = false;
  TsChunkCursor* c = &cursor_;
  pg_guard([c] { ts_chunk_cursor_close(c, AccessShareLock); });
}

void TsReader::close() {
  close_cursor();
  MemoryContext ctx = context_;
  context_ = nullptr;
  if (ctx != nullptr) pg_guard([ctx] { MemoryContextDelete(ctx); });
}

void TsReader::restart() {
  close_cursor();
  done_ = false;
  next_series_ = 0;
  chunk_ = chunk::ChunkData();
  chunk_series_ = -1;
  row_ = 0;
  in_batch_ = false;
  batch_entries_.clear();
  batch_data_ = chunk::ChunkData();
  batches_loaded_ = false;
  batch_parts_.clear();
  parts_ = nullptr;
}

bool TsReader::open_next_cursor() {
  int32 series_id;
  if (spec_.all_series) {
    if (next_series_ > 0) return false;
    series_id = -1;
  } else {
    // Real series ids start at 1; id kTsBatchSeries would select the L0 batches themselves.
    while (next_series_ < spec_.series.size() && spec_.series[next_series_] == kTsBatchSeries) next_series_++;
    if (next_series_ >= spec_.series.size()) return false;
    series_id = spec_.series[next_series_];
  }
  next_series_++;
  open_cursor(series_id);
  return true;
}

// The chunks of series `series_id` (-1: every series) whose max_time reaches the time range.
void TsReader::open_cursor(int32_t series_id) {
  TsChunkCursor* c = &cursor_;
  Oid chunks = oids_.chunks, index = oids_.chunks_index, storage = layout_->storage_id;
  Snapshot snap = snapshot_;
  int64 min_max = spec_.min_time;
  // In the reader's context: callers may fetch rows in a per-tuple context (ALTER TABLE's
  // rewrite does) that is reset under the scan.
  MemoryContext cx = context_;
  pg_guard([=] {
    MemoryContext old = MemoryContextSwitchTo(cx);
    ts_chunk_cursor_open(c, chunks, index, storage, series_id, min_max, snap, AccessShareLock);
    MemoryContextSwitchTo(old);
  });
  cursor_open_ = true;
}

void TsReader::prepare_series_datums(int32_t id) {
  auto it = key_cache_.find(id);
  if (it == key_cache_.end()) {
    const SeriesEntry* e = dict_->get(id);
    if (e == nullptr)
      throw Error(ErrorKind::kDataException,
                  "observe_ts chunk refers to unknown series " + std::to_string(id));
    int natts = layout_->natts;
    auto* values = static_cast<Datum*>(ts_alloc(context_, sizeof(Datum) * natts));
    auto* nulls = static_cast<bool*>(ts_alloc(context_, sizeof(bool) * natts));
    std::memset(values, 0, sizeof(Datum) * natts);
    std::memset(nulls, 1, sizeof(bool) * natts);
    ts_key_datums(*layout_, e->key, values, nulls, context_);
    it = key_cache_.emplace(id, std::make_pair(values, nulls)).first;
  }
  key_values_ = it->second.first;
  key_nulls_ = it->second.second;
}

// The detoasted bytes of a chunk row, in the chunk context (reset: the previous chunk's
// byref values go with it).
bytea* TsReader::fetch_chunk_data(Datum d) {
  MemoryContext cc = chunk_context_;
  return pg_guard([&] {
    MemoryContextReset(cc);
    MemoryContext old = MemoryContextSwitchTo(cc);
    bytea* b = ts_chunk_data(d);
    MemoryContextSwitchTo(old);
    return b;
  });
}

// chunk_ holds the next chunk of `series_id`.
void TsReader::set_chunk(int32_t series_id) {
  if (!spec_.filters.empty()) {
    filter_mask_.assign(chunk_.times.size(), 1);
    chunk::apply_filters(spec_.filters, chunk_, filter_mask_);
  } else {
    filter_mask_.clear();
  }
  apply_contains_to_rows();
  chunks_read_++;
  chunk_series_ = series_id;
  row_ = 0;
  prepare_series_datums(series_id);
}

// All series: the next part of the current L0 batch.
bool TsReader::next_batch_part() {
  while (batch_next_ < batch_entries_.size()) {
    const TsBatchEntry& e = batch_entries_[batch_next_++];
    if (e.max_time < spec_.min_time || e.min_time > spec_.max_time) {
      chunks_skipped_++;
      continue;
    }
    MemoryContext cc = chunk_context_;
    pg_guard([cc] { MemoryContextReset(cc); });
    chunk_ = ts_batch_slice(batch_data_, e.begin, e.end);
    set_chunk(e.series_id);
    return true;
  }
  in_batch_ = false;
  return false;
}

int ts_batch_cache_kb = 16 * 1024;

// Parsed L0 batch directories of this backend (see core/chunk/l0_batch.h): a query for a few
// series reads the directories of every batch overlapping its range, and a busy table has
// many; the rows themselves are fetched only for batches holding a wanted series.
static chunk::BatchDirectoryCache& batch_directory_cache() {
  static chunk::BatchDirectoryCache cache(0);
  cache.set_max_entries(static_cast<size_t>(ts_batch_cache_kb) * 1024 / sizeof(chunk::BatchEntry));
  return cache;
}

namespace {

// One L0 batch row of a BatchRowList: where it is, its time range, its parsed directory.
struct ListedBatch {
  ItemPointerData tid;
  TransactionId xmin;
  int64_t min_time, max_time;
  int32_t first_id, last_id;  // the directory's lowest and highest series id
  std::shared_ptr<const chunk::BatchDirectory> dir;
};

// The L0 batch rows of one storage that one snapshot sees (those with max_time >= min_max),
// with their directories: a backend that runs many small queries under one snapshot (the rules
// worker: every rule of a group in one transaction) walks the batch rows of the chunks index
// once instead of once per query. Valid while the snapshot is the same as the one it was read
// under (same transaction, xmin, xmax, command id and in-progress xids: two such snapshots
// decide every row's visibility alike) and this backend wrote nothing an existing snapshot
// could see differently (ts_chunk_write_generation).
struct BatchRowList {
  bool valid = false;
  Oid storage = InvalidOid, chunks_relid = InvalidOid, relfilenode = InvalidOid;
  LocalTransactionId lxid = InvalidLocalTransactionId;
  TransactionId xmin = InvalidTransactionId, xmax = InvalidTransactionId;
  CommandId curcid = InvalidCommandId;
  bool suboverflowed = false;
  std::vector<TransactionId> xip, subxip;
  uint64 generation = 0;
  int64_t min_max = 0;
  std::vector<ListedBatch> rows;

  bool matches(Oid st, Oid chunks, Snapshot snap, int64_t min_time) const {
    return valid && storage == st && chunks_relid == chunks && lxid == MyProc->lxid && xmin == snap->xmin &&
           xmax == snap->xmax && curcid == snap->curcid && suboverflowed == snap->suboverflowed &&
           generation == ts_chunk_write_generation && min_max <= min_time && xip.size() == snap->xcnt &&
           subxip.size() == static_cast<size_t>(snap->subxcnt) &&
           std::equal(xip.begin(), xip.end(), snap->xip) && std::equal(subxip.begin(), subxip.end(), snap->subxip);
  }
  void take(Snapshot snap) {
    lxid = MyProc->lxid;
    xmin = snap->xmin;
    xmax = snap->xmax;
    curcid = snap->curcid;
    suboverflowed = snap->suboverflowed;
    xip.assign(snap->xip, snap->xip + snap->xcnt);
    subxip.assign(snap->subxip, snap->subxip + std::max<int32>(snap->subxcnt, 0));
  }
};

BatchRowList& batch_row_list() {
  static BatchRowList list;
  return list;
}

bool snapshot_listable(Snapshot snap) {
  return snap != nullptr && snap->snapshot_type == SNAPSHOT_MVCC && !snap->takenDuringRecovery &&
         snap->subxcnt >= 0 && (snap->xcnt == 0 || snap->xip != nullptr) &&
         (snap->subxcnt == 0 || snap->subxip != nullptr);
}

}  // namespace

// Selected series through the backend's list of L0 batch rows under this snapshot (read once,
// then reused by every query under the same snapshot). False when the list cannot serve (a
// listed row not fetched as listed): the caller then reads the batches by the index.
bool TsReader::load_batches_from_list(const std::vector<int32_t>& wanted) {
  Snapshot snap = snapshot_;
  if (!snapshot_listable(snap)) return false;
  BatchRowList& list = batch_row_list();
  Oid storage = layout_->storage_id, chunks = oids_.chunks;
  // Open (and locked) to the end of the transaction: batch rows are fetched by TID.
  RelationCloser chunks_rel{pg_guard([chunks] { return table_open(chunks, AccessShareLock); })};
  Relation crel = chunks_rel.rel;
  Oid node = crel->rd_node.relNode;
  uint64_t skipped_before = chunks_skipped_;
  std::vector<const TsBatchEntry*> hits;
  // The wanted series' entries of a listed batch in the query's range, into `hits`.
  auto select = [&](const ListedBatch& b) {
    hits.clear();
    if (b.max_time < spec_.min_time) return false;  // the index scan would not have given it
    if (b.min_time > spec_.max_time) {
      chunks_skipped_++;
      return false;
    }
    if (wanted.back() < b.first_id || wanted.front() > b.last_id) return false;
    b.dir->select(wanted, spec_.min_time, spec_.max_time, &hits, &chunks_skipped_);
    return !hits.empty();
  };
  auto take = [&](const ListedBatch& b, bytea* data) {
    take_batch_parts(*b.dir, std::string_view(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data)), hits);
  };
  auto give_up = [&] {
    list.valid = false;
    list.rows.clear();
    batch_parts_.clear();
    chunks_skipped_ = skipped_before;
    return false;
  };
  if (list.matches(storage, chunks, snap, spec_.min_time) && list.relfilenode == node) {
    for (const ListedBatch& b : list.rows) {
      if (!select(b)) continue;
      MemoryContext cc = chunk_context_;
      ItemPointerData tid = b.tid;
      TransactionId xmin = b.xmin;
      bytea* data = pg_guard([&] {
        MemoryContextReset(cc);
        MemoryContext old = MemoryContextSwitchTo(cc);
        bytea* d = ts_chunk_fetch_data(crel, tid, xmin, storage, kTsBatchSeries, snap);
        MemoryContextSwitchTo(old);
        return d;
      });
      if (data == nullptr) return give_up();  // not as listed: read by the index
      take(b, data);
    }
    return true;
  }
  // A new list, read by the index; this query takes its parts on the way (as the index walk
  // without a list does).
  list.valid = false;
  list.rows.clear();
  list.storage = storage;
  list.chunks_relid = chunks;
  list.relfilenode = node;
  list.take(snap);
  list.generation = ts_chunk_write_generation;
  list.min_max = spec_.min_time;
  open_cursor(kTsBatchSeries);
  TsChunkCursor* c = &cursor_;
  chunk::BatchDirectoryCache& cache = batch_directory_cache();
  // Directories beyond the cache's budget are not listed either: the list would keep alive
  // what the cache let go (and a query over so many batches gains little from it).
  const size_t budget = static_cast<size_t>(ts_batch_cache_kb) * 1024 / sizeof(chunk::BatchEntry);
  size_t listed_entries = 0;
  bool listing = true;
  ListedBatch unlisted;
  for (;;) {
    TsChunkRow row;
    if (!pg_guard([&] { return ts_chunk_cursor_next(c, &row); })) break;
    if (row.relfilenode != node) {  // cannot happen under the lock; read by the index
      close_cursor();
      return give_up();
    }
    chunk::BatchKey key = batch_key(row);
    std::shared_ptr<const chunk::BatchDirectory> dir = cache.find(key);
    bytea* data = nullptr;
    if (dir == nullptr) {
      data = fetch_chunk_data(row.data);
      dir = cache.parse_and_put(key, std::string_view(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data)));
    }
    ListedBatch b;
    b.tid = row.tid;
    b.xmin = row.xmin;
    b.min_time = row.min_time;
    b.max_time = row.max_time;
    b.first_id = dir->entries.empty() ? std::numeric_limits<int32_t>::max() : dir->entries.front().series_id;
    b.last_id = dir->entries.empty() ? std::numeric_limits<int32_t>::min() : dir->entries.back().series_id;
    b.dir = std::move(dir);
    if (listing) {
      listed_entries += b.dir->entries.size();
      if (listed_entries > budget) {
        listing = false;
        list.rows.clear();
        list.rows.shrink_to_fit();
      }
    }
    const ListedBatch* listed = &unlisted;
    if (listing) {
      list.rows.push_back(std::move(b));
      listed = &list.rows.back();
    } else {
      unlisted = std::move(b);
    }
    if (!select(*listed)) continue;
    if (data == nullptr) data = fetch_chunk_data(row.data);
    take(*listed, data);
  }
  close_cursor();
  // Still the same generation: reading wrote nothing (a write would have bumped it).
  list.valid = listing && list.generation == ts_chunk_write_generation;
  if (!list.valid) list.rows.clear();
  return true;
}

chunk::BatchKey TsReader::batch_key(const TsChunkRow& row) {
  chunk::BatchKey key;
  key.db = MyDatabaseId;
  key.relfilenode = row.relfilenode;
  key.block = ItemPointerGetBlockNumberNoCheck(&row.tid);
  key.offset = ItemPointerGetOffsetNumberNoCheck(&row.tid);
  key.xmin = row.xmin;
  key.min_time = row.min_time;
  key.max_time = row.max_time;
  key.rows = row.row_count;
  key.stored_size = row.stored_size;
  return key;
}

// Selected series: reads the L0 batches overlapping the time range once and keeps the
// selected series' parts of them, to be handed out after each series' own chunks.
void TsReader::load_batches_for_series() {
  batches_loaded_ = true;
  std::vector<int32_t> wanted = spec_.series;
  if (!std::is_sorted(wanted.begin(), wanted.end())) std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  if (wanted.empty()) return;
  if (ts_batch_cache_kb > 0 && load_batches_from_list(wanted)) return;
  open_cursor(kTsBatchSeries);
  TsChunkCursor* c = &cursor_;
  chunk::BatchDirectoryCache& cache = batch_directory_cache();
  const bool use_cache = ts_batch_cache_kb > 0;
  chunk::BatchDirectory parsed;
  std::vector<const TsBatchEntry*> hits;
  for (;;) {
    TsChunkRow row;
    if (!pg_guard([&] { return ts_chunk_cursor_next(c, &row); })) break;
    if (row.min_time > spec_.max_time) {
      chunks_skipped_++;
      continue;
    }
    chunk::BatchKey key = batch_key(row);
    std::shared_ptr<const chunk::BatchDirectory> cached = use_cache ? cache.find(key) : nullptr;
    bytea* data = nullptr;
    std::string_view bytes;
    const chunk::BatchDirectory* dir = cached.get();
    if (dir == nullptr) {
      data = fetch_chunk_data(row.data);
      bytes = std::string_view(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
      if (use_cache) {
        cached = cache.parse_and_put(key, bytes);
        dir = cached.get();
      } else {
        chunk::parse_batch_directory(bytes, &parsed);
        dir = &parsed;
      }
    }
    hits.clear();
    dir->select(wanted, spec_.min_time, spec_.max_time, &hits, &chunks_skipped_);
    if (hits.empty()) continue;
    if (data == nullptr) {
      data = fetch_chunk_data(row.data);
      bytes = std::string_view(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
    }
    take_batch_parts(*dir, bytes, hits);
  }
  close_cursor();
}

// The hits' parts of an L0 batch (`bytes`, as `dir` describes them) into batch_parts_, unless
// the batch's chunk header rules out every row the spec wants.
void TsReader::take_batch_parts(const chunk::BatchDirectory& dir, std::string_view bytes,
                                const std::vector<const TsBatchEntry*>& hits) {
  if (bytes.size() != dir.total_size)
    throw Error(ErrorKind::kDataException, "corrupt observe_ts L0 batch (size differs from its directory)");
  std::string_view chunk_bytes = bytes.substr(dir.chunk_offset);
  if (ruled_out(chunk_bytes)) {
    chunks_skipped_ += hits.size();
    return;
  }
  chunk::ChunkData rows = chunk::decode(chunk_bytes, wanted_cols_);
  for (const TsBatchEntry* e : hits) batch_parts_[e->series_id].push_back(ts_batch_slice(rows, e->begin, e->end));
}

// The case-sensitive substring tests on each row of the chunk: one memmem pass a needle over
// the column's value buffer (a hit marks its row, the search goes on at the next row), so a
// row holding none of a test's needles is never made into a tuple for the executor (a
// needle's chunk of ~9,000 lines cost ~30 ms of datums and LIKE calls for one or two
// matches). Case-insensitive tests are left to the executor (PostgreSQL's case folding is not
// the filter's ASCII folding). An exact test (TsContainsTest::exact) has no executor qual
// behind it: it must decide every row here.
void TsReader::apply_contains_to_rows() {
  const size_t rows = chunk_.times.size();
  for (const TsContainsTest& t : spec_.contains) {
    if (t.case_insensitive || t.any_of.empty()) continue;
    const chunk::Column* colp = nullptr;
    if (t.column >= 0 && static_cast<size_t>(t.column) < chunk_.columns.size()) colp = &chunk_.columns[t.column];
    if (colp == nullptr || colp->kind != chunk::ColumnKind::kBytes || colp->bytes.size() != rows) {
      if (!t.exact) continue;
      // The column is not in this chunk (added after it was written): every row holds its
      // default. Text columns of token-filtered tables have no default, so NULL: no row passes.
      int att = -1;
      for (int i = 0; i < layout_->natts; i++)
        if (layout_->attrs[i].column == t.column) att = i;
      if (att < 0 || !missing_nulls_[att])
        throw Error(ErrorKind::kInternal, "a pushed-down line filter cannot be decided on this chunk");
      filter_mask_.assign(rows, 0);
      continue;
    }
    const chunk::ByteColumn& col = colp->bytes;
    if (filter_mask_.empty()) filter_mask_.assign(rows, 1);
    hit_.assign(rows, 0);
    for (const std::string& n : t.any_of)
      codec::mark_values_containing(col.data().data(), col.data_size(), col.ends(), n, hit_.data());
    // A null row is empty after decoding: it holds no needle, and the predicate is not true.
    for (size_t r = 0; r < rows; r++)
      if (!hit_[r]) filter_mask_[r] = 0;
  }
}

bool TsReader::ruled_out(std::string_view chunk_bytes) const {
  if (spec_.filters.empty() && spec_.contains.empty()) return false;
  chunk::ChunkSummary summary = chunk::peek(chunk_bytes);
  if (!spec_.filters.empty() && !chunk::filters_may_match(spec_.filters, summary)) return true;
  for (const TsContainsTest& t : spec_.contains) {
    if (t.any_of.empty() || t.column < 0 || static_cast<size_t>(t.column) >= summary.columns.size()) continue;
    const chunk::ColumnSummary& col = summary.columns[t.column];
    bool may = false;
    for (const std::string& needle : t.any_of)
      if (chunk::may_contain(col, needle, t.case_insensitive)) {
        may = true;
        break;
      }
    if (!may) return true;
  }
  return false;
}

bool TsReader::load_next_chunk() {
  while (!done_) {
    if (in_batch_) {
      if (next_batch_part()) return true;
      continue;
    }
    if (parts_ != nullptr) {
      if (parts_next_ < parts_->size()) {
        MemoryContext cc = chunk_context_;
        pg_guard([cc] { MemoryContextReset(cc); });
        chunk_ = std::move((*parts_)[parts_next_++]);
        set_chunk(parts_series_);
        return true;
      }
      parts_->clear();
      parts_ = nullptr;
    }
    if (!cursor_open_) {
      if (!spec_.all_series && !batches_loaded_) load_batches_for_series();
      if (!open_next_cursor()) {
        done_ = true;
        return false;
      }
    }
    TsChunkRow row;
    TsChunkCursor* c = &cursor_;
    if (!pg_guard([&] { return ts_chunk_cursor_next(c, &row); })) {
      close_cursor();
      if (!spec_.all_series) {
        // The series' own chunks are done: its parts of L0 batches follow.
        int32_t id = spec_.series[next_series_ - 1];
        auto it = batch_parts_.find(id);
        if (it != batch_parts_.end() && !it->second.empty()) {
          parts_ = &it->second;
          parts_next_ = 0;
          parts_series_ = id;
        }
      }
      continue;
    }
    if (row.max_time < spec_.min_time || row.min_time > spec_.max_time) {
      chunks_skipped_++;
      continue;
    }
    // A needle's chunks: the header slice first, so a chunk the token filter rules out is
    // skipped without reading its payload's TOAST chunks.
    if (row.series_id != kTsBatchSeries && ts_chunk_header_ruled_out(spec_.contains, row.data)) {
      chunks_skipped_++;
      continue;
    }
    bytea* data = fetch_chunk_data(row.data);
    std::string_view bytes(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
    if (row.series_id == kTsBatchSeries) {
      // All series: an L0 batch, handed out series by series.
      batch_bytes_.assign(bytes.data(), bytes.size());
      TsBatch batch;
      ts_batch_parse(batch_bytes_, &batch);
      if (ruled_out(batch.chunk)) {
        chunks_skipped_++;
        continue;
      }
      batch_entries_ = std::move(batch.entries);
      batch_data_ = chunk::decode(batch.chunk, wanted_cols_);
      batch_next_ = 0;
      in_batch_ = true;
      continue;
    }
    if (ruled_out(bytes)) {
      chunks_skipped_++;  // its zone map or token filter rules out every row
      continue;
    }
    chunk::decode_into(bytes, wanted_cols_, chunk_);  // its buffers reused
    set_chunk(row.series_id);
    return true;
  }
  return false;
}

bool TsReader::next_chunk_data(int32_t* series_id, const chunk::ChunkData** data) {
  if (!load_next_chunk()) return false;
  *series_id = chunk_series_;
  *data = &chunk_;
  row_ = chunk_.times.size();
  return true;
}

static Datum column_datum(const chunk::Column& col, size_t row, const TsAttr& a, MemoryContext cx) {
  switch (col.kind) {
    case chunk::ColumnKind::kFloat64:
      return a.type == FLOAT4OID ? Float4GetDatum(static_cast<float>(col.floats[row]))
                                 : Float8GetDatum(col.floats[row]);
    case chunk::ColumnKind::kBool: return BoolGetDatum(col.ints[row] != 0);
    case chunk::ColumnKind::kInt64:
      switch (a.typlen) {
        case 1: return CharGetDatum(static_cast<char>(col.ints[row]));
        case 2: return Int16GetDatum(static_cast<int16>(col.ints[row]));
        case 4: return Int32GetDatum(static_cast<int32>(col.ints[row]));
        default: return Int64GetDatum(col.ints[row]);
      }
    case chunk::ColumnKind::kBytes: {
      std::string_view s = col.bytes[row];
      if (a.typlen == -1) {
        auto* v = static_cast<char*>(ts_alloc(cx, VARHDRSZ + s.size()));
        SET_VARSIZE(v, VARHDRSZ + s.size());
        std::memcpy(VARDATA(v), s.data(), s.size());
        return PointerGetDatum(v);
      }
      if (a.typlen == -2) {
        auto* v = static_cast<char*>(ts_alloc(cx, s.size() + 1));
        std::memcpy(v, s.data(), s.size());
        v[s.size()] = '\0';
        return CStringGetDatum(v);
      }
      if (a.byval) {
        Datum d = 0;
        std::memcpy(&d, s.data(), std::min<size_t>(s.size(), sizeof d));
        return d;
      }
      auto* v = static_cast<char*>(ts_alloc(cx, a.typlen));
      std::memset(v, 0, a.typlen);
      std::memcpy(v, s.data(), std::min<size_t>(s.size(), a.typlen));
      return PointerGetDatum(v);
    }
  }
  return 0;
}

// What each attribute's value comes from in the current chunk, decided once per chunk so the
// per-row loop is a tight switch.
void TsReader::plan_chunk() {
  const TsLayout& layout = *layout_;
  plan_.assign(layout.natts, AttrPlan{});
  for (int i = 0; i < layout.natts; i++) {
    const TsAttr& a = layout.attrs[i];
    AttrPlan& p = plan_[i];
    if (a.type == InvalidOid || (!spec_.wanted.empty() && !spec_.wanted[i])) {
      p.op = AttrPlan::kNull;
    } else if (i == layout.time_att) {
      p.op = layout.profile->time_per_us == 1 ? AttrPlan::kTime : AttrPlan::kStoredTime;
    } else if (a.column < 0) {
      p.op = AttrPlan::kConst;
      p.value = key_values_[i];
      p.isnull = key_nulls_[i];
    } else if (static_cast<size_t>(a.column) >= chunk_.columns.size() ||
               chunk_.columns[a.column].kind != a.kind ||
               chunk_.columns[a.column].size() != chunk_.times.size()) {
      p.op = AttrPlan::kConst;  // added after this chunk was written: the column's default
      p.value = missing_values_[i];
      p.isnull = missing_nulls_[i];
    } else {
      const chunk::Column& col = chunk_.columns[a.column];
      p.col = &col;
      p.has_nulls = !col.nulls.empty();
      switch (col.kind) {
        case chunk::ColumnKind::kFloat64:
          p.op = a.type == FLOAT4OID ? AttrPlan::kFloat4 : AttrPlan::kFloat8;
          break;
        case chunk::ColumnKind::kBool: p.op = AttrPlan::kBool; break;
        case chunk::ColumnKind::kInt64:
          p.op = a.typlen == 8 ? AttrPlan::kInt8
                 : a.typlen == 4 ? AttrPlan::kInt4
                 : a.typlen == 2 ? AttrPlan::kInt2
                                 : AttrPlan::kChar;
          break;
        case chunk::ColumnKind::kBytes: p.op = AttrPlan::kBytes; break;
      }
    }
  }
}

bool TsReader::next(TupleTableSlot* slot) {
  if (slot->tts_tupleDescriptor != slot_desc_) {
    adopt_descriptor(slot->tts_tupleDescriptor);
    if (row_ < chunk_.times.size()) plan_chunk();
  }
  const TsLayout& layout = *layout_;
  for (;;) {
    if (row_ >= chunk_.times.size()) {
      if (!load_next_chunk()) return false;
      plan_chunk();
      continue;
    }
    size_t r = row_++;
    int64_t t = chunk_.times[r];
    if (t < spec_.min_time || t > spec_.max_time) continue;
    if (!filter_mask_.empty() && filter_mask_[r] == 0) continue;

    ExecClearTuple(slot);
    Datum* values = slot->tts_values;
    bool* nulls = slot->tts_isnull;
    const AttrPlan* plan = plan_.data();
    for (int i = 0; i < layout.natts; i++) {
      const AttrPlan& p = plan[i];
      if (p.has_nulls && p.col->nulls[r]) {
        nulls[i] = true;
        values[i] = 0;
        continue;
      }
      nulls[i] = false;
      switch (p.op) {
        case AttrPlan::kNull: nulls[i] = true; values[i] = 0; break;
        case AttrPlan::kTime: values[i] = Int64GetDatum(t); break;
        case AttrPlan::kStoredTime: values[i] = Int64GetDatum(engine_stored_to_time(*layout.profile, t)); break;
        case AttrPlan::kConst: nulls[i] = p.isnull; values[i] = p.value; break;
        case AttrPlan::kFloat8: values[i] = Float8GetDatum(p.col->floats[r]); break;
        case AttrPlan::kFloat4: values[i] = Float4GetDatum(static_cast<float>(p.col->floats[r])); break;
        case AttrPlan::kBool: values[i] = BoolGetDatum(p.col->ints[r] != 0); break;
        case AttrPlan::kInt8: values[i] = Int64GetDatum(p.col->ints[r]); break;
        case AttrPlan::kInt4: values[i] = Int32GetDatum(static_cast<int32>(p.col->ints[r])); break;
        case AttrPlan::kInt2: values[i] = Int16GetDatum(static_cast<int16>(p.col->ints[r])); break;
        case AttrPlan::kChar: values[i] = CharGetDatum(static_cast<char>(p.col->ints[r])); break;
        case AttrPlan::kBytes: values[i] = column_datum(*p.col, r, layout.attrs[i], chunk_context_); break;
      }
    }
    ExecStoreVirtualTuple(slot);
    uint64_t n = row_number_++;
    ItemPointerSet(&slot->tts_tid, static_cast<BlockNumber>((n / 291) % MaxBlockNumber),
                   static_cast<OffsetNumber>(n % 291 + 1));
    slot->tts_tableOid = RelationGetRelid(rel_);
    return true;
  }
}

}  // namespace observe::pg
