#include "pg/engine/write_buffer.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "pg/border/border.h"
#include "pg/border/jsonb_labels.h"
#include "pg/engine/time.h"
#include "pg/engine/chunks.h"
#include "pg/engine/internal.h"
#include "pg/engine/layout.h"
#include "pg/engine/series.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

int ts_write_buffer_kb = 64 * 1024;

namespace {

// Rows of one (sub)transaction level and one command, per series.
struct Block {
  SubTransactionId owner;
  CommandId cid;
  SubTransactionId written_in = InvalidSubTransactionId;  // already in the heap, on owner's behalf
  // TRUNCATE/DROP/rewrite in this subtransaction dropped the rows: never written, but back if
  // it aborts (the rows of an outer level survive ROLLBACK TO a savepoint before the TRUNCATE).
  SubTransactionId discarded_in = InvalidSubTransactionId;
  std::unordered_map<int32_t, TsSeriesRows> series;
  // Samples of the scrape worker's path (ts_buffer_append_points) into a table whose only
  // value column is `value`: one flat vector instead of rows per series (no allocation and
  // no hash lookup per sample); grouped by series when written.
  std::vector<TsPoint> points;
  size_t bytes = 0;
};

struct StorageBuffer {
  Oid relid = InvalidOid;
  Oid storage_id = InvalidOid;
  std::shared_ptr<const TsLayout> layout;
  std::list<Block> blocks;
  // The series the last row went to: consecutive rows of one series skip the lookups.
  std::string last_key;
  int32_t last_series = -1;
  std::string scratch;
  // Profiles with sub-µs stored times (observe_log: ns): per series, the µs of its last row and
  // the sequence number that row got (see stored_time).
  std::unordered_map<int32_t, std::pair<int64_t, int64_t>> last_time;
  // The bytes columns' buffers of series whose rows a flush wrote, kept (with their capacity)
  // for the same series' rows in the next block of this transaction: a COPY or a long push
  // then refills memory it has already touched instead of growing fresh buffers (page faults,
  // and a copy of every byte at each doubling) after every flush. At most spare_limit() bytes.
  struct SpareColumn {
    codec::ByteBuffer data;
    std::vector<uint64_t> ends;
  };
  std::unordered_map<int32_t, std::vector<SpareColumn>> spare;
  size_t spare_bytes = 0;
};

struct XactBuffers {
  std::unordered_map<Oid, StorageBuffer> storages;
  size_t pending_bytes = 0;
  ~XactBuffers();
};

XactBuffers* g_buffers = nullptr;

// Whether a block's bytes count in pending_bytes: neither written nor discarded.
bool pending(const Block& b) {
  return b.written_in == InvalidSubTransactionId && b.discarded_in == InvalidSubTransactionId;
}
XactBuffers::~XactBuffers() {
  if (g_buffers == this) g_buffers = nullptr;
}

// Owned by TopTransactionContext: whatever way the transaction ends, the memory goes with it.
XactBuffers& buffers() {
  if (g_buffers == nullptr) g_buffers = make_owned_by<XactBuffers>(TopTransactionContext);
  return *g_buffers;
}

uint64_t g_tid_counter = 0;

void next_tid(ItemPointer tid) {
  uint64_t n = g_tid_counter++;
  // Offsets 1..MaxHeapTuplesPerPage(291) as bitmaps and tid checks expect.
  ItemPointerSet(tid, static_cast<BlockNumber>((n / 291) % MaxBlockNumber),
                 static_cast<OffsetNumber>(n % 291 + 1));
}

// Which command ids a flush writes with: each block's own (any snapshot of this transaction may
// still read), or the newest for all (at commit, when no snapshot of it reads any more).
enum class Cids { kExact, kNewest };

template <typename Eligible>
void flush_storage(StorageBuffer& sb, Eligible eligible, Cids cids = Cids::kExact);

StorageBuffer& storage_buffer(Relation rel) {
  XactBuffers& xb = buffers();
  Oid storage = rel->rd_node.relNode;
  StorageBuffer& sb = xb.storages[storage];
  std::shared_ptr<const TsLayout> layout = ts_layout(rel);
  if (sb.layout != layout) {
    // The table changed (ALTER TABLE ... COLUMN): rows buffered with the old columns are
    // written with them before rows with the new ones arrive.
    if (sb.layout != nullptr && sb.layout->storage_id == storage)
      flush_storage(sb, [](const Block&) { return true; });
    sb.layout = std::move(layout);
    sb.relid = RelationGetRelid(rel);
    sb.storage_id = storage;
    sb.last_series = -1;
  }
  return sb;
}

Block& current_block(StorageBuffer& sb, CommandId cid) {
  SubTransactionId sub = GetCurrentSubTransactionId();
  if (!sb.blocks.empty()) {
    Block& b = sb.blocks.back();
    if (b.owner == sub && b.cid == cid && pending(b)) return b;
  }
  sb.blocks.push_back(Block{sub, cid});
  return sb.blocks.back();
}

// Spare column buffers beyond this many bytes of capacity are freed: twice
// observe.write_buffer_size, what the buffers of the rows just written could hold (a buffer
// grows by doubling). The spares are that memory, kept instead of freed and allocated again, so
// the backend's peak stays what it was.
size_t spare_limit() { return static_cast<size_t>(ts_write_buffer_kb) * 1024 * 2; }

// Keeps the bytes columns' buffers of rows that were written for the series' next rows.
void keep_spare(StorageBuffer& sb, int32_t id, TsSeriesRows& rows) {
  std::vector<StorageBuffer::SpareColumn>* kept = nullptr;
  for (chunk::Column& col : rows.cols) {
    if (col.kind != chunk::ColumnKind::kBytes) continue;
    const size_t bytes = col.bytes.capacity_bytes();
    if (bytes < 64 * 1024 || sb.spare_bytes + bytes > spare_limit()) continue;  // small: not worth it
    if (kept == nullptr) {
      kept = &sb.spare[id];
      if (!kept->empty()) return;  // another block of the series gave its buffers already
    }
    kept->emplace_back();
    col.bytes.release_buffers(kept->back().data, kept->back().ends);
    sb.spare_bytes += bytes;
  }
}

TsSeriesRows& series_rows(StorageBuffer& sb, Block& b, int32_t id) {
  auto it = b.series.find(id);
  if (it != b.series.end()) return it->second;
  const TsLayout& layout = *sb.layout;
  TsSeriesRows& r = b.series[id];
  r.cols.resize(layout.value_atts.size());
  for (size_t c = 0; c < layout.value_atts.size(); c++)
    r.cols[c].kind = layout.attrs[layout.value_atts[c]].kind;
  auto sp = sb.spare.find(id);
  if (sp != sb.spare.end()) {
    size_t k = 0;
    for (chunk::Column& col : r.cols) {
      if (col.kind != chunk::ColumnKind::kBytes || k == sp->second.size()) continue;
      StorageBuffer::SpareColumn& s = sp->second[k++];
      sb.spare_bytes -= std::min(sb.spare_bytes, s.data.capacity() + s.ends.capacity() * sizeof(uint64_t));
      col.bytes.adopt_buffers(std::move(s.data), std::move(s.ends));
    }
    for (; k < sp->second.size(); k++)
      sb.spare_bytes -= std::min(sb.spare_bytes, sp->second[k].data.capacity() + sp->second[k].ends.capacity() * sizeof(uint64_t));
    sb.spare.erase(sp);
  }
  // A series' own overhead (map node, vectors), so that loads touching very many series stay
  // within observe.write_buffer_size too.
  size_t overhead = 128 + 96 * r.cols.size();
  b.bytes += overhead;
  buffers().pending_bytes += overhead;
  return r;
}

// Appends one value (not null) of attribute `a` to column `col`.
size_t push_value(chunk::Column& col, const TsAttr& a, Datum d) {
  switch (col.kind) {
    case chunk::ColumnKind::kFloat64:
      col.floats.push_back(a.type == FLOAT4OID ? static_cast<double>(DatumGetFloat4(d))
                                               : DatumGetFloat8(d));
      return 8;
    case chunk::ColumnKind::kBool: col.ints.push_back(DatumGetBool(d) ? 1 : 0); return 1;
    case chunk::ColumnKind::kInt64:
      switch (a.typlen) {
        case 1: col.ints.push_back(static_cast<signed char>(DatumGetChar(d))); break;
        case 2: col.ints.push_back(DatumGetInt16(d)); break;
        case 4: col.ints.push_back(DatumGetInt32(d)); break;
        default: col.ints.push_back(DatumGetInt64(d)); break;
      }
      return 8;
    case chunk::ColumnKind::kBytes:
      if (a.typlen == -1)
        col.bytes.emplace_back(VARDATA_ANY(DatumGetPointer(d)), VARSIZE_ANY_EXHDR(DatumGetPointer(d)));
      else if (a.typlen == -2)
        col.bytes.emplace_back(DatumGetCString(d));
      else if (a.byval)
        col.bytes.emplace_back(reinterpret_cast<const char*>(&d), a.typlen);
      else
        col.bytes.emplace_back(DatumGetPointer(d), a.typlen);
      return col.bytes.back().size() + 32;
  }
  return 8;
}

void push_null(chunk::Column& col) {
  size_t before = col.size();
  switch (col.kind) {
    case chunk::ColumnKind::kFloat64: col.floats.push_back(0.0); break;
    case chunk::ColumnKind::kBool:
    case chunk::ColumnKind::kInt64: col.ints.push_back(0); break;
    case chunk::ColumnKind::kBytes: col.bytes.emplace_back(); break;
  }
  if (col.nulls.empty()) col.nulls.assign(before, false);
  col.nulls.push_back(true);
}

// The stored time of a row of series `id` whose time column holds `us`. observe_ts: the µs.
// observe_log: ns since 1970 = µs * 1000 + seq, where seq numbers the consecutive rows of the
// series sharing that µs in this transaction, in insertion order: 0, 1, 2, ... up to 999; later
// rows of that µs share ns 999 and keep their insertion order through the stable sort of a flush.
// A row of another µs in between restarts the count, and so does another transaction: such rows
// tie with the earlier ones of their µs (their order among the ties is not guaranteed).
int64_t stored_time(StorageBuffer& sb, int32_t id, int64_t us) {
  const EngineProfile& p = *sb.layout->profile;
  int64_t t = engine_time_to_stored(p, us);
  if (p.time_per_us == 1 || us == std::numeric_limits<int64_t>::max() || us == std::numeric_limits<int64_t>::min())
    return t;  // ±infinity: no sequence
  auto [it, fresh] = sb.last_time.try_emplace(id, us, 0);
  if (!fresh) {
    if (it->second.first == us)
      it->second.second = std::min<int64_t>(it->second.second + 1, p.time_per_us - 1);
    else
      it->second = {us, 0};
  }
  return t + it->second.second;
}

void push_row(StorageBuffer& sb, Block& b, int32_t id, int64_t stored, const Datum* values, const bool* nulls);

// Appends one row given as full-width datums (detoasted).
void append_row(StorageBuffer& sb, CommandId cid, const Datum* values, const bool* nulls) {
  const TsLayout& layout = *sb.layout;
  std::string& key = sb.scratch;
  ts_key_image(layout, values, nulls, key);
  int32_t id;
  if (sb.last_series >= 0 && key == sb.last_key) {
    id = sb.last_series;
  } else {
    id = ts_series_dict(sb.relid, sb.storage_id)->lookup_or_create(layout, key, values, nulls);
    sb.last_key = key;
    sb.last_series = id;
  }
  push_row(sb, current_block(sb, cid), id, stored_time(sb, id, DatumGetInt64(values[layout.time_att])),
           values, nulls);
}

// Appends one row of series `id` with its stored time and value columns from full-width datums.
void push_row(StorageBuffer& sb, Block& b, int32_t id, int64_t stored, const Datum* values, const bool* nulls) {
  const TsLayout& layout = *sb.layout;
  TsSeriesRows& r = series_rows(sb, b, id);
  r.times.push_back(stored);
  size_t bytes = 8;
  for (size_t c = 0; c < r.cols.size(); c++) {
    int att = layout.value_atts[c];
    chunk::Column& col = r.cols[c];
    if (nulls[att]) {
      push_null(col);
      bytes += 1;
    } else {
      bytes += push_value(col, layout.attrs[att], values[att]);
      if (!col.nulls.empty()) col.nulls.push_back(false);
    }
  }
  b.bytes += bytes;
  buffers().pending_bytes += bytes;
}

TsSeriesRows empty_rows(const TsLayout& layout) {
  TsSeriesRows r;
  r.cols.resize(layout.value_atts.size());
  for (size_t c = 0; c < layout.value_atts.size(); c++) r.cols[c].kind = layout.attrs[layout.value_atts[c]].kind;
  return r;
}

// Appends flat samples to rows of a metric-shaped table (the value column; others null).
void append_points(TsSeriesRows& r, const TsLayout& layout, const TsPoint* p, size_t n) {
  int vcol = layout.attrs[layout.value_att].column;
  for (size_t i = 0; i < n; i++) {
    r.times.push_back(p[i].time);
    for (size_t c = 0; c < r.cols.size(); c++) {
      chunk::Column& col = r.cols[c];
      if (static_cast<int>(c) == vcol) {
        col.floats.push_back(p[i].value);
        if (!col.nulls.empty()) col.nulls.push_back(false);
      } else {
        push_null(col);
      }
    }
  }
}

// Writes blocks merged per series, in the current subtransaction with command id `cid`.
void write_blocks(StorageBuffer& sb, const std::vector<Block*>& chosen, CommandId cid) {

  // Merge per series (the common case, one block, needs no copy).
  std::unordered_map<int32_t, TsSeriesRows> merged;
  std::unordered_map<int32_t, TsSeriesRows*> rows_of;
  for (Block* b : chosen)
    for (auto& [id, rows] : b->series) {
      auto it = rows_of.find(id);
      if (it == rows_of.end()) {
        rows_of[id] = &rows;
      } else {
        if (merged.count(id) == 0) {
          merged[id] = *it->second;
          it->second = &merged[id];
        }
        it->second->append_rows(rows);
      }
    }
  // Flat samples: sorted by series then time (stable: a later write of a time stays later),
  // runs of one series. A series that also has rows takes its samples into them; so does a
  // series with many samples (its own chunks); small runs go to L0 batches as they are.
  std::vector<TsPoint> points;
  for (Block* b : chosen) points.insert(points.end(), b->points.begin(), b->points.end());
  std::stable_sort(points.begin(), points.end(), [](const TsPoint& a, const TsPoint& b) {
    return a.series_id != b.series_id ? a.series_id < b.series_id : a.time < b.time;
  });
  std::vector<std::pair<size_t, size_t>> small_runs;  // [begin, end) of `points`
  for (size_t i = 0; i < points.size();) {
    size_t j = i + 1;
    while (j < points.size() && points[j].series_id == points[i].series_id) j++;
    int32_t id = points[i].series_id;
    auto it = rows_of.find(id);
    if (it == rows_of.end() && j - i < kBatchSmallSeriesRows) {
      small_runs.emplace_back(i, j);
    } else {
      if (it == rows_of.end()) it = rows_of.emplace(id, &(merged[id] = empty_rows(*sb.layout))).first;
      if (merged.count(id) == 0) {
        merged[id] = *it->second;
        it->second = &merged[id];
      }
      append_points(*it->second, *sb.layout, points.data() + i, j - i);
    }
    i = j;
  }

  std::vector<int32_t> ids;
  ids.reserve(rows_of.size());
  for (auto& kv : rows_of) ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());  // chunk rows land in index order

  // Many series with a few rows each (a scrape, a time-major load): L0 batch rows, one chunk
  // row and index entry for many series (see ts_chunks.h); compaction moves them into the
  // series' own chunks later.
  std::vector<std::pair<int32_t, TsSeriesRows*>> small;
  for (int32_t id : ids) {
    TsSeriesRows* rows = rows_of[id];
    if (rows->rows() > 0 && rows->rows() < kBatchSmallSeriesRows) small.emplace_back(id, rows);
  }
  const bool batch = small.size() + small_runs.size() >= kBatchMinSeries;
  if (!batch) {
    // Too few to batch: the small runs get their own chunks too.
    for (auto [i, j] : small_runs) {
      int32_t id = points[i].series_id;
      TsSeriesRows& r = merged[id] = empty_rows(*sb.layout);
      append_points(r, *sb.layout, points.data() + i, j - i);
      rows_of[id] = &r;
      ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
  }

  TsChunkSink sink;
  ts_sink_open(&sink, *sb.layout, sb.storage_id, cid);
  sink.fast_transient = true;  // compaction encodes it again at the profile's level
  if (batch) {
    if (!small.empty()) ts_sink_write_batches(&sink, small);
    if (!small_runs.empty()) ts_sink_write_point_batches(&sink, points, small_runs, *sb.layout);
  }
  for (int32_t id : ids) {
    // Writing sorts the rows in place; a block kept for an ancestor keeps the same rows.
    TsSeriesRows* rows = rows_of[id];
    if (batch && rows->rows() < kBatchSmallSeriesRows) continue;  // in a batch
    ts_sink_write(&sink, id, *rows);
  }
  ts_sink_close(&sink);
}

// Writes the pending blocks of one storage that `eligible` accepts. With Cids::kExact, blocks of
// one command id are written together with that id, oldest first: a chunk row is visible to a
// snapshot exactly when its rows' INSERT is (a cursor declared between two INSERTs sees the
// first only, however late the flush). Cids::kNewest merges all blocks into the fewest chunks.
template <typename Eligible>
void flush_storage(StorageBuffer& sb, Eligible eligible, Cids cids) {
  std::vector<Block*> chosen;
  for (Block& b : sb.blocks)
    if (pending(b) && eligible(b)) chosen.push_back(&b);
  if (chosen.empty()) return;
  std::stable_sort(chosen.begin(), chosen.end(), [](const Block* a, const Block* b) { return a->cid < b->cid; });
  if (cids == Cids::kNewest) {
    write_blocks(sb, chosen, chosen.back()->cid);
  } else {
    for (size_t i = 0; i < chosen.size();) {
      size_t j = i + 1;
      while (j < chosen.size() && chosen[j]->cid == chosen[i]->cid) j++;
      write_blocks(sb, std::vector<Block*>(chosen.begin() + i, chosen.begin() + j), chosen[i]->cid);
      i = j;
    }
  }

  SubTransactionId sub = GetCurrentSubTransactionId();
  XactBuffers& xb = buffers();
  for (Block* b : chosen) xb.pending_bytes -= std::min(xb.pending_bytes, b->bytes);
  sb.blocks.remove_if([&](Block& b) {
    bool was_chosen = std::find(chosen.begin(), chosen.end(), &b) != chosen.end();
    if (!was_chosen) return false;
    if (b.owner == sub) {  // written by its own level: done
      for (auto& [id, rows] : b.series) keep_spare(sb, id, rows);
      return true;
    }
    b.written_in = sub;               // written on an ancestor's behalf: keep until it is safe
    return false;
  });
}

// Keeps memory bounded: past the limit, writes what the current level owns.
void maybe_flush_for_memory() {
  XactBuffers& xb = buffers();
  if (xb.pending_bytes <= static_cast<size_t>(ts_write_buffer_kb) * 1024) return;
  SubTransactionId sub = GetCurrentSubTransactionId();
  for (auto& [storage, sb] : xb.storages) {
    flush_storage(sb, [sub](const Block& b) { return b.owner == sub; });
    sb.last_series = -1;
  }
}

void flush_all() {
  if (g_buffers == nullptr) return;
  for (auto& [storage, sb] : g_buffers->storages)
    flush_storage(sb, [](const Block&) { return true; }, Cids::kNewest);
  g_buffers->storages.clear();
  g_buffers->pending_bytes = 0;
}

void on_subxact_commit(SubTransactionId sub, SubTransactionId parent) {
  if (g_buffers == nullptr) return;
  for (auto& [storage, sb] : g_buffers->storages) {
    sb.blocks.remove_if([&](Block& b) {
      if (b.owner == sub) b.owner = parent;
      if (b.written_in == sub) b.written_in = parent;
      if (b.discarded_in == sub) b.discarded_in = parent;
      // Its chunks now belong to its own level, or its own level discarded it: only an abort
      // of that level could bring it back, and that drops the block anyway.
      return b.written_in == b.owner || b.discarded_in == b.owner;
    });
  }
}

void on_subxact_abort(SubTransactionId sub) {
  if (g_buffers == nullptr) return;
  XactBuffers& xb = *g_buffers;
  for (auto& [storage, sb] : xb.storages) {
    sb.blocks.remove_if([&](Block& b) {
      bool was_pending = pending(b);
      if (b.owner == sub) {
        if (was_pending) xb.pending_bytes -= std::min(xb.pending_bytes, b.bytes);
        return true;
      }
      // Its chunks were rolled back, or its discard was: pending again.
      if (b.written_in == sub) b.written_in = InvalidSubTransactionId;
      if (b.discarded_in == sub) b.discarded_in = InvalidSubTransactionId;
      if (!was_pending && pending(b)) xb.pending_bytes += b.bytes;
      return false;
    });
    sb.last_series = -1;
  }
}

void xact_callback(XactEvent event, void*) {
  switch (event) {
    case XACT_EVENT_PRE_COMMIT:
    case XACT_EVENT_PARALLEL_PRE_COMMIT:
    case XACT_EVENT_PRE_PREPARE:
      invoke_cpp([] { flush_all(); });
      break;
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
      ts_series_on_commit();
      break;
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
    case XACT_EVENT_PREPARE:  // a prepared transaction may still roll back
      ts_series_on_abort();
      break;
  }
}

void subxact_callback(SubXactEvent event, SubTransactionId sub, SubTransactionId parent, void*) {
  switch (event) {
    case SUBXACT_EVENT_COMMIT_SUB: on_subxact_commit(sub, parent); break;
    case SUBXACT_EVENT_ABORT_SUB:
      ts_chunk_write_generation++;  // the subtransaction's chunk rows are no longer seen
      on_subxact_abort(sub);
      ts_series_on_abort();
      break;
    default: break;
  }
}

// Deforms and detoasts a slot's row into plain arrays (no C++ object here: may ereport).
void deform_slot(TupleTableSlot* slot, const TsLayout* layout, Datum* values, bool* nulls) {
  slot_getallattrs(slot);
  for (int i = 0; i < layout->natts; i++) {
    nulls[i] = slot->tts_isnull[i];
    values[i] = slot->tts_values[i];
    if (!nulls[i] && layout->attrs[i].typlen == -1 && layout->attrs[i].type != InvalidOid)
      values[i] = PointerGetDatum(pg_detoast_datum_packed(reinterpret_cast<struct varlena*>(DatumGetPointer(values[i]))));
  }
  if (nulls[layout->time_att])
    ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
                    errmsg("null value in time column \"%s\" of an %s table",
                           NameStr(TupleDescAttr(slot->tts_tupleDescriptor, layout->time_att)->attname),
                           layout->profile->am_name)));
}

}  // namespace

void ts_buffer_insert(Relation rel, TupleTableSlot** slots, int nslots, CommandId cid) {
  StorageBuffer& sb = storage_buffer(rel);
  const TsLayout* layout = sb.layout.get();
  std::vector<Datum> values(layout->natts);
  std::vector<char> nulls_storage(layout->natts);
  Datum* vp = values.data();
  bool* np = reinterpret_cast<bool*>(nulls_storage.data());
  for (int i = 0; i < nslots; i++) {
    TupleTableSlot* slot = slots[i];
    pg_guard([&] { deform_slot(slot, layout, vp, np); });
    append_row(sb, cid, vp, np);
    next_tid(&slot->tts_tid);
    slot->tts_tableOid = RelationGetRelid(rel);
  }
  maybe_flush_for_memory();
}

static void check_metrics_shape(const TsLayout& layout) {
  if (!layout.metrics_shape)
    throw Error(ErrorKind::kInvalidParameter,
                "table is not shaped like observe.metrics (time timestamptz, name text, labels jsonb, value float8)");
}

// The id of a series of a metric-shaped table: cached, or created as INSERT would create it.
static int32_t series_id_for(StorageBuffer& sb, SeriesDict& dict, const Labels& series) {
  const TsLayout& layout = *sb.layout;
  int32_t id = dict.find_by_labels(series);
  if (id >= 0) return id;
  // A series new to this backend: build its key columns as INSERT would see them.
  std::string name(series.metric_name());
  std::vector<Datum> values(layout.natts, 0);
  std::vector<char> nulls(layout.natts, 1);
  Datum* vp = values.data();
  const char* nm = name.c_str();
  int name_att = layout.name_att, labels_att = layout.labels_att;
  vp[name_att] = pg_guard([nm] { return PointerGetDatum(cstring_to_text(nm)); });
  vp[labels_att] = labels_to_jsonb(series, false);  // every label but __name__
  nulls[name_att] = nulls[labels_att] = 0;
  std::string key;
  ts_key_image(layout, vp, reinterpret_cast<bool*>(nulls.data()), key);
  return dict.lookup_or_create(layout, key, vp, reinterpret_cast<bool*>(nulls.data()));
}

// Appends samples to one series' rows of the current block.
static void push_points(StorageBuffer& sb, Block& b, int32_t id, const int64_t* t_ms, const double* v,
                        size_t n) {
  const TsLayout& layout = *sb.layout;
  TsSeriesRows& r = series_rows(sb, b, id);
  int vcol = layout.attrs[layout.value_att].column;
  size_t ncols = r.cols.size();
  for (size_t i = 0; i < n; i++) {
    r.times.push_back(ts_unix_ms_to_us(t_ms[i]));
    for (size_t c = 0; c < ncols; c++) {
      chunk::Column& col = r.cols[c];
      if (static_cast<int>(c) == vcol) {
        col.floats.push_back(v[i]);
        if (!col.nulls.empty()) col.nulls.push_back(false);
      } else {
        push_null(col);  // dropped columns
      }
    }
  }
  b.bytes += 16 * n;
}

void ts_buffer_append_samples(Relation rel, const Labels& series, const int64_t* t_ms,
                              const double* v, size_t n) {
  StorageBuffer& sb = storage_buffer(rel);
  check_metrics_shape(*sb.layout);
  std::shared_ptr<SeriesDict> dict = ts_series_dict(sb.relid, sb.storage_id);
  int32_t id = series_id_for(sb, *dict, series);
  Block& b = current_block(sb, GetCurrentCommandId(true));
  push_points(sb, b, id, t_ms, v, n);
  buffers().pending_bytes += 16 * n;
  sb.last_series = -1;
  maybe_flush_for_memory();
}

void ts_buffer_series_ids(Relation rel, const Labels* const* series, size_t n, int32_t* ids) {
  StorageBuffer& sb = storage_buffer(rel);
  const TsLayout& layout = *sb.layout;
  check_metrics_shape(layout);
  std::shared_ptr<SeriesDict> dict = ts_series_dict(sb.relid, sb.storage_id);
  // The key columns of the series not found by labels, as INSERT would see them (series_id_for).
  std::vector<size_t> todo;
  std::vector<std::string> keys;
  std::vector<Datum> values;
  std::vector<char> nulls;
  for (size_t i = 0; i < n; i++) {
    ids[i] = dict->find_by_labels(*series[i]);
    if (ids[i] < 0) todo.push_back(i);
  }
  if (todo.empty()) return;
  const size_t natts = static_cast<size_t>(layout.natts);
  keys.resize(todo.size());
  values.assign(todo.size() * natts, 0);
  nulls.assign(todo.size() * natts, 1);
  const int name_att = layout.name_att, labels_att = layout.labels_att;
  for (size_t j = 0; j < todo.size(); j++) {
    const Labels& l = *series[todo[j]];
    Datum* vp = &values[j * natts];
    std::string name(l.metric_name());
    const char* nm = name.c_str();
    vp[name_att] = pg_guard([nm] { return PointerGetDatum(cstring_to_text(nm)); });
    vp[labels_att] = labels_to_jsonb(l, false);  // every label but __name__
    nulls[j * natts + name_att] = nulls[j * natts + labels_att] = 0;
    ts_key_image(layout, vp, reinterpret_cast<bool*>(&nulls[j * natts]), keys[j]);
  }
  std::vector<SeriesDict::NewKey> batch(todo.size());
  for (size_t j = 0; j < todo.size(); j++)
    batch[j] = SeriesDict::NewKey{&keys[j], &values[j * natts], reinterpret_cast<const bool*>(&nulls[j * natts]),
                                  series[todo[j]]};
  std::vector<int32_t> found(todo.size());
  dict->lookup_or_create_many(layout, batch.data(), batch.size(), found.data());
  for (size_t j = 0; j < todo.size(); j++) ids[todo[j]] = found[j];
}

uint64_t ts_buffer_series_serial(Relation rel) {
  StorageBuffer& sb = storage_buffer(rel);
  check_metrics_shape(*sb.layout);
  return ts_series_dict(sb.relid, sb.storage_id)->serial();
}

bool ts_buffer_series_had_serial(Relation rel, uint64_t serial) {
  StorageBuffer& sb = storage_buffer(rel);
  return ts_series_dict(sb.relid, sb.storage_id)->had_serial(serial);
}

void ts_buffer_series_present(Relation rel, const int32_t* ids, size_t n, bool* present) {
  Oid storage = rel->rd_node.relNode;
  int count = static_cast<int>(n);
  pg_guard([&] { ts_series_present(storage, ids, count, present); });
}

int32_t ts_buffer_series_id(Relation rel, const Labels& series) {
  StorageBuffer& sb = storage_buffer(rel);
  check_metrics_shape(*sb.layout);
  std::shared_ptr<SeriesDict> dict = ts_series_dict(sb.relid, sb.storage_id);
  return series_id_for(sb, *dict, series);
}

void ts_buffer_append_points(Relation rel, const int32_t* ids, const int64_t* t_ms, const double* v,
                             size_t n) {
  StorageBuffer& sb = storage_buffer(rel);
  check_metrics_shape(*sb.layout);
  Block& b = current_block(sb, GetCurrentCommandId(true));
  if (sb.layout->value_atts.size() == 1) {
    b.points.reserve(b.points.size() + n);
    for (size_t i = 0; i < n; i++) b.points.push_back(TsPoint{ids[i], ts_unix_ms_to_us(t_ms[i]), v[i]});
    b.bytes += 16 * n;
    buffers().pending_bytes += 16 * n;
    sb.last_series = -1;
    maybe_flush_for_memory();
    return;
  }
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && ids[j] == ids[i]) j++;  // runs of one series: one lookup
    push_points(sb, b, ids[i], t_ms + i, v + i, j - i);
    i = j;
  }
  buffers().pending_bytes += 16 * n;
  sb.last_series = -1;
  maybe_flush_for_memory();
}

void ts_buffer_append_stored(Relation rel, int32_t series_id, size_t n, const int64_t* stored_times,
                             const std::function<void(size_t, Datum*, bool*)>& fill) {
  StorageBuffer& sb = storage_buffer(rel);
  const TsLayout& layout = *sb.layout;
  std::vector<Datum> values(layout.natts, 0);
  std::vector<char> nulls_storage(layout.natts, 1);
  Datum* vp = values.data();
  bool* np = reinterpret_cast<bool*>(nulls_storage.data());
  Block& b = current_block(sb, GetCurrentCommandId(true));
  for (size_t i = 0; i < n; i++) {
    fill(i, vp, np);
    push_row(sb, b, series_id, stored_times[i], vp, np);
  }
  sb.last_series = -1;
  maybe_flush_for_memory();
}

void ts_buffer_append_bytes_rows(Relation rel, int32_t series_id, size_t n, const int64_t* stored_times,
                                 int bytes_att, const std::string_view* values) {
  if (n == 0) return;
  StorageBuffer& sb = storage_buffer(rel);
  const TsLayout& layout = *sb.layout;
  Block& b = current_block(sb, GetCurrentCommandId(true));
  TsSeriesRows& r = series_rows(sb, b, series_id);
  // What push_row counts for these rows: 8 for the time, a value's size + 32, 1 a null.
  size_t bytes = 8 * n;
  r.times.insert(r.times.end(), stored_times, stored_times + n);
  for (size_t c = 0; c < r.cols.size(); c++) {
    chunk::Column& col = r.cols[c];
    if (layout.value_atts[c] == bytes_att && col.kind == chunk::ColumnKind::kBytes) {
      size_t total = 0;
      for (size_t i = 0; i < n; i++) total += values[i].size();
      // A new series' column (a batch's first rows) is allocated once at its size; later calls
      // (of a row, when the Kafka worker isolates a refused message) grow it by doubling.
      if (col.bytes.empty()) col.bytes.reserve(n, total);
      for (size_t i = 0; i < n; i++) col.bytes.push_back(values[i]);
      if (!col.nulls.empty()) col.nulls.insert(col.nulls.end(), n, false);
      bytes += total + 32 * n;
    } else {
      for (size_t i = 0; i < n; i++) push_null(col);
      bytes += n;
    }
  }
  b.bytes += bytes;
  buffers().pending_bytes += bytes;
  sb.last_series = -1;
  maybe_flush_for_memory();
}

void ts_buffer_for_each_pending(Oid storage_id, int32_t series_id,
                                const std::function<void(const TsSeriesRows&)>& fn) {
  if (g_buffers == nullptr) return;
  auto it = g_buffers->storages.find(storage_id);
  if (it == g_buffers->storages.end()) return;
  for (const Block& b : it->second.blocks) {
    if (!pending(b)) continue;  // written (the heap has it) or discarded
    auto s = b.series.find(series_id);
    if (s != b.series.end()) fn(s->second);
  }
}

void ts_buffer_flush_for_read(Oid storage_id, CommandId curcid) {
  if (g_buffers == nullptr) return;
  auto it = g_buffers->storages.find(storage_id);
  if (it == g_buffers->storages.end()) return;
  flush_storage(it->second, [curcid](const Block& b) { return b.cid < curcid; });
  it->second.last_series = -1;
}

void ts_buffer_discard(Oid storage_id) {
  if (g_buffers == nullptr) return;
  auto it = g_buffers->storages.find(storage_id);
  if (it == g_buffers->storages.end()) return;
  XactBuffers& xb = *g_buffers;
  StorageBuffer& sb = it->second;
  SubTransactionId sub = GetCurrentSubTransactionId();
  sb.blocks.remove_if([&](Block& b) {
    if (b.discarded_in != InvalidSubTransactionId) return false;  // by an enclosing level already
    if (pending(b)) xb.pending_bytes -= std::min(xb.pending_bytes, b.bytes);
    if (b.owner == sub) return true;  // an abort of this level would drop it anyway
    b.discarded_in = sub;             // an outer level's rows: back if this level aborts
    return false;
  });
  sb.last_series = -1;
}

void ts_buffer_init() {
  RegisterXactCallback(xact_callback, nullptr);
  RegisterSubXactCallback(subxact_callback, nullptr);
}

}  // namespace observe::pg
