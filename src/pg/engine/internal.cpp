// C-like helpers over the internal heap tables; see ts_internal.h. No C++ object lives in these
// frames, so PostgreSQL may ereport from any call here.
#include "pg/engine/internal.h"
#include "pg/engine/chunks.h"

#include "pg/border/internal_owner.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

static Oid lookup_rel(Oid nsp, const char* name, bool missing_ok) {
  Oid oid = get_relname_relid(name, nsp);
  if (!OidIsValid(oid) && !missing_ok)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                    errmsg("pg_observe internal table observe.%s is missing", name),
                    errhint("Recreate the extension pg_observe.")));
  return oid;
}

Oid ts_known_series_seq = InvalidOid;

bool ts_internal_oids(TsInternalOids* out, bool missing_ok) {
  Oid nsp = get_namespace_oid("observe", missing_ok);
  if (!OidIsValid(nsp)) return false;
  out->options = lookup_rel(nsp, "_ts_options", missing_ok);
  out->options_pkey = lookup_rel(nsp, "_ts_options_pkey", missing_ok);
  out->series = lookup_rel(nsp, "_ts_series", missing_ok);
  out->series_pkey = lookup_rel(nsp, "_ts_series_pkey", missing_ok);
  out->series_key_index = lookup_rel(nsp, "_ts_series_key", missing_ok);
  out->series_seq = get_relname_relid("_ts_series_id_seq", nsp);
  if (OidIsValid(out->series_seq)) ts_known_series_seq = out->series_seq;
  out->chunks = lookup_rel(nsp, "_ts_chunks", missing_ok);
  out->chunks_index = lookup_rel(nsp, "_ts_chunks_series_time", missing_ok);
  return OidIsValid(out->options) && OidIsValid(out->options_pkey) && OidIsValid(out->series) &&
         OidIsValid(out->series_pkey) && OidIsValid(out->series_key_index) &&
         OidIsValid(out->chunks) && OidIsValid(out->chunks_index);
}

uint64 ts_chunk_write_generation = 0;

void ts_writer_open(TsTableWriter* w, Oid relid) {
  ts_chunk_write_generation++;
  w->rel = table_open(relid, RowExclusiveLock);
  List* index_oids = RelationGetIndexList(w->rel);
  w->nindexes = list_length(index_oids);
  w->indexes = static_cast<Relation*>(palloc0(sizeof(Relation) * (w->nindexes + 1)));
  w->infos = static_cast<IndexInfo**>(palloc0(sizeof(IndexInfo*) * (w->nindexes + 1)));
  int i = 0;
  ListCell* lc;
  foreach (lc, index_oids) {
    w->indexes[i] = index_open(lfirst_oid(lc), RowExclusiveLock);
    w->infos[i] = BuildIndexInfo(w->indexes[i]);
    i++;
  }
  list_free(index_oids);
  w->queue_cxt = nullptr;
  w->slots = nullptr;
  w->slot_desc = nullptr;
  w->nslots = w->nqueued = 0;
  w->queued_bytes = 0;
  w->queued_cid = InvalidCommandId;
}

static void insert_index_entries(TsTableWriter* w, Datum* values, bool* nulls, ItemPointer tid) {
  // The internal tables' indexes are on plain columns (no expressions, no predicates).
  for (int i = 0; i < w->nindexes; i++) {
    IndexInfo* info = w->infos[i];
    Datum ivalues[INDEX_MAX_KEYS];
    bool inulls[INDEX_MAX_KEYS];
    for (int k = 0; k < info->ii_NumIndexAttrs; k++) {
      AttrNumber att = info->ii_IndexAttrNumbers[k];
      ivalues[k] = values[att - 1];
      inulls[k] = nulls[att - 1];
    }
    index_insert(w->indexes[i], ivalues, inulls, tid, w->rel,
                 w->indexes[i]->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, false,
                 info);
  }
}

static constexpr int kWriterQueueRows = 1000;
static constexpr Size kWriterQueueBytes = 8 * 1024 * 1024;

void ts_writer_queue(TsTableWriter* w, Datum* values, bool* nulls, CommandId cid) {
  if (w->nqueued > 0 && cid != w->queued_cid) ts_writer_flush(w);
  if (w->queue_cxt == nullptr) {
    w->queue_cxt = AllocSetContextCreate(CurrentMemoryContext, "observe_ts insert queue", ALLOCSET_DEFAULT_SIZES);
    w->slots = static_cast<TupleTableSlot**>(palloc0(sizeof(TupleTableSlot*) * kWriterQueueRows));
    // A copy of the descriptor is not reference-counted: slots made with it do not each pin
    // the relation's descriptor in the resource owner (measurably slow for hundreds of slots).
    w->slot_desc = CreateTupleDescCopy(RelationGetDescr(w->rel));
  }
  if (w->nqueued == w->nslots) w->slots[w->nslots++] = MakeSingleTupleTableSlot(w->slot_desc, &TTSOpsHeapTuple);
  MemoryContext old = MemoryContextSwitchTo(w->queue_cxt);
  HeapTuple tuple = heap_form_tuple(RelationGetDescr(w->rel), values, nulls);
  MemoryContextSwitchTo(old);
  ExecStoreHeapTuple(tuple, w->slots[w->nqueued], false);
  w->nqueued++;
  w->queued_bytes += tuple->t_len;
  w->queued_cid = cid;
  if (w->nqueued >= kWriterQueueRows || w->queued_bytes >= kWriterQueueBytes) ts_writer_flush(w);
}

void ts_writer_flush(TsTableWriter* w) {
  if (w->nqueued == 0) return;
  heap_multi_insert(w->rel, w->slots, w->nqueued, w->queued_cid, 0, nullptr);
  for (int i = 0; i < w->nqueued; i++) {
    TupleTableSlot* slot = w->slots[i];
    slot_getallattrs(slot);
    insert_index_entries(w, slot->tts_values, slot->tts_isnull, &slot->tts_tid);
    ExecClearTuple(slot);
  }
  w->nqueued = 0;
  w->queued_bytes = 0;
  MemoryContextReset(w->queue_cxt);
}

ItemPointerData ts_writer_insert(TsTableWriter* w, Datum* values, bool* nulls, CommandId cid) {
  HeapTuple tuple = heap_form_tuple(RelationGetDescr(w->rel), values, nulls);
  heap_insert(w->rel, tuple, cid, 0, nullptr);
  insert_index_entries(w, values, nulls, &tuple->t_self);
  ItemPointerData tid = tuple->t_self;
  heap_freetuple(tuple);
  return tid;
}

void ts_writer_close(TsTableWriter* w) {
  ts_writer_flush(w);
  if (w->queue_cxt != nullptr) {
    for (int i = 0; i < w->nslots; i++) ExecDropSingleTupleTableSlot(w->slots[i]);
    pfree(w->slots);
    FreeTupleDesc(w->slot_desc);
    MemoryContextDelete(w->queue_cxt);
    w->queue_cxt = nullptr;
  }
  for (int i = 0; i < w->nindexes; i++) index_close(w->indexes[i], RowExclusiveLock);
  table_close(w->rel, RowExclusiveLock);
  pfree(w->indexes);
  pfree(w->infos);
}

void ts_chunk_cursor_open(TsChunkCursor* c, Oid chunks_relid, Oid index_relid, Oid storage_id,
                          int32 series_id, int64 min_max_time, Snapshot snapshot, LOCKMODE lock) {
  ScanKeyData keys[3];
  int nkeys = 1;
  ScanKeyInit(&keys[0], kChStorage, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  if (series_id >= 0) {
    ScanKeyInit(&keys[1], kChSeries, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(series_id));
    ScanKeyInit(&keys[2], kChMaxTime, BTGreaterEqualStrategyNumber, F_INT8GE,
                Int64GetDatum(min_max_time));
    nkeys = 3;
  }
  c->rel = table_open(chunks_relid, lock);
  c->scan = systable_beginscan(c->rel, index_relid, true, snapshot, nkeys, keys);
  c->context = CurrentMemoryContext;
}

bool ts_chunk_cursor_next(TsChunkCursor* c, TsChunkRow* row) {
  MemoryContext old = MemoryContextSwitchTo(c->context);
  HeapTuple tuple = systable_getnext(c->scan);
  MemoryContextSwitchTo(old);
  if (tuple == nullptr) return false;
  TupleDesc desc = RelationGetDescr(c->rel);
  Datum values[kChNatts];
  bool nulls[kChNatts];
  heap_deform_tuple(tuple, desc, values, nulls);
  row->tid = tuple->t_self;
  row->series_id = DatumGetInt32(values[kChSeries - 1]);
  row->min_time = DatumGetInt64(values[kChMinTime - 1]);
  row->max_time = DatumGetInt64(values[kChMaxTime - 1]);
  row->row_count = DatumGetInt32(values[kChRows - 1]);
  row->level = DatumGetInt16(values[kChLevel - 1]);
  row->data = values[kChData - 1];
  row->stored_size = toast_datum_size(row->data);
  row->relfilenode = c->rel->rd_node.relNode;
  row->xmin = HeapTupleHeaderGetRawXmin(tuple->t_data);
  return true;
}

void ts_chunk_cursor_close(TsChunkCursor* c, LOCKMODE lock) {
  systable_endscan(c->scan);
  table_close(c->rel, lock);
}

bytea* ts_chunk_data(Datum data) {
  return reinterpret_cast<bytea*>(detoast_attr(reinterpret_cast<struct varlena*>(DatumGetPointer(data))));
}

bytea* ts_chunk_data_slice(Datum data, int32 length) {
  return reinterpret_cast<bytea*>(
      detoast_attr_slice(reinterpret_cast<struct varlena*>(DatumGetPointer(data)), 0, length));
}

bytea* ts_chunk_fetch_data(Relation rel, ItemPointerData tid, TransactionId xmin, Oid storage_id,
                           int32 series_id, Snapshot snapshot) {
  bytea* out = nullptr;
  HeapTupleData tuple;
  tuple.t_self = tid;
  Buffer buf;
  if (heap_fetch(rel, snapshot, &tuple, &buf, false)) {
    TupleDesc desc = RelationGetDescr(rel);
    bool null_storage, null_series, null_data;
    Datum storage = heap_getattr(&tuple, kChStorage, desc, &null_storage);
    Datum series = heap_getattr(&tuple, kChSeries, desc, &null_series);
    Datum data = heap_getattr(&tuple, kChData, desc, &null_data);
    if (HeapTupleHeaderGetRawXmin(tuple.t_data) == xmin && !null_storage && !null_series && !null_data &&
        DatumGetObjectId(storage) == storage_id && DatumGetInt32(series) == series_id)
      out = reinterpret_cast<bytea*>(pg_detoast_datum_copy(reinterpret_cast<struct varlena*>(DatumGetPointer(data))));
    ReleaseBuffer(buf);
  }
  return out;
}

// Visits every row of `storage_id` in an internal table (through its index whose first column is
// storage_id) with SnapshotSelf: committed rows and this transaction's, including the current
// command's. Callers hold a lock on the user table that keeps writers of that storage out.
template <typename Visit>
static void for_each_storage_row(Oid relid, Oid indexid, Oid storage_id, Visit visit) {
  Relation rel = table_open(relid, RowExclusiveLock);
  ScanKeyData key;
  ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  SysScanDesc scan = systable_beginscan(rel, indexid, true, SnapshotSelf, 1, &key);
  HeapTuple tuple;
  while ((tuple = systable_getnext(scan)) != nullptr) visit(rel, tuple);
  systable_endscan(scan);
  table_close(rel, RowExclusiveLock);
}

void ts_delete_storage(Oid storage_id) {
  ts_chunk_write_generation++;
  TsInternalOids oids;
  if (!ts_internal_oids(&oids, true)) return;  // the extension is being dropped
  auto del = [](Relation rel, HeapTuple tuple) { simple_heap_delete(rel, &tuple->t_self); };
  for_each_storage_row(oids.chunks, oids.chunks_index, storage_id, del);
  for_each_storage_row(oids.series, oids.series_pkey, storage_id, del);
}

static void rekey_table(Oid relid, Oid indexid, Oid old_id, Oid new_id, int natts) {
  TsTableWriter w;
  ts_writer_open(&w, relid);
  CommandId cid = GetCurrentCommandId(true);
  for_each_storage_row(relid, indexid, old_id, [&](Relation rel, HeapTuple tuple) {
    Datum values[8];
    bool nulls[8];
    heap_deform_tuple(tuple, RelationGetDescr(rel), values, nulls);
    values[0] = ObjectIdGetDatum(new_id);
    ts_writer_insert(&w, values, nulls, cid);
    simple_heap_delete(rel, &tuple->t_self);
  });
  ts_writer_close(&w);
  (void)natts;
}

void ts_rekey_storage(Oid old_storage_id, Oid new_storage_id) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  rekey_table(oids.chunks, oids.chunks_index, old_storage_id, new_storage_id, kChNatts);
  rekey_table(oids.series, oids.series_pkey, old_storage_id, new_storage_id, kSerNatts);
}

}  // namespace observe::pg

namespace observe::pg {

void ts_storage_totals(Oid storage_id, Snapshot snapshot, TsStorageTotals* out) {
  memset(out, 0, sizeof *out);
  TsInternalOids oids;
  if (!ts_internal_oids(&oids, true)) return;
  TsChunkCursor c;
  ts_chunk_cursor_open(&c, oids.chunks, oids.chunks_index, storage_id, -1, 0, snapshot, AccessShareLock);
  TsChunkRow row;
  while (ts_chunk_cursor_next(&c, &row)) {
    out->rows += row.row_count;
    out->chunks++;
    out->data_bytes += row.stored_size;
  }
  ts_chunk_cursor_close(&c, AccessShareLock);

  Relation rel = table_open(oids.series, AccessShareLock);
  ScanKeyData key;
  ScanKeyInit(&key, kSerStorage, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  SysScanDesc scan = systable_beginscan(rel, oids.series_pkey, true, snapshot, 1, &key);
  HeapTuple tuple;
  while ((tuple = systable_getnext(scan)) != nullptr) {
    out->series++;
    out->series_bytes += tuple->t_len;
  }
  systable_endscan(scan);
  table_close(rel, AccessShareLock);
}

}  // namespace observe::pg

namespace observe::pg {

void ts_delete_chunks(const ItemPointerData* tids, int n) {
  ts_chunk_write_generation++;
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  Relation rel = table_open(oids.chunks, RowExclusiveLock);
  CommandId cid = GetCurrentCommandId(true);
  for (int i = 0; i < n; i++) {
    ItemPointerData tid = tids[i];
    TM_FailureData tmfd;
    TM_Result result = heap_delete(rel, &tid, cid, InvalidSnapshot, true, &tmfd, false);
    // A chunk another transaction deleted after this one's snapshot (REPEATABLE READ: the
    // snapshot predates the lock): its rows are in the caller's merged chunk already.
    if (result == TM_Updated || result == TM_Deleted)
      ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                      errmsg("could not serialize access due to concurrent delete")));
    if (result != TM_Ok) elog(ERROR, "unexpected heap_delete status %u", static_cast<unsigned>(result));
  }
  table_close(rel, RowExclusiveLock);
}

// As DELETE ... WHERE time < cutoff would, by whole chunks: the chunks the statement's snapshot
// sees (a REPEATABLE READ transaction leaves chunks committed after its snapshot alone), and a
// chunk another transaction deleted first is skipped (READ COMMITTED) or a serialization failure.
int64 ts_drop_chunks_before(Oid storage_id, int64 cutoff, int64* chunks_deleted) {
  TsSeriesCutoffs cutoffs = {true, cutoff, true, cutoff, 0, nullptr, nullptr};
  return ts_drop_chunks_per_series(storage_id, &cutoffs, chunks_deleted);
}

// The cutoff of a chunk row's series (sorted ids, binary search); false: kept whatever its age.
static bool cutoff_of(const TsSeriesCutoffs* c, int32 series_id, int64* cutoff) {
  if (series_id == kTsBatchSeries) {
    *cutoff = c->batch_cutoff;
    return c->has_batch_cutoff;
  }
  int lo = 0, hi = c->nseries - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    if (c->series_ids[mid] == series_id) {
      *cutoff = c->cutoffs[mid];
      return true;
    }
    if (c->series_ids[mid] < series_id) lo = mid + 1; else hi = mid - 1;
  }
  *cutoff = c->default_cutoff;
  return c->has_default;
}

int64 ts_drop_chunks_per_series(Oid storage_id, const TsSeriesCutoffs* cutoffs, int64* chunks_deleted) {
  ts_chunk_write_generation++;
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  int64 rows = 0, chunks = 0;
  Relation rel = table_open(oids.chunks, RowExclusiveLock);
  ScanKeyData key;
  ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  SysScanDesc scan = systable_beginscan(rel, oids.chunks_index, true, GetActiveSnapshot(), 1, &key);
  CommandId cid = GetCurrentCommandId(true);
  HeapTuple tuple;
  while ((tuple = systable_getnext(scan)) != nullptr) {
    bool isnull;
    int64 max_time = DatumGetInt64(heap_getattr(tuple, kChMaxTime, RelationGetDescr(rel), &isnull));
    int32 series_id = DatumGetInt32(heap_getattr(tuple, kChSeries, RelationGetDescr(rel), &isnull));
    int64 cutoff;
    if (!cutoff_of(cutoffs, series_id, &cutoff) || max_time >= cutoff) continue;
    int32 n = DatumGetInt32(heap_getattr(tuple, kChRows, RelationGetDescr(rel), &isnull));
    TM_FailureData tmfd;
    TM_Result result = heap_delete(rel, &tuple->t_self, cid, InvalidSnapshot, true, &tmfd, false);
    switch (result) {
      case TM_Ok:
        rows += n;
        chunks++;
        break;
      case TM_SelfModified:  // already deleted by this transaction (a later command's view)
        break;
      case TM_Updated:
      case TM_Deleted:
        if (IsolationUsesXactSnapshot())
          ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                          errmsg("could not serialize access due to concurrent delete")));
        break;  // compacted or dropped by a transaction that committed meanwhile
      default:
        elog(ERROR, "unexpected heap_delete status %u", static_cast<unsigned>(result));
    }
  }
  systable_endscan(scan);
  table_close(rel, RowExclusiveLock);
  *chunks_deleted = chunks;
  return rows;
}

struct SpiStatement {
  const char* sql;
  int nargs;
  Oid* types;
  Datum* values;
  const char* nulls;
};

// observe._ts_options is the extension's: written as its owner, whoever owns the table.
static void run_spi(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls) {
  SpiStatement st{sql, nargs, types, values, nulls};
  run_as_internal_owner([](void* arg) {
    auto* s = static_cast<SpiStatement*>(arg);
    SPI_connect();
    int rc = SPI_execute_with_args(s->sql, s->nargs, s->types, s->values, s->nulls, false, 0);
    if (rc < 0) elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
    SPI_finish();
  }, &st);
}

void ts_options_delete(Oid relid) {
  TsInternalOids oids;
  if (!ts_internal_oids(&oids, true)) return;
  Relation rel = table_open(oids.options, RowExclusiveLock);
  ScanKeyData key;
  ScanKeyInit(&key, kOptRelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
  SysScanDesc scan = systable_beginscan(rel, oids.options_pkey, true, SnapshotSelf, 1, &key);
  HeapTuple tuple;
  while ((tuple = systable_getnext(scan)) != nullptr) simple_heap_delete(rel, &tuple->t_self);
  systable_endscan(scan);
  table_close(rel, RowExclusiveLock);
}

void ts_options_set_retention(Oid relid, Datum interval, bool isnull) {
  Oid types[2] = {OIDOID, INTERVALOID};
  Datum values[2] = {ObjectIdGetDatum(relid), interval};
  char nulls[3] = {' ', isnull ? 'n' : ' ', '\0'};
  run_spi("INSERT INTO observe._ts_options (relid, retention) VALUES ($1, $2) "
          "ON CONFLICT (relid) DO UPDATE SET retention = EXCLUDED.retention",
          2, types, values, nulls);
}

void ts_options_set_stream_rule(Oid relid, const char* selector, Datum interval, bool isnull, int32 priority) {
  Oid types[4] = {OIDOID, TEXTOID, INTERVALOID, INT4OID};
  Datum values[4] = {ObjectIdGetDatum(relid), CStringGetTextDatum(selector), interval, Int32GetDatum(priority)};
  char nulls[5] = {' ', ' ', isnull ? 'n' : ' ', ' ', '\0'};
  run_spi("INSERT INTO observe._ts_options (relid) VALUES ($1) ON CONFLICT (relid) DO NOTHING", 1, types, values,
          nulls);
  // The rule of the same selector text is replaced; rules are kept in priority order.
  run_spi("UPDATE observe._ts_options SET stream_retention = ("
          "  SELECT CASE WHEN count(*) > 0 THEN jsonb_agg(r ORDER BY (r->>'priority')::int DESC, r->>'selector') END"
          "  FROM (SELECT r FROM jsonb_array_elements(coalesce(stream_retention, '[]')) r"
          "        WHERE r->>'selector' <> $2"
          "        UNION ALL SELECT jsonb_build_object('selector', $2, 'priority', $4, 'retention', $3::text)"
          "        WHERE $3 IS NOT NULL) rules) "
          "WHERE relid = $1",
          4, types, values, nulls);
}

void ts_options_set_stream_rules(Oid relid, Datum rules, bool isnull) {
  Oid types[2] = {OIDOID, JSONBOID};
  Datum values[2] = {ObjectIdGetDatum(relid), rules};
  char nulls[3] = {' ', isnull ? 'n' : ' ', '\0'};
  run_spi("INSERT INTO observe._ts_options (relid, stream_retention) VALUES ($1, $2) "
          "ON CONFLICT (relid) DO UPDATE SET stream_retention = EXCLUDED.stream_retention",
          2, types, values, nulls);
}

struct RetentionRead {
  Oid relid;
  TsRetention* out;
  MemoryContext caller;
};

void ts_read_retention(Oid relid, TsRetention* out) {
  memset(out, 0, sizeof(*out));
  RetentionRead r{relid, out, CurrentMemoryContext};
  run_as_internal_owner([](void* arg) {
    auto* r = static_cast<RetentionRead*>(arg);
    SPI_connect();
    Oid types[1] = {OIDOID};
    Datum values[1] = {ObjectIdGetDatum(r->relid)};
    // Horizons from now(), the transaction's start, as `now() - retention` in SQL.
    int rc = SPI_execute_with_args(
        "SELECT now() - o.retention, r.selector, coalesce(r.priority, 0), now() - r.retention::interval "
        "FROM observe._ts_options o LEFT JOIN LATERAL jsonb_to_recordset(coalesce(o.stream_retention, '[]')) "
        "  AS r(selector text, priority int, retention text) ON true "
        "WHERE o.relid = $1",
        1, types, values, nullptr, true, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "observe retention query failed: %s", SPI_result_code_string(rc));
    TsRetention* out = r->out;
    MemoryContext old = MemoryContextSwitchTo(r->caller);
    out->selectors = static_cast<char**>(palloc0(sizeof(char*) * (SPI_processed + 1)));
    out->priorities = static_cast<int32*>(palloc0(sizeof(int32) * (SPI_processed + 1)));
    out->cutoffs = static_cast<TimestampTz*>(palloc0(sizeof(TimestampTz) * (SPI_processed + 1)));
    MemoryContextSwitchTo(old);
    for (uint64 i = 0; i < SPI_processed; i++) {
      HeapTuple t = SPI_tuptable->vals[i];
      TupleDesc d = SPI_tuptable->tupdesc;
      bool isnull;
      Datum v = SPI_getbinval(t, d, 1, &isnull);
      out->has_table = !isnull;
      if (!isnull) out->table_cutoff = DatumGetTimestampTz(v);
      v = SPI_getbinval(t, d, 2, &isnull);
      if (isnull) continue;  // no rule (the LEFT JOIN's row)
      int k = out->nrules++;
      old = MemoryContextSwitchTo(r->caller);
      out->selectors[k] = TextDatumGetCString(v);
      MemoryContextSwitchTo(old);
      out->priorities[k] = DatumGetInt32(SPI_getbinval(t, d, 3, &isnull));
      out->cutoffs[k] = DatumGetTimestampTz(SPI_getbinval(t, d, 4, &isnull));
    }
    SPI_finish();
  }, &r);
}

void ts_options_set_key(Oid relid, const char* time_column, Datum key_columns) {
  Oid types[3] = {OIDOID, NAMEOID, NAMEARRAYOID};
  Datum values[3] = {ObjectIdGetDatum(relid), DirectFunctionCall1(namein, CStringGetDatum(time_column)),
                     key_columns};
  run_spi("INSERT INTO observe._ts_options (relid, time_column, key_columns) VALUES ($1, $2, $3) "
          "ON CONFLICT (relid) DO UPDATE SET time_column = EXCLUDED.time_column, "
          "key_columns = EXCLUDED.key_columns",
          3, types, values, nullptr);
}

void ts_internal_sizes(int64* all_chunk_data, int64* chunks_total, int64* all_series_tuples,
                       int64* series_total) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  *all_chunk_data = 0;
  *all_series_tuples = 0;
  Relation rel = table_open(oids.chunks, AccessShareLock);
  TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, nullptr);
  HeapTuple tuple;
  while ((tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
    bool isnull;
    Datum d = heap_getattr(tuple, kChData, RelationGetDescr(rel), &isnull);
    *all_chunk_data += toast_datum_size(d);
  }
  table_endscan(scan);
  table_close(rel, AccessShareLock);
  rel = table_open(oids.series, AccessShareLock);
  scan = table_beginscan(rel, GetActiveSnapshot(), 0, nullptr);
  while ((tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) *all_series_tuples += tuple->t_len;
  table_endscan(scan);
  table_close(rel, AccessShareLock);
  *chunks_total = DatumGetInt64(DirectFunctionCall1(pg_total_relation_size, ObjectIdGetDatum(oids.chunks)));
  *series_total = DatumGetInt64(DirectFunctionCall1(pg_total_relation_size, ObjectIdGetDatum(oids.series)));
}

}  // namespace observe::pg

namespace observe::pg {

void ts_series_rows(Oid storage_id, int* n, int32** ids, ItemPointerData** tids) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  Relation rel = table_open(oids.series, AccessShareLock);
  ScanKeyData key;
  ScanKeyInit(&key, kSerStorage, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  SysScanDesc scan = systable_beginscan(rel, oids.series_pkey, true, SnapshotSelf, 1, &key);
  int cap = 64;
  *n = 0;
  *ids = static_cast<int32*>(palloc(sizeof(int32) * cap));
  *tids = static_cast<ItemPointerData*>(palloc(sizeof(ItemPointerData) * cap));
  HeapTuple tuple;
  while ((tuple = systable_getnext(scan)) != nullptr) {
    if (*n == cap) {
      cap *= 2;
      *ids = static_cast<int32*>(repalloc(*ids, sizeof(int32) * cap));
      *tids = static_cast<ItemPointerData*>(repalloc(*tids, sizeof(ItemPointerData) * cap));
    }
    bool isnull;
    (*ids)[*n] = DatumGetInt32(heap_getattr(tuple, kSerId, RelationGetDescr(rel), &isnull));
    (*tids)[*n] = tuple->t_self;
    (*n)++;
  }
  systable_endscan(scan);
  table_close(rel, AccessShareLock);
}

void ts_delete_series(const ItemPointerData* tids, int n) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  Relation rel = table_open(oids.series, RowExclusiveLock);
  for (int i = 0; i < n; i++) {
    ItemPointerData tid = tids[i];
    simple_heap_delete(rel, &tid);
  }
  table_close(rel, RowExclusiveLock);
}

void ts_series_rows_present(Oid storage_id, const int32* ids, const ItemPointerData* tids, int n, bool* present) {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  Relation rel = table_open(oids.series, AccessShareLock);
  TupleDesc desc = RelationGetDescr(rel);
  BlockNumber nblocks = RelationGetNumberOfBlocks(rel);  // VACUUM may have truncated the table
  for (int i = 0; i < n; i++) {
    present[i] = false;
    if (ItemPointerGetBlockNumber(&tids[i]) >= nblocks) continue;
    HeapTupleData tuple;
    tuple.t_self = tids[i];
    Buffer buf;
    if (!heap_fetch(rel, SnapshotSelf, &tuple, &buf, false)) continue;
    bool null_storage, null_id;
    Datum storage = heap_getattr(&tuple, kSerStorage, desc, &null_storage);
    Datum id = heap_getattr(&tuple, kSerId, desc, &null_id);
    present[i] = !null_storage && !null_id && DatumGetObjectId(storage) == storage_id && DatumGetInt32(id) == ids[i];
    ReleaseBuffer(buf);
  }
  table_close(rel, AccessShareLock);
}

void ts_internal_relfilenodes(const TsInternalOids* oids, Oid* series_node, Oid* chunks_node) {
  Relation rel = table_open(oids->series, AccessShareLock);
  *series_node = rel->rd_node.relNode;
  table_close(rel, AccessShareLock);
  rel = table_open(oids->chunks, AccessShareLock);
  *chunks_node = rel->rd_node.relNode;
  table_close(rel, AccessShareLock);
}

void ts_chunk_probe_open(TsChunkProbe* p, Oid chunks_relid, Oid index_relid) {
  p->rel = table_open(chunks_relid, AccessShareLock);
  p->index = index_open(index_relid, AccessShareLock);
  InitNonVacuumableSnapshot(p->nonvacuumable, GlobalVisTestFor(p->rel));
  p->scan = index_beginscan(p->rel, p->index, &p->nonvacuumable, 2, 0);
  p->slot = table_slot_create(p->rel, nullptr);
}

bool ts_chunk_probe_has(TsChunkProbe* p, Oid storage_id, int32 series_id) {
  ScanKeyData keys[2];  // index columns: (storage_id, series_id, max_time)
  ScanKeyInit(&keys[0], kChStorage, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
  ScanKeyInit(&keys[1], kChSeries, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(series_id));
  index_rescan(p->scan, keys, 2, nullptr, 0);
  bool any = index_getnext_slot(p->scan, ForwardScanDirection, p->slot);
  ExecClearTuple(p->slot);
  return any;
}

void ts_chunk_probe_close(TsChunkProbe* p) {
  ExecDropSingleTupleTableSlot(p->slot);
  index_endscan(p->scan);
  index_close(p->index, AccessShareLock);
  table_close(p->rel, AccessShareLock);
}

void ts_series_present(Oid storage_id, const int32* ids, int n, bool* present) {
  if (n <= 0) return;
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  Relation rel = table_open(oids.series, AccessShareLock);
  Relation index = index_open(oids.series_pkey, AccessShareLock);
  IndexScanDesc scan = index_beginscan(rel, index, SnapshotSelf, 2, 0);
  TupleTableSlot* slot = table_slot_create(rel, nullptr);
  for (int i = 0; i < n; i++) {
    ScanKeyData keys[2];  // index columns: (storage_id, series_id)
    ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
    ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(ids[i]));
    index_rescan(scan, keys, 2, nullptr, 0);
    present[i] = index_getnext_slot(scan, ForwardScanDirection, slot);
    ExecClearTuple(slot);
  }
  ExecDropSingleTupleTableSlot(slot);
  index_endscan(scan);
  index_close(index, AccessShareLock);
  table_close(rel, AccessShareLock);
}

}  // namespace observe::pg
