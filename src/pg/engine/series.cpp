#include "pg/engine/series.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <new>

#include "core/common/error.h"
#include "pg/border/border.h"
#include "pg/border/jsonb_labels.h"
#include "pg/engine/internal.h"
#include "pg/engine/pg_engine_headers.h"
#include "pg/module/guc.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wregister"
extern "C" {
#include "access/xlog.h"
#include "commands/sequence.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
}
#pragma GCC diagnostic pop

namespace observe::pg {

void* ts_alloc(MemoryContext context, size_t size) {
  void* p = MemoryContextAllocExtended(context, size, MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// ---- key images -------------------------------------------------------------------------

void ts_key_image(const TsLayout& layout, const Datum* values, const bool* nulls, std::string& out) {
  out.clear();
  for (int att : layout.key_atts) {
    const TsAttr& a = layout.attrs[att];
    if (nulls[att]) {
      out.push_back('\0');
      continue;
    }
    out.push_back('\1');
    Datum d = values[att];
    if (a.typlen == -1) {
      uint32_t len = VARSIZE_ANY_EXHDR(DatumGetPointer(d));
      out.append(reinterpret_cast<const char*>(&len), sizeof len);
      out.append(VARDATA_ANY(DatumGetPointer(d)), len);
    } else if (a.typlen == -2) {
      const char* s = DatumGetCString(d);
      uint32_t len = static_cast<uint32_t>(std::strlen(s));
      out.append(reinterpret_cast<const char*>(&len), sizeof len);
      out.append(s, len);
    } else if (a.byval) {
      out.append(reinterpret_cast<const char*>(&d), a.typlen);  // little-endian low bytes
    } else {
      out.append(DatumGetPointer(d), a.typlen);
    }
  }
}

void ts_key_datums(const TsLayout& layout, std::string_view key, Datum* values, bool* nulls,
                   MemoryContext context) {
  size_t pos = 0;
  auto need = [&](size_t n) {
    if (pos + n > key.size()) throw Error(ErrorKind::kDataException, "corrupt observe_ts series key");
  };
  for (int att : layout.key_atts) {
    const TsAttr& a = layout.attrs[att];
    need(1);
    if (key[pos++] == '\0') {
      nulls[att] = true;
      values[att] = 0;
      continue;
    }
    nulls[att] = false;
    if (a.typlen < 0) {
      uint32_t len;
      need(sizeof len);
      std::memcpy(&len, key.data() + pos, sizeof len);
      pos += sizeof len;
      need(len);
      if (a.typlen == -1) {
        auto* v = static_cast<char*>(ts_alloc(context, VARHDRSZ + len));
        SET_VARSIZE(v, VARHDRSZ + len);
        std::memcpy(VARDATA(v), key.data() + pos, len);
        values[att] = PointerGetDatum(v);
      } else {
        auto* s = static_cast<char*>(ts_alloc(context, len + 1));
        std::memcpy(s, key.data() + pos, len);
        s[len] = '\0';
        values[att] = CStringGetDatum(s);
      }
      pos += len;
    } else if (a.byval) {
      need(a.typlen);
      Datum d = 0;
      std::memcpy(&d, key.data() + pos, a.typlen);
      // sign-extend like the fetch macros do
      switch (a.typlen) {
        case 1: d = CharGetDatum(static_cast<char>(d)); break;
        case 2: d = Int16GetDatum(static_cast<int16>(d)); break;
        case 4: d = Int32GetDatum(static_cast<int32>(d)); break;
        default: break;
      }
      values[att] = d;
      pos += a.typlen;
    } else {
      need(a.typlen);
      auto* v = static_cast<char*>(ts_alloc(context, a.typlen));
      std::memcpy(v, key.data() + pos, a.typlen);
      values[att] = PointerGetDatum(v);
      pos += a.typlen;
    }
  }
}

// ---- plain PostgreSQL helpers -------------------------------------------------------------

// A label set in palloc'd memory, as the C helpers hand it over.
struct CLabels {
  int n;
  char** names;
  char** values;
};

static void clabels_add(CLabels* l, int* cap, const char* name, char* value) {
  if (value == nullptr || value[0] == '\0') return;  // Prometheus: empty value == absent label
  if (l->n == *cap) {
    *cap = *cap * 2 + 4;
    l->names = static_cast<char**>(l->names ? repalloc(l->names, sizeof(char*) * *cap)
                                            : palloc(sizeof(char*) * *cap));
    l->values = static_cast<char**>(l->values ? repalloc(l->values, sizeof(char*) * *cap)
                                              : palloc(sizeof(char*) * *cap));
  }
  l->names[l->n] = pstrdup(name);
  l->values[l->n] = value;
  l->n++;
}

static char* jsonb_value_text(JsonbValue* v) {
  switch (v->type) {
    case jbvString: return pnstrdup(v->val.string.val, v->val.string.len);
    case jbvNumeric:
      return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
    case jbvBool: return pstrdup(v->val.boolean ? "true" : "false");
    case jbvNull: return nullptr;
    case jbvBinary: return JsonbToCString(nullptr, v->val.binary.data, v->val.binary.len);
    default: return nullptr;
  }
}

// Adds a jsonb object's top-level pairs as labels; a non-object becomes one label `column`.
static void jsonb_labels(Jsonb* jb, const char* column, CLabels* out, int* cap) {
  if (!JB_ROOT_IS_OBJECT(jb)) {
    clabels_add(out, cap, column, JsonbToCString(nullptr, &jb->root, VARSIZE(jb)));
    return;
  }
  JsonbIterator* it = JsonbIteratorInit(&jb->root);
  JsonbValue v;
  JsonbIteratorToken tok;
  char* key = nullptr;
  while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
    if (tok == WJB_KEY)
      key = pnstrdup(v.val.string.val, v.val.string.len);
    else if (tok == WJB_VALUE && key != nullptr)
      clabels_add(out, cap, key, jsonb_value_text(&v));
  }
}

// The labels of a series from its key datums: a text column named `name` is the metric name,
// jsonb objects contribute their pairs, other columns `column=value` (the type's text form).
static void key_labels(int nkeys, const Oid* types, char* const* columns, const Datum* values,
                       const bool* nulls, CLabels* out) {
  int cap = 0;
  out->n = 0;
  out->names = out->values = nullptr;
  for (int i = 0; i < nkeys; i++) {
    if (nulls[i]) continue;
    if (types[i] == JSONBOID) {
      jsonb_labels(DatumGetJsonbP(values[i]), columns[i], out, &cap);
    } else {
      Oid out_fn;
      bool varlena;
      getTypeOutputInfo(types[i], &out_fn, &varlena);
      char* text = OidOutputFunctionCall(out_fn, values[i]);
      bool is_name = types[i] == TEXTOID && strcmp(columns[i], "name") == 0;
      clabels_add(out, &cap, is_name ? "__name__" : columns[i], text);
    }
  }
}

// The series rows of a storage with ids above `above`, visible to SnapshotSelf (committed ones
// and this transaction's). Rows whose id `skip(arg, id)` accepts are not returned (already
// cached: no label parsing for them).
struct CSeriesRows {
  int n;
  int32 max_id;  // the highest id read, skipped or not
  int32* ids;
  bytea** keys;
  CLabels* labels;
};

static void rows_init(CSeriesRows* out, int cap) {
  out->n = 0;
  out->max_id = 0;
  out->ids = static_cast<int32*>(palloc(sizeof(int32) * cap));
  out->keys = static_cast<bytea**>(palloc(sizeof(bytea*) * cap));
  out->labels = static_cast<CLabels*>(palloc(sizeof(CLabels) * cap));
}

static void rows_add(CSeriesRows* out, int* cap, HeapTuple tuple, TupleDesc desc) {
  if (out->n == *cap) {
    *cap *= 2;
    out->ids = static_cast<int32*>(repalloc(out->ids, sizeof(int32) * *cap));
    out->keys = static_cast<bytea**>(repalloc(out->keys, sizeof(bytea*) * *cap));
    out->labels = static_cast<CLabels*>(repalloc(out->labels, sizeof(CLabels) * *cap));
  }
  Datum values[kSerNatts];
  bool nulls[kSerNatts];
  heap_deform_tuple(tuple, desc, values, nulls);
  int i = out->n++;
  out->ids[i] = DatumGetInt32(values[kSerId - 1]);
  out->keys[i] = DatumGetByteaPCopy(values[kSerKey - 1]);
  CLabels* l = &out->labels[i];
  l->n = 0;
  l->names = l->values = nullptr;
  int lcap = 0;
  if (!nulls[kSerLabels - 1]) jsonb_labels(DatumGetJsonbP(values[kSerLabels - 1]), "labels", l, &lcap);
}

// Reads the rows with ids above `above` in id order, at most `limit` of them (not counting the
// skipped): the caller loads a big dictionary in slices, so that the rows' palloc'd copy never
// holds more than a slice beside the entries already made. Returns whether rows may remain.
static bool load_series_above(Oid storage_id, int32 above, bool (*skip)(void*, int32), void* arg,
                              int limit, CSeriesRows* out) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  Relation rel = table_open(oids.series, AccessShareLock);
  ScanKeyData keys[2];
  ScanKeyInit(&keys[0], kSerStorage, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  ScanKeyInit(&keys[1], kSerId, BTGreaterStrategyNumber, F_INT4GT, Int32GetDatum(above));
  SysScanDesc scan = systable_beginscan(rel, oids.series_pkey, true, SnapshotSelf, 2, keys);
  int cap = 16;
  rows_init(out, cap);
  HeapTuple tuple;
  TupleDesc desc = RelationGetDescr(rel);
  bool more = false;
  while ((tuple = systable_getnext(scan)) != nullptr) {
    bool isnull;
    int32 id = DatumGetInt32(heap_getattr(tuple, kSerId, desc, &isnull));
    out->max_id = Max(out->max_id, id);
    if (skip(arg, id)) continue;
    rows_add(out, &cap, tuple, desc);
    if (out->n >= limit) {
      more = true;
      break;
    }
  }
  systable_endscan(scan);
  table_close(rel, AccessShareLock);
  return more;
}

// ---- series creation and its locks -------------------------------------------------------------
//
// No lock that other writers wait for is held past the creation itself:
//  - the creation mutex (the storage's object lock on _ts_series, sub-id 1, ExclusiveLock) is
//    held only while a key is looked up (SnapshotDirty) and, when absent, its row inserted; so two
//    transactions never both miss each other's row of one key. A row of the key that another
//    transaction is still inserting makes the creator wait for that transaction's end (its xid
//    lock: no lock table entry of ours per key), as a heap unique index would; a background
//    worker does not wait but fails the write (SQLSTATE 55P03, counted as a lock timeout).
//  - the creation marker (the same object, sub-id 0, RowExclusiveLock, held to the end of the
//    transaction): taken before an id is allocated, it tells refresh() that ids may still commit
//    below the highest visible one. Creators never conflict with each other on it.
//  - refresh() tries a ShareLock on that marker without waiting: granted means no id of this
//    storage is in flight, so every id up to the highest visible one is settled and the next
//    refresh may start above it; not granted, the next refresh reads again from the old horizon.
// Ids come from the sequence observe._ts_series_id_seq (never reused, not rolled back). An
// install not yet updated to 0.3.0 has no sequence: ids are then the highest present id + 1,
// and the mutex is kept to the end of the transaction (the 0.2.0 scheme).
static void mark_series_creation(Oid storage_id) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  LockDatabaseObject(oids.series, storage_id, 0, RowExclusiveLock);
}

// True when no transaction but this one is creating series of the storage; the lock is then
// held until unlock_series_settled.
static bool try_lock_series_settled(Oid storage_id) {
  if (RecoveryInProgress()) return false;  // no object locks above RowExclusive on a standby
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  LOCKTAG tag;
  SET_LOCKTAG_OBJECT(tag, MyDatabaseId, oids.series, storage_id, 0);
  return LockAcquire(&tag, ShareLock, false, true) != LOCKACQUIRE_NOT_AVAIL;
}

static void unlock_series_settled(Oid storage_id) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  UnlockDatabaseObject(oids.series, storage_id, 0, ShareLock);
}

static int32 highest_present_id(Oid storage_id) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  Relation rel = table_open(oids.series, AccessShareLock);
  Relation index = index_open(oids.series_pkey, AccessShareLock);
  ScanKeyData key;
  ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  // SnapshotAny: rows of transactions in progress and dead rows count too.
  SysScanDesc scan = systable_beginscan_ordered(rel, index, SnapshotAny, 1, &key);
  HeapTuple tuple = systable_getnext_ordered(scan, BackwardScanDirection);
  int32 id = 0;
  bool isnull;
  if (tuple != nullptr) id = DatumGetInt32(heap_getattr(tuple, kSerId, RelationGetDescr(rel), &isnull));
  systable_endscan_ordered(scan);
  index_close(index, AccessShareLock);
  table_close(rel, AccessShareLock);
  return id;
}

// One batch's hold of observe._ts_series: the table with its indexes (a multi-row insert
// queue, TsTableWriter) and a scan of the key-hash index with SnapshotDirty, opened once and
// rescanned per key, instead of opening the table, its indexes and a scan per new series.
struct SeriesBatch {
  TsTableWriter writer;
  Relation key_index;
  IndexScanDesc scan;
  TupleTableSlot* slot;
  SnapshotData dirty;
};

static void batch_open(SeriesBatch* b, const TsInternalOids& oids) {
  ts_writer_open(&b->writer, oids.series);
  b->key_index = index_open(oids.series_key_index, AccessShareLock);
  InitDirtySnapshot(b->dirty);
  b->scan = index_beginscan(b->writer.rel, b->key_index, &b->dirty, 2, 0);
  b->slot = table_slot_create(b->writer.rel, nullptr);
}

static void batch_close(SeriesBatch* b) {
  ExecDropSingleTupleTableSlot(b->slot);
  index_endscan(b->scan);
  index_close(b->key_index, AccessShareLock);
  ts_writer_close(&b->writer);  // writes what is still queued
}

// The series row of a key image through the (storage_id, key_hash) index, read with
// SnapshotDirty: a committed row or this transaction's goes to `out` (n = 1); a row another
// transaction is inserting sets *inserting to its xid instead. Rows still queued in the
// batch's writer are not seen: the caller looks up only keys it has not queued.
static void batch_find(SeriesBatch* b, Oid storage_id, int64 hash, const char* key, size_t keylen,
                       CSeriesRows* out, TransactionId* inserting) {
  ScanKeyData keys[2];  // index columns: (storage_id, key_hash)
  ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(hash));
  index_rescan(b->scan, keys, 2, nullptr, 0);
  int cap = 1;
  rows_init(out, cap);
  *inserting = InvalidTransactionId;
  TupleDesc desc = RelationGetDescr(b->writer.rel);
  while (out->n == 0 && index_getnext_slot(b->scan, ForwardScanDirection, b->slot)) {
    bool should_free;
    HeapTuple tuple = ExecFetchSlotHeapTuple(b->slot, false, &should_free);
    bool isnull;
    bytea* k = DatumGetByteaPP(heap_getattr(tuple, kSerKey, desc, &isnull));
    bool same = static_cast<size_t>(VARSIZE_ANY_EXHDR(k)) == keylen && memcmp(VARDATA_ANY(k), key, keylen) == 0;
    if (same && TransactionIdIsValid(b->dirty.xmin)) {
      *inserting = b->dirty.xmin;
      if (should_free) heap_freetuple(tuple);
      break;
    }
    if (same) rows_add(out, &cap, tuple, desc);
    if (should_free) heap_freetuple(tuple);
  }
  ExecClearTuple(b->slot);
}

static void batch_queue_insert(SeriesBatch* b, Oid storage_id, int32 id, int64 hash, const char* key,
                               size_t keylen, Datum labels_jsonb, CommandId cid) {
  Datum values[kSerNatts];
  bool nulls[kSerNatts] = {false, false, false, false, false};
  bytea* k = static_cast<bytea*>(palloc(VARHDRSZ + keylen));
  SET_VARSIZE(k, VARHDRSZ + keylen);
  memcpy(VARDATA(k), key, keylen);
  values[kSerStorage - 1] = ObjectIdGetDatum(storage_id);
  values[kSerId - 1] = Int32GetDatum(id);
  values[kSerHash - 1] = Int64GetDatum(hash);
  values[kSerKey - 1] = PointerGetDatum(k);
  values[kSerLabels - 1] = labels_jsonb;
  ts_writer_queue(&b->writer, values, nulls, cid);  // copied into the queue
  pfree(k);
}

// ---- the key hash filter (KeyHashFilter) ---------------------------------------------------
//
// Why it can say "no row": every creator of a storage's series allocates ids and inserts their
// rows while it holds the creation mutex, writing them all before it releases it, and ids only
// grow (the sequence; the 0.2.0 scheme without it does not use the filter). So under the mutex,
// every row with an id up to the highest present one is in the table already, and rows added
// later have higher ids. The filter is built from every key hash of the storage (its key index,
// SnapshotAny: dead and in-progress rows too), with seen_id the highest id present; each later
// hold of the mutex adds the rows above seen_id. Rows that disappear (an abort, a removed
// series) leave false positives, which only cost the lookup that would have been made anyway.
// The one writer that copies rows with old ids, a rewrite re-keying them to a new storage id
// (ts_rekey_storage), does so before any other backend can know that storage id, and the
// relcache invalidation at its commit drops the dictionaries (and filters) of the table.

static constexpr int kFilterProbes = 3;

static void filter_add(KeyHashFilter* f, uint64 h) {
  uint64 a = h, b = (h >> 32) | 1;
  for (int i = 0; i < kFilterProbes; i++) {
    uint64 bit = (a + static_cast<uint64>(i) * b) & f->mask;
    f->bits[bit >> 6] |= UINT64CONST(1) << (bit & 63);
  }
  f->added++;
}

static bool filter_may_hold(const KeyHashFilter* f, uint64 h) {
  uint64 a = h, b = (h >> 32) | 1;
  for (int i = 0; i < kFilterProbes; i++) {
    uint64 bit = (a + static_cast<uint64>(i) * b) & f->mask;
    if ((f->bits[bit >> 6] & (UINT64CONST(1) << (bit & 63))) == 0) return false;
  }
  return true;
}

static void filter_free(KeyHashFilter* f) {
  if (f->bits != nullptr) pfree(f->bits);
  f->bits = nullptr;
  f->ready = false;
  f->added = f->capacity = 0;
  f->mask = 0;
  f->seen_id = 0;
}

// Under the creation mutex: the filter from every key hash of the storage.
static void filter_build(KeyHashFilter* f, Oid storage_id, const TsInternalOids& oids) {
  filter_free(f);
  int32 top = highest_present_id(storage_id);
  size_t n = 0, cap = 1024;
  uint64* hashes = static_cast<uint64*>(palloc(sizeof(uint64) * cap));
  Relation rel = table_open(oids.series, AccessShareLock);
  Relation index = index_open(oids.series_key_index, AccessShareLock);
  IndexScanDesc scan = index_beginscan(rel, index, SnapshotAny, 1, 0);
  scan->xs_want_itup = true;  // the hashes from the index tuples: no heap access
  ScanKeyData key;
  ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  index_rescan(scan, &key, 1, nullptr, 0);
  while (index_getnext_tid(scan, ForwardScanDirection) != nullptr) {
    bool isnull;
    Datum d = index_getattr(scan->xs_itup, 2, scan->xs_itupdesc, &isnull);
    if (isnull) continue;
    if (n == cap) {
      cap *= 2;
      hashes = static_cast<uint64*>(repalloc_huge(hashes, sizeof(uint64) * cap));
    }
    hashes[n++] = static_cast<uint64>(DatumGetInt64(d));
  }
  index_endscan(scan);
  index_close(index, AccessShareLock);
  table_close(rel, AccessShareLock);
  f->capacity = Max(static_cast<size_t>(65536), 2 * n);
  uint64 bits = 64;
  while (bits < 16 * f->capacity) bits <<= 1;
  f->bits = static_cast<uint64*>(MemoryContextAllocExtended(TopMemoryContext, bits / 8, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
  f->mask = bits - 1;
  for (size_t i = 0; i < n; i++) filter_add(f, hashes[i]);
  pfree(hashes);
  f->seen_id = top;
  f->ready = true;
}

// Under the creation mutex: adds the rows created since the filter last looked (ids above
// seen_id, by other transactions); rebuilds it when it has grown past its capacity.
static void filter_catch_up(KeyHashFilter* f, Oid storage_id, const TsInternalOids& oids) {
  if (!f->ready || f->added > f->capacity) {
    filter_build(f, storage_id, oids);
    return;
  }
  Relation rel = table_open(oids.series, AccessShareLock);
  ScanKeyData keys[2];
  ScanKeyInit(&keys[0], kSerStorage, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  ScanKeyInit(&keys[1], kSerId, BTGreaterStrategyNumber, F_INT4GT, Int32GetDatum(f->seen_id));
  SysScanDesc scan = systable_beginscan(rel, oids.series_pkey, true, SnapshotAny, 2, keys);
  TupleDesc desc = RelationGetDescr(rel);
  HeapTuple tuple;
  while ((tuple = systable_getnext(scan)) != nullptr) {
    bool isnull;
    int32 id = DatumGetInt32(heap_getattr(tuple, kSerId, desc, &isnull));
    Datum h = heap_getattr(tuple, kSerHash, desc, &isnull);
    if (!isnull) filter_add(f, static_cast<uint64>(DatumGetInt64(h)));
    f->seen_id = Max(f->seen_id, id);
  }
  systable_endscan(scan);
  table_close(rel, AccessShareLock);
}

// The ids of many keys at once (series new to this backend, e.g. a scrape worker's poll): as
// find_or_create_series for each, under one hold of the creation mutex, with one creation
// marker, one look at the highest present id, and the table, its indexes and the key lookup's
// index scan opened once; the new rows go in by multi-row inserts (a page's rows in one WAL
// record), all written (with their index entries) before the mutex is released. keys are
// distinct. rows[i] gets key i's row when it was found (n = 1); ids[i] its id either way. A
// key another transaction is inserting releases the mutex while waiting, as
// find_or_create_series does.
static void find_or_create_many(Oid storage_id, int n, const int64* hashes, const char* const* keys,
                                const size_t* lens, const Datum* labels_jsonb, CommandId cid,
                                int32* ids, CSeriesRows* rows, KeyHashFilter* filter) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  if (!OidIsValid(oids.series_seq)) filter = nullptr;  // 0.2.0: ids may be reused after an abort
  bool marked = false;
  int32 highest = -1;  // the highest id present, while the mutex is held; -1: unknown
  LockDatabaseObject(oids.series, storage_id, 1, ExclusiveLock);
  if (filter != nullptr) filter_catch_up(filter, storage_id, oids);
  SeriesBatch b;
  batch_open(&b, oids);
  for (int i = 0; i < n;) {
    TransactionId inserting = InvalidTransactionId;
    if (filter != nullptr && !filter_may_hold(filter, static_cast<uint64>(hashes[i]))) {
      rows[i].n = 0;  // no row has its hash: new (keys are distinct, and none is queued yet)
      rows[i].max_id = 0;
    } else {
      batch_find(&b, storage_id, hashes[i], keys[i], lens[i], &rows[i], &inserting);
    }
    if (rows[i].n > 0) {
      ids[i] = rows[i].ids[0];
      i++;
      continue;
    }
    if (TransactionIdIsValid(inserting)) {
      ts_writer_flush(&b.writer);  // what this batch created is in the index before others look
      UnlockDatabaseObject(oids.series, storage_id, 1, ExclusiveLock);
      if (!IsBackgroundWorker)
        XactLockTableWait(inserting, nullptr, nullptr, XLTW_None);
      else if (!ConditionalXactLockTableWait(inserting))
        ereport(ERROR, (errcode(ERRCODE_LOCK_NOT_AVAILABLE),
                        errmsg("could not create an observe_ts series: another transaction is creating it"),
                        errdetail("A background worker does not wait for that transaction to end.")));
      LockDatabaseObject(oids.series, storage_id, 1, ExclusiveLock);
      if (filter != nullptr) filter_catch_up(filter, storage_id, oids);
      highest = -1;
      continue;  // committed: found next time; rolled back: ours to create
    }
    if (!marked) mark_series_creation(storage_id);
    marked = true;
    // allocate_series_id, with the highest present id read once: while the mutex is held only
    // this loop adds ids.
    if (highest < 0) {
      ts_writer_flush(&b.writer);  // queued rows count as present
      highest = highest_present_id(storage_id);
    }
    int64 id = highest + 1;
    if (OidIsValid(oids.series_seq)) id = Max(nextval_internal(oids.series_seq, false), id);
    if (id > PG_INT32_MAX)
      ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("observe_ts series ids exhausted")));
    batch_queue_insert(&b, storage_id, static_cast<int32>(id), hashes[i], keys[i], lens[i], labels_jsonb[i], cid);
    if (filter != nullptr) {
      filter_add(filter, static_cast<uint64>(hashes[i]));
      filter->seen_id = Max(filter->seen_id, static_cast<int32>(id));
    }
    ids[i] = static_cast<int32>(id);
    highest = Max(highest, static_cast<int32>(id));
    i++;
  }
  batch_close(&b);
  // Without the sequence (0.2.0 scheme) the mutex is kept to the end of the transaction.
  if (OidIsValid(oids.series_seq) || !marked) UnlockDatabaseObject(oids.series, storage_id, 1, ExclusiveLock);
}

// ---- the dictionary ------------------------------------------------------------------------

static Labels to_labels(const CLabels& l) {
  std::vector<Label> items;
  items.reserve(l.n);
  for (int i = 0; i < l.n; i++) items.push_back(Label{l.names[i], l.values[i]});
  return Labels(std::move(items));
}

// The labels for a new entry: moved when they were derived here, copied when the caller's.
static Labels entry_labels(const Labels* labels, Labels* derived) {
  return labels == derived ? std::move(*derived) : *labels;
}

void SeriesDict::add_key(int32_t id, const std::string& key) {
  if (keys_only_.size() >= max_keys_) keys_only_.clear();  // bounded: found again by key
  keys_only_[key] = id;
}

SeriesEntry* SeriesDict::add(int32_t id, std::string key, Labels labels) {
  if (lookup_only_) {
    add_key(id, key);
    return nullptr;
  }
  auto entry = std::make_unique<SeriesEntry>();
  entry->id = id;
  entry->key = std::move(key);
  entry->labels = std::move(labels);
  SeriesEntry* e = entry.get();
  by_key_[std::string_view(e->key)] = id;
  by_id_[id] = e;
  for (const Label& l : e->labels.items()) {
    std::vector<int32_t>& list = postings_[l.name][l.value];
    // Ascending (match() intersects them): ids come mostly in order; one committed out of
    // order is put in its place.
    if (list.empty() || list.back() < id)
      list.push_back(id);
    else
      list.insert(std::lower_bound(list.begin(), list.end(), id), id);
  }
  by_labels_hash_.emplace(e->labels.hash(), id);
  series_.push_back(std::move(entry));
  bytes_ += entry_bytes(*e);
  return e;
}

bool SeriesDict::knows(void* self, int32 id) {
  return static_cast<SeriesDict*>(self)->by_id_.count(id) != 0;
}

// What an entry costs on the heap, roughly: the entry and its key, each label's two strings
// (their text when longer than the small-string buffer), and a node in each of the maps and
// posting lists that index it (allocator overhead included). Measured against RSS: see
// docs/architecture.md "Series dictionary".
size_t SeriesDict::entry_bytes(const SeriesEntry& e) {
  auto text = [](const std::string& s) -> size_t { return s.size() > 15 ? s.capacity() + 17 : 0; };
  size_t n = sizeof(SeriesEntry) + 16 + 8 + text(e.key) + 3 * 48;  // entry, series_, three maps
  for (const Label& l : e.labels.items()) n += sizeof(Label) + text(l.name) + text(l.value) + 8;
  return n;
}

void SeriesDict::check_memory_limit() {
  size_t limit = static_cast<size_t>(guc_series_dictionary_max_mb) << 20;
  if (bytes_ <= limit) return;
  size_t series = series_.size(), mb = bytes_ >> 20;
  Oid relid = relid_;
  ts_series_invalidate_storage(storage_id_);
  char* name = pg_guard([relid] { return get_rel_name(relid); });
  throw Error(ErrorKind::kLimitExceeded,
              "the series dictionary of observe_ts table \"" + std::string(name ? name : "?") +
                  "\" needs more than observe.series_dictionary_max_mb (" +
                  std::to_string(guc_series_dictionary_max_mb) + " MB) in this backend: " +
                  std::to_string(series) + " series loaded so far, " + std::to_string(mb) +
                  " MB; remove unused series (retention, drop_chunks, then observe.compact) or "
                  "raise the setting (superuser)");
}

void SeriesDict::add_rows(const void* loaded) {
  const CSeriesRows& rows = *static_cast<const CSeriesRows*>(loaded);
  for (int i = 0; i < rows.n; i++) {
    if (by_id_.count(rows.ids[i]) != 0) continue;
    std::string key(VARDATA_ANY(rows.keys[i]), VARSIZE_ANY_EXHDR(rows.keys[i]));
    add(rows.ids[i], std::move(key), to_labels(rows.labels[i]));
  }
}

void SeriesDict::make_full() {
  if (!lookup_only_) return;
  lookup_only_ = false;
  keys_only_.clear();
  horizon_ = 0;
}

// A dictionary is loaded in slices of this many rows (see load_series_above).
static constexpr int kLoadSlice = 65536;

void SeriesDict::refresh() {
  make_full();
  MemoryContext tmp = pg_guard([] {
    return AllocSetContextCreate(CurrentMemoryContext, "observe_ts series load", ALLOCSET_DEFAULT_SIZES);
  });
  try {
    Oid storage = storage_id_;
    int32 from = horizon_;  // the highest id read so far (or the horizon)
    // Every id up to the highest read is settled when no creation was in flight during the read
    // of any slice (ids are allocated in increasing order: one allocated after a settled slice's
    // read is above all it saw).
    bool all_settled = true;
    for (bool more = true; more;) {
      CSeriesRows rows;
      bool settled = false;
      int32 above = from;
      pg_guard([&] {
        CHECK_FOR_INTERRUPTS();  // a load of millions of series can be cancelled between slices
        MemoryContextReset(tmp);
        MemoryContext old = MemoryContextSwitchTo(tmp);
        settled = try_lock_series_settled(storage);
        more = load_series_above(storage, above, &SeriesDict::knows, this, kLoadSlice, &rows);
        if (settled) unlock_series_settled(storage);
        MemoryContextSwitchTo(old);
      });
      all_settled = all_settled && settled;
      add_rows(&rows);
      from = std::max(from, rows.max_id);
      check_memory_limit();
    }
    if (all_settled) horizon_ = from;
  } catch (...) {
    MemoryContextDelete(tmp);
    throw;
  }
  MemoryContextDelete(tmp);
}

// The storages this transaction created series in, with the subtransaction that created them:
// an abort must forget their dictionaries (the new entries' rows are gone).
struct Touched {
  SubTransactionId sub;
  Oid storage;
};
static std::vector<Touched>& touched_storages() {
  static auto* v = new std::vector<Touched>();
  return *v;
}

// A new series' labels, from its key columns.
static Labels new_series_labels(const TsLayout& layout, const Datum* values, const bool* nulls) {
  int nkeys = static_cast<int>(layout.key_atts.size());
  std::vector<Oid> types(nkeys);
  std::vector<char*> columns(nkeys);
  std::vector<Datum> kvals(nkeys);
  std::vector<char> knulls(nkeys);
  for (int i = 0; i < nkeys; i++) {
    int att = layout.key_atts[i];
    types[i] = layout.attrs[att].type;
    columns[i] = const_cast<char*>(layout.attrs[att].name.c_str());
    kvals[i] = values[att];
    knulls[i] = nulls[att];
  }
  CLabels cl;
  Oid* tp = types.data();
  char** cp = columns.data();
  Datum* vp = kvals.data();
  bool* np = reinterpret_cast<bool*>(knulls.data());
  pg_guard([&] { key_labels(nkeys, tp, cp, vp, np, &cl); });
  return to_labels(cl);
}

int32_t SeriesDict::cached_id(const std::string& key) const {
  if (lookup_only_) {
    auto k = keys_only_.find(key);
    return k == keys_only_.end() ? -1 : k->second;
  }
  auto it = by_key_.find(key);
  return it == by_key_.end() ? -1 : it->second;
}

int32_t SeriesDict::lookup_or_create(const TsLayout& layout, const std::string& key,
                                     const Datum* values, const bool* nulls) {
  NewKey k{&key, values, nulls};
  int32_t id;
  lookup_or_create_many(layout, &k, 1, &id);
  return id;
}

void SeriesDict::lookup_or_create_many(const TsLayout& layout, const NewKey* keys, size_t n, int32_t* ids) {
  // Cached, or else the first of its key in the batch.
  std::vector<size_t> todo;
  std::unordered_map<std::string_view, size_t> first;
  std::vector<size_t> same_as(n, SIZE_MAX);
  for (size_t i = 0; i < n; i++) {
    ids[i] = cached_id(*keys[i].key);
    if (ids[i] >= 0) continue;
    auto [it, fresh] = first.emplace(std::string_view(*keys[i].key), i);
    if (fresh)
      todo.push_back(i);
    else
      same_as[i] = it->second;
  }
  if (!todo.empty() && !lookup_only_) {
    refresh();  // another backend may have created them
    size_t kept = 0;
    for (size_t i : todo) {
      ids[i] = cached_id(*keys[i].key);
      if (ids[i] < 0) todo[kept++] = i;
    }
    todo.resize(kept);
  }
  if (!todo.empty()) create(layout, keys, todo, ids);
  for (size_t i = 0; i < n; i++)
    if (same_as[i] != SIZE_MAX) ids[i] = ids[same_as[i]];
}

// Finds (another backend's, or one forgotten by a lookup-only dictionary) or creates the series
// of keys[todo[..]], none of them cached, in one batch (find_or_create_many).
void SeriesDict::create(const TsLayout& layout, const NewKey* keys, const std::vector<size_t>& todo, int32_t* ids) {
  const int m = static_cast<int>(todo.size());
  std::vector<Labels> derived(m);  // labels the caller did not give
  std::vector<const Labels*> labels(m);
  std::vector<Datum> jsonb(m);  // the row's labels column (built directly, not parsed from text)
  std::vector<int64> hashes(m);
  std::vector<const char*> kp(m);
  std::vector<size_t> lens(m);
  for (int j = 0; j < m; j++) {
    const NewKey& k = keys[todo[j]];
    if (k.labels == nullptr) derived[j] = new_series_labels(layout, k.values, k.nulls);
    labels[j] = k.labels != nullptr ? k.labels : &derived[j];
    kp[j] = k.key->data();
    lens[j] = k.key->size();
    hashes[j] = static_cast<int64>(
        hash_bytes_extended(reinterpret_cast<const unsigned char*>(kp[j]), static_cast<int>(lens[j]), 0));
  }
  Oid storage = storage_id_;
  KeyHashFilter* filter = lookup_only_ ? &filter_ : nullptr;
  SubTransactionId sub = pg_guard([] { return GetCurrentSubTransactionId(); });
  touched_storages().push_back(Touched{sub, storage_id_});
  CommandId cid = pg_guard([] { return GetCurrentCommandId(true); });
  MemoryContext tmp = pg_guard([] {
    return AllocSetContextCreate(CurrentMemoryContext, "observe_ts series keys", ALLOCSET_DEFAULT_SIZES);
  });
  try {
    MemoryContext old = MemoryContextSwitchTo(tmp);
    try {
      for (int j = 0; j < m; j++) jsonb[j] = labels_to_jsonb(*labels[j], true);
    } catch (...) {
      MemoryContextSwitchTo(old);
      throw;
    }
    MemoryContextSwitchTo(old);
    std::vector<CSeriesRows> rows(m);
    std::vector<int32> found(m);
    pg_guard([&] {
      MemoryContext old = MemoryContextSwitchTo(tmp);
      find_or_create_many(storage, m, hashes.data(), kp.data(), lens.data(), jsonb.data(), cid, found.data(),
                          rows.data(), filter);
      MemoryContextSwitchTo(old);
    });
    for (int j = 0; j < m; j++) {
      ids[todo[j]] = found[j];
      if (rows[j].n > 0)
        add_rows(&rows[j]);  // another transaction's committed series
      else if (lookup_only_)
        add_key(found[j], *keys[todo[j]].key);  // no label set kept: no copy of it made
      else
        add(found[j], *keys[todo[j]].key, entry_labels(labels[j], &derived[j]));
    }
  } catch (...) {
    MemoryContextDelete(tmp);
    throw;
  }
  MemoryContextDelete(tmp);
}

int32_t SeriesDict::find_by_labels(const Labels& labels) const {
  if (by_labels_hash_.empty()) return -1;  // a lookup-only dictionary: nothing to hash for
  auto range = by_labels_hash_.equal_range(labels.hash());
  for (auto it = range.first; it != range.second; ++it) {
    auto e = by_id_.find(it->second);
    if (e != by_id_.end() && e->second->labels == labels) return it->second;
  }
  return -1;
}

const SeriesEntry* SeriesDict::get(int32_t id) {
  auto it = by_id_.find(id);
  if (it != by_id_.end()) return it->second;
  refresh();
  it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

const std::vector<std::unique_ptr<SeriesEntry>>& SeriesDict::all() {
  refresh();
  return series_;
}

std::vector<int32_t> SeriesDict::match(const Matchers& matchers) {
  refresh();
  // The posting lists (ascending) of the equality matchers, intersected smallest first: a
  // selector such as metric{host="a"} touches the few series of both, not every series of one.
  std::vector<const std::vector<int32_t>*> lists;
  for (const LabelMatcher& m : matchers) {
    if (m.op() != MatchOp::kEqual || m.value().empty()) continue;
    auto n = postings_.find(m.name());
    if (n == postings_.end()) return {};
    auto v = n->second.find(m.value());
    if (v == n->second.end()) return {};
    lists.push_back(&v->second);
  }
  std::vector<int32_t> out;
  auto consider = [&](int32_t id) {
    const SeriesEntry* e = by_id_[id];
    if (matches_all(matchers, e->labels)) out.push_back(id);
  };
  if (lists.empty()) {
    for (const auto& e : series_) consider(e->id);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::sort(lists.begin(), lists.end(), [](const auto* a, const auto* b) { return a->size() < b->size(); });
  std::vector<int32_t> ids(*lists[0]), next;
  for (size_t i = 1; i < lists.size() && !ids.empty(); i++) {
    next.clear();
    std::set_intersection(ids.begin(), ids.end(), lists[i]->begin(), lists[i]->end(), std::back_inserter(next));
    ids.swap(next);
  }
  for (int32_t id : ids) consider(id);  // ascending already
  return out;
}

static size_t lookup_only_max_keys = 0;

void ts_series_set_lookup_only(size_t max_keys) { lookup_only_max_keys = max_keys; }

SeriesDict::~SeriesDict() { filter_free(&filter_); }

static uint64_t next_serial = 0;

bool SeriesDict::had_serial(uint64_t serial) const {
  return std::find(past_serials_.begin(), past_serials_.end(), serial) != past_serials_.end();
}

bool SeriesDict::note_series_removed() {
  if (!lookup_only_) return false;
  constexpr size_t kPastSerials = 16;  // older ids are looked up again
  keys_only_.clear();                  // may name removed series: found again by key
  if (past_serials_.size() >= kPastSerials) past_serials_.erase(past_serials_.begin());
  past_serials_.push_back(serial_);
  serial_ = ++next_serial;
  return true;
}

SeriesDict::SeriesDict(Oid relid, Oid storage_id) : relid_(relid), storage_id_(storage_id) {
  serial_ = ++next_serial;
  lookup_only_ = lookup_only_max_keys > 0;
  max_keys_ = lookup_only_max_keys;
}

// ---- the per-backend cache -------------------------------------------------------------------

static std::unordered_map<Oid, std::shared_ptr<SeriesDict>>& dicts() {
  static auto* m = new std::unordered_map<Oid, std::shared_ptr<SeriesDict>>();
  return *m;
}

// Dictionaries dropped by an invalidation, freed at the next ts_series_dict call: a backend
// processes its own transaction's invalidations at commit before it releases its locks, and
// freeing the million entries of a full dictionary there kept series GC's ShareLock held for a
// second longer (measured at 1 M series).
static std::vector<std::shared_ptr<SeriesDict>>& retired() {
  static auto* v = new std::vector<std::shared_ptr<SeriesDict>>();
  return *v;
}

static void retire(std::unordered_map<Oid, std::shared_ptr<SeriesDict>>::iterator it) {
  retired().push_back(std::move(it->second));
}

std::shared_ptr<SeriesDict> ts_series_dict(Oid relid, Oid storage_id) {
  retired().clear();
  auto& m = dicts();
  auto it = m.find(storage_id);
  if (it != m.end() && it->second->relid() == relid) return it->second;
  // A dictionary kept across a relcache invalidation (lookup-only) of the table's old storage
  // (a rewrite gave it a new one) is of no more use.
  for (auto o = m.begin(); o != m.end();)
    o = o->second->relid() == relid && o->first != storage_id ? m.erase(o) : std::next(o);
  auto d = std::make_shared<SeriesDict>(relid, storage_id);
  m[storage_id] = d;
  return d;
}

void ts_series_invalidate_relid(Oid relid) {
  auto& m = dicts();
  for (auto it = m.begin(); it != m.end();) {
    if (relid != InvalidOid && it->second->relid() != relid) {
      ++it;
      continue;
    }
    retire(it);
    it = m.erase(it);
  }
}

void ts_series_invalidate_storage(Oid storage_id) { dicts().erase(storage_id); }

void ts_series_relcache_invalidated(Oid relid) {
  auto& m = dicts();
  if (relid == InvalidOid || !OidIsValid(ts_known_series_seq)) {
    ts_series_invalidate_relid(relid);
    return;
  }
  for (auto it = m.begin(); it != m.end();) {
    if (it->second->relid() != relid || it->second->note_series_removed()) {
      ++it;
      continue;
    }
    retire(it);
    it = m.erase(it);
  }
}

void ts_series_on_abort() {
  // Called at a subtransaction's abort (its id is still current) and at a top-level abort.
  // Subtransaction ids grow, so the entries of the aborting one and of its committed children
  // are exactly those with ids >= its own; earlier ones belong to still-live levels.
  SubTransactionId sub = GetCurrentSubTransactionId();
  auto& touched = touched_storages();
  auto keep = touched.begin();
  for (auto& t : touched) {
    if (t.sub >= sub)
      dicts().erase(t.storage);
    else
      *keep++ = t;
  }
  touched.erase(keep, touched.end());
}

void ts_series_on_commit() { touched_storages().clear(); }

}  // namespace observe::pg
