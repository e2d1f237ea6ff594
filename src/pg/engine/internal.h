// Plain, C-like access to observe_ts's internal heap tables (observe._ts_series, _ts_chunks,
// _ts_options). Every function here may ereport: C++ callers wrap them in pg_guard. Nothing
// here holds a C++ object, so a longjmp out of them leaks nothing.
#pragma once

#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

// Attribute numbers of the internal tables (as created by 10_ts_storage.sql).
enum TsSeriesAtt { kSerStorage = 1, kSerId, kSerHash, kSerKey, kSerLabels, kSerNatts = 5 };
enum TsChunkAtt {
  kChStorage = 1, kChSeries, kChMinTime, kChMaxTime, kChRows, kChLevel, kChData, kChNatts = 7
};
enum TsOptionsAtt { kOptRelid = 1, kOptTime, kOptKeys, kOptRetention, kOptStreamRetention, kOptNatts = 5 };

struct TsInternalOids {
  Oid options, options_pkey;
  Oid series, series_pkey, series_key_index;
  // observe._ts_series_id_seq (0.3.0): InvalidOid in an install not yet updated, where ids are
  // allocated the old way (see ts_series.cpp).
  Oid series_seq;
  Oid chunks, chunks_index;
};

// Looks the internal tables up by name (syscache; cheap). missing_ok: returns false when the
// extension's tables do not exist (during DROP EXTENSION); otherwise raises an error.
bool ts_internal_oids(TsInternalOids* out, bool missing_ok);
// The id sequence's OID as ts_internal_oids last found it (InvalidOid before, or in an install
// without it): a backend holds ids of a storage only after it looked the internal tables up.
extern Oid ts_known_series_seq;

// A heap table opened for writing with its indexes, so rows are inserted with index entries
// and WAL exactly as an INSERT would.
struct TsTableWriter {
  Relation rel;
  int nindexes;
  Relation* indexes;
  IndexInfo** infos;
  // Rows queued for one heap_multi_insert (ts_writer_queue).
  MemoryContext queue_cxt;
  TupleTableSlot** slots;
  TupleDesc slot_desc;
  int nslots, nqueued;
  Size queued_bytes;
  CommandId queued_cid;
};
void ts_writer_open(TsTableWriter* w, Oid relid);
// Inserts one row with command id `cid` (the command that produced the data, so that
// visibility inside the transaction is the heap's); returns its TID.
ItemPointerData ts_writer_insert(TsTableWriter* w, Datum* values, bool* nulls, CommandId cid);
// Queues one row (copied) for a multi-row insert: heap_multi_insert writes a page's rows with
// one WAL record and one buffer lock instead of one per row; their index entries follow.
// Written when the queue is full, by ts_writer_flush and by ts_writer_close.
void ts_writer_queue(TsTableWriter* w, Datum* values, bool* nulls, CommandId cid);
void ts_writer_flush(TsTableWriter* w);
void ts_writer_close(TsTableWriter* w);

// One row of observe._ts_chunks as a scan returns it (data not detoasted).
struct TsChunkRow {
  ItemPointerData tid;
  int32 series_id;
  int64 min_time, max_time;
  int32 row_count;
  int16 level;
  Datum data;  // possibly toasted bytea, valid until the next fetch
  Size stored_size;  // bytes of data as stored (compressed/external size)
  // The row version's identity: the chunk table's file and the inserting (sub)transaction
  // (with tid, what chunk::BatchKey keys a parsed L0 batch directory by).
  Oid relfilenode;
  TransactionId xmin;
};

// A scan of one storage's chunk rows through the (storage_id, series_id, max_time) index:
// all series (series_id < 0) or one series with max_time >= min_max_time.
struct TsChunkCursor {
  Relation rel;
  SysScanDesc scan;
  // The context the scan was opened in: the index scan allocates state lazily while fetching
  // (btree's killed-items array), and callers may fetch in a per-tuple context reset under the
  // scan (ALTER TABLE's rewrite does).
  MemoryContext context;
};
void ts_chunk_cursor_open(TsChunkCursor* c, Oid chunks_relid, Oid index_relid, Oid storage_id,
                          int32 series_id, int64 min_max_time, Snapshot snapshot, LOCKMODE lock);
bool ts_chunk_cursor_next(TsChunkCursor* c, TsChunkRow* row);
void ts_chunk_cursor_close(TsChunkCursor* c, LOCKMODE lock);

// Detoasted bytes of a chunk's data, palloc'd in the current memory context.
bytea* ts_chunk_data(Datum data);
// The first `length` bytes (or fewer, if shorter) of a chunk row's data, detoasted: only the
// TOAST chunks holding them are read.
bytea* ts_chunk_data_slice(Datum data, int32 length);

// Bumped by whatever may change which chunk rows an existing snapshot of this backend sees:
// rows inserted with an earlier command id (the write buffer's flush for a read), a
// subtransaction's abort. Rows inserted or deleted in the current command are invisible to
// (or still seen by) every snapshot taken before, so plain writes do not need it; every
// writer bumps it anyway.
extern uint64 ts_chunk_write_generation;

// Fetches the chunk row at `tid` of the (open) chunks table as `snapshot` sees it, if it is
// still the row version expected (inserting xid, storage and series id), and returns its
// detoasted data palloc'd in the current memory context; null otherwise.
bytea* ts_chunk_fetch_data(Relation chunks, ItemPointerData tid, TransactionId xmin, Oid storage_id,
                           int32 series_id, Snapshot snapshot);

// Deletes every row of a storage id from _ts_series and _ts_chunks (transactionally).
void ts_delete_storage(Oid storage_id);
// Re-keys every row of a storage id to a new one (VACUUM FULL, CLUSTER, SET TABLESPACE).
void ts_rekey_storage(Oid old_storage_id, Oid new_storage_id);

}  // namespace observe::pg

namespace observe::pg {
// Totals over a storage's chunk rows (metadata only, no detoasting): rows, chunks, bytes of
// chunk data as stored, and the count and bytes of its series rows.
struct TsStorageTotals {
  int64 rows, chunks, data_bytes, series, series_bytes;
};
void ts_storage_totals(Oid storage_id, Snapshot snapshot, TsStorageTotals* out);
}  // namespace observe::pg

namespace observe::pg {
// Deletes chunk rows by TID (compaction, retention), in the current command.
void ts_delete_chunks(const ItemPointerData* tids, int n);
// Deletes the chunks of a storage whose max_time < cutoff; returns the rows they held.
int64 ts_drop_chunks_before(Oid storage_id, int64 cutoff, int64* chunks_deleted);
// Per-series horizons (stored units): a series' chunks with max_time < its cutoff go. Series
// absent from series_ids (ascending) take the default; L0 batches (many series' rows) the
// batch cutoff; a missing cutoff keeps the chunks.
struct TsSeriesCutoffs {
  bool has_default;
  int64 default_cutoff;
  bool has_batch_cutoff;
  int64 batch_cutoff;
  int nseries;
  const int32* series_ids;
  const int64* cutoffs;
};
int64 ts_drop_chunks_per_series(Oid storage_id, const TsSeriesCutoffs* cutoffs, int64* chunks_deleted);
// Deletes / upserts observe._ts_options rows (SPI; cold paths).
void ts_options_delete(Oid relid);
void ts_options_set_retention(Oid relid, Datum interval, bool isnull);
void ts_options_set_key(Oid relid, const char* time_column, Datum key_columns);
// Per-stream retention rules (observe._ts_options.stream_retention, a jsonb array of
// {"selector", "priority", "retention"}): one rule set (interval) or removed (NULL) by its
// selector text, or the whole array (settings label).
void ts_options_set_stream_rule(Oid relid, const char* selector, Datum interval, bool isnull, int32 priority);
void ts_options_set_stream_rules(Oid relid, Datum rules, bool isnull);
// A table's retention horizons as of now(): the table's (has_table), and each rule's, palloc'd.
struct TsRetention {
  bool has_table;
  TimestampTz table_cutoff;
  int nrules;
  char** selectors;
  int32* priorities;
  TimestampTz* cutoffs;
};
void ts_read_retention(Oid relid, TsRetention* out);
// Every storage's chunk data bytes and the on-disk size of the internal tables (heap, TOAST
// and indexes), for a fair share of the overhead in storage_stats.
void ts_internal_sizes(int64* all_chunk_data, int64* chunks_total, int64* all_series_tuples,
                       int64* series_total);
}  // namespace observe::pg

namespace observe::pg {
// Every series row of a storage visible to SnapshotSelf: ids and TIDs, palloc'd.
void ts_series_rows(Oid storage_id, int* n, int32** ids, ItemPointerData** tids);
// Deletes series rows by TID (series garbage collection), in the current command.
void ts_delete_series(const ItemPointerData* tids, int n);
// present[i]: tids[i] still holds, visible to SnapshotSelf, the series row of `storage_id` with
// id ids[i] (a TID read earlier may since have been freed by VACUUM and given to another row).
void ts_series_rows_present(Oid storage_id, const int32* ids, const ItemPointerData* tids, int n, bool* present);
// The relfilenodes of observe._ts_series and _ts_chunks (VACUUM FULL changes them, and every TID).
void ts_internal_relfilenodes(const TsInternalOids* oids, Oid* series_node, Oid* chunks_node);

// Whether series still have chunk rows (not L0 batches) that any snapshot can read
// (SnapshotNonVacuumable): one index scan of _ts_chunks, rescanned per series, instead of a
// table open, a snapshot and a scan each (series garbage collection probes many).
struct TsChunkProbe {
  Relation rel;
  Relation index;
  IndexScanDesc scan;
  TupleTableSlot* slot;
  SnapshotData nonvacuumable;
};
void ts_chunk_probe_open(TsChunkProbe* p, Oid chunks_relid, Oid index_relid);
bool ts_chunk_probe_has(TsChunkProbe* p, Oid storage_id, int32 series_id);
void ts_chunk_probe_close(TsChunkProbe* p);

// present[i]: whether series ids[i] of the storage has a row that SnapshotSelf sees (committed,
// or this transaction's): a probe of _ts_series' primary key each, one scan rescanned.
void ts_series_present(Oid storage_id, const int32* ids, int n, bool* present);
}  // namespace observe::pg
