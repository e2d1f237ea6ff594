// The TableAmRoutine of every access method on the engine (observe_ts, observe_log): one set of
// callbacks, one routine object per profile, so rd_tableam tells a table's profile. Rows are not
// stored in the relation's own file (which stays empty): they go through the write buffer into
// the internal heap tables, keyed by the storage id (relfilenode), and come back through
// TsReader. Row-level UPDATE/DELETE, indexes, parallel and sample scans are refused with a clear
// error.
#include <memory>
#include <unordered_map>
#include <vector>

#include "pg/border/border.h"
#include "pg/engine/table_am.h"
#include "pg/engine/internal.h"
#include "pg/engine/layout.h"
#include "pg/engine/scan.h"
#include "pg/engine/series.h"
#include "pg/engine/write_buffer.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

namespace {

// ANALYZE's view of the table: its size in blocks is its stored bytes / BLCKSZ, and each series
// belongs to one block (by a hash of its id), so a sampled block yields the rows of its series.
struct TsAnalyzeBlocks {
  std::unordered_map<BlockNumber, std::vector<int32_t>> series_of_block;
};

struct TsScanDescData {
  TableScanDescData base;
  TsReader* reader;
  MemoryContext context;
  // ANALYZE only: the series by block, and the current block's reader (in block_context).
  TsAnalyzeBlocks* blocks;
  TsReader* block_reader;
  MemoryContext block_context;
};

const char* am_name(Relation rel) {
  const EngineProfile* p = engine_profile(rel);
  return p != nullptr ? p->am_name : "observe_ts";
}

[[noreturn]] void not_supported(Relation rel, const char* what) {
  ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                  errmsg("%s tables do not support %s", am_name(rel), what)));
  pg_unreachable();
}

const TupleTableSlotOps* ts_slot_callbacks(Relation) { return &TTSOpsVirtual; }

TableScanDesc ts_scan_begin(Relation rel, Snapshot snapshot, int nkeys, ScanKeyData* key,
                            ParallelTableScanDesc pscan, uint32 flags) {
  if (pscan != nullptr) not_supported(rel, "parallel scans");
  auto* scan = static_cast<TsScanDescData*>(palloc0(sizeof(TsScanDescData)));
  scan->base.rs_rd = rel;
  scan->base.rs_snapshot = snapshot;
  scan->base.rs_nkeys = nkeys;
  scan->base.rs_key = key;
  scan->base.rs_flags = flags;
  scan->context = AllocSetContextCreate(CurrentMemoryContext, "observe_ts scan", ALLOCSET_DEFAULT_SIZES);
  MemoryContext old = MemoryContextSwitchTo(scan->context);
  scan->reader = invoke_cpp([&] {
    return make_owned_by<TsReader>(scan->context, rel, snapshot, TsReadSpec());
  });
  MemoryContextSwitchTo(old);
  return &scan->base;
}

void ts_scan_end(TableScanDesc sscan) {
  auto* scan = reinterpret_cast<TsScanDescData*>(sscan);
  invoke_cpp([&] {
    scan->reader->close();
    if (scan->block_reader != nullptr) scan->block_reader->close();
  });
  MemoryContextDelete(scan->context);  // deletes the readers
  if (scan->base.rs_flags & SO_TEMP_SNAPSHOT) UnregisterSnapshot(scan->base.rs_snapshot);
  pfree(scan);
}

void ts_scan_rescan(TableScanDesc sscan, ScanKeyData*, bool, bool, bool, bool) {
  auto* scan = reinterpret_cast<TsScanDescData*>(sscan);
  invoke_cpp([&] { scan->reader->restart(); });
}

bool ts_scan_getnextslot(TableScanDesc sscan, ScanDirection direction, TupleTableSlot* slot) {
  auto* scan = reinterpret_cast<TsScanDescData*>(sscan);
  if (ScanDirectionIsBackward(direction)) not_supported(sscan->rs_rd, "backward scans");
  CHECK_FOR_INTERRUPTS();
  return invoke_cpp([&] { return scan->reader->next(slot); });
}

Size ts_parallelscan_estimate(Relation rel) { not_supported(rel, "parallel scans"); }
Size ts_parallelscan_initialize(Relation rel, ParallelTableScanDesc) { not_supported(rel, "parallel scans"); }
void ts_parallelscan_reinitialize(Relation rel, ParallelTableScanDesc) { not_supported(rel, "parallel scans"); }

IndexFetchTableData* ts_index_fetch_begin(Relation rel) { not_supported(rel, "indexes"); }
void ts_index_fetch_reset(IndexFetchTableData*) {}
void ts_index_fetch_end(IndexFetchTableData*) {}
bool ts_index_fetch_tuple(IndexFetchTableData* scan, ItemPointer, Snapshot, TupleTableSlot*, bool*, bool*) {
  not_supported(scan->rel, "indexes");
}

bool ts_tuple_fetch_row_version(Relation rel, ItemPointer, Snapshot, TupleTableSlot*) {
  not_supported(rel, "fetching rows by TID");
}
bool ts_tuple_tid_valid(TableScanDesc, ItemPointer) { return false; }
void ts_tuple_get_latest_tid(TableScanDesc scan, ItemPointer) { not_supported(scan->rs_rd, "fetching rows by TID"); }
bool ts_tuple_satisfies_snapshot(Relation, TupleTableSlot*, Snapshot) { return true; }
TransactionId ts_index_delete_tuples(Relation rel, TM_IndexDeleteOp*) { not_supported(rel, "indexes"); }

void ts_tuple_insert(Relation rel, TupleTableSlot* slot, CommandId cid, int, BulkInsertStateData*) {
  invoke_cpp([&] { ts_buffer_insert(rel, &slot, 1, cid); });
}

void ts_multi_insert(Relation rel, TupleTableSlot** slots, int nslots, CommandId cid, int,
                     BulkInsertStateData*) {
  invoke_cpp([&] { ts_buffer_insert(rel, slots, nslots, cid); });
}

void ts_tuple_insert_speculative(Relation rel, TupleTableSlot*, CommandId, int, BulkInsertStateData*, uint32) {
  not_supported(rel, "INSERT ... ON CONFLICT");
}
void ts_tuple_complete_speculative(Relation rel, TupleTableSlot*, uint32, bool) {
  not_supported(rel, "INSERT ... ON CONFLICT");
}

}  // namespace

[[noreturn]] void engine_refuse_row_change(const EngineProfile& profile, const char* command) {
  ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                  errmsg("%s tables do not support %s", profile.am_name, command),
                  errhint("Delete old data with observe.drop_chunks(table, older_than), or "
                          "TRUNCATE the table.")));
  pg_unreachable();
}

namespace {

const EngineProfile& profile_of(Relation rel) {
  const EngineProfile* p = engine_profile(rel);
  return p != nullptr ? *p : ts_profile();
}

TM_Result ts_tuple_delete(Relation rel, ItemPointer, CommandId, Snapshot, Snapshot, bool,
                          TM_FailureData*, bool) {
  engine_refuse_row_change(profile_of(rel), "DELETE");
}
TM_Result ts_tuple_update(Relation rel, ItemPointer, TupleTableSlot*, CommandId, Snapshot, Snapshot,
                          bool, TM_FailureData*, LockTupleMode*, bool*) {
  engine_refuse_row_change(profile_of(rel), "UPDATE");
}
TM_Result ts_tuple_lock(Relation rel, ItemPointer, Snapshot, TupleTableSlot*, CommandId, LockTupleMode,
                        LockWaitPolicy, uint8, TM_FailureData*) {
  not_supported(rel, "row locks (SELECT ... FOR UPDATE/SHARE)");
}

void ts_finish_bulk_insert(Relation, int) {}

// The rows of every engine table live in observe's internal tables, keyed by the table's
// relfilenode, which is unique only within a tablespace: a table of another tablespace could
// share the number of one in the database's own and read its rows. (A tablespace would not hold
// the rows anyway.)
void refuse_other_tablespace(Relation rel, const RelFileNode* rnode) {
  if (rnode->spcNode != MyDatabaseTableSpace)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("%s tables cannot be placed in a tablespace other than the database's default", am_name(rel)),
                    errdetail("Their rows are stored in pg_observe's internal tables, in the database's default tablespace."),
                    errhint("Create the table without TABLESPACE (and with default_tablespace empty).")));
}

void ts_set_new_filenode(Relation rel, const RelFileNode* newrnode, char persistence,
                         TransactionId* freezeXid, MultiXactId* minmulti) {
  if (persistence == RELPERSISTENCE_UNLOGGED) not_supported(rel, "UNLOGGED tables");
  if (persistence == RELPERSISTENCE_TEMP) not_supported(rel, "temporary tables");
  refuse_other_tablespace(rel, newrnode);
  // No XIDs live in the relation itself (the internal heap tables carry them).
  *freezeXid = InvalidTransactionId;
  *minmulti = InvalidMultiXactId;
  Oid old_storage = rel->rd_node.relNode;
  if (old_storage != newrnode->relNode) {
    // TRUNCATE: the new relfilenode starts empty; the old rows go with this transaction.
    invoke_cpp([&] {
      ts_buffer_discard(old_storage);
      ts_series_invalidate_storage(old_storage);
    });
    ts_delete_storage(old_storage);
  } else {
    invoke_cpp([&] { (void)ts_layout(rel); });  // refuses a table without a time column
  }
  SMgrRelation srel = RelationCreateStorage(*newrnode, persistence, true);
  smgrclose(srel);
}

void ts_nontransactional_truncate(Relation rel) {
  Oid storage = rel->rd_node.relNode;
  invoke_cpp([&] {
    ts_buffer_discard(storage);
    ts_series_invalidate_storage(storage);
  });
  ts_delete_storage(storage);
}

void ts_copy_data(Relation rel, const RelFileNode* newrnode) {
  refuse_other_tablespace(rel, newrnode);
  Oid old_storage = rel->rd_node.relNode;
  invoke_cpp([&] { ts_buffer_flush_for_read(old_storage, InvalidCommandId); });
  SMgrRelation srel = RelationCreateStorage(*newrnode, rel->rd_rel->relpersistence, true);
  smgrclose(srel);
  ts_rekey_storage(old_storage, newrnode->relNode);
  invoke_cpp([&] {
    ts_buffer_discard(old_storage);
    ts_series_invalidate_storage(old_storage);
  });
}

void ts_copy_for_cluster(Relation old_rel, Relation new_rel, Relation old_index, bool, TransactionId,
                         TransactionId* xid_cutoff, MultiXactId* multi_cutoff, double* num_tuples,
                         double* tups_vacuumed, double* tups_recently_dead) {
  if (old_index != nullptr) not_supported(old_rel, "CLUSTER");
  // VACUUM FULL: the rows move to the new relfilenode by re-keying, not copying.
  Oid old_storage = old_rel->rd_node.relNode, new_storage = new_rel->rd_node.relNode;
  invoke_cpp([&] { ts_buffer_flush_for_read(old_storage, InvalidCommandId); });
  ts_rekey_storage(old_storage, new_storage);
  invoke_cpp([&] {
    ts_buffer_discard(old_storage);
    ts_series_invalidate_storage(old_storage);
  });
  TsStorageTotals totals;
  ts_storage_totals(new_storage, SnapshotSelf, &totals);
  *num_tuples = static_cast<double>(totals.rows);
  *tups_vacuumed = 0;
  *tups_recently_dead = 0;
  *xid_cutoff = InvalidTransactionId;
  *multi_cutoff = InvalidMultiXactId;
}

BlockNumber pages_of(int64 bytes) { return static_cast<BlockNumber>((bytes + BLCKSZ - 1) / BLCKSZ); }

void ts_vacuum(Relation rel, VacuumParams*, BufferAccessStrategy) {
  TsStorageTotals totals;
  ts_storage_totals(rel->rd_node.relNode, GetActiveSnapshot() ? GetActiveSnapshot() : SnapshotSelf,
                    &totals);
  vac_update_relstats(rel, pages_of(totals.data_bytes + totals.series_bytes),
                      static_cast<double>(totals.rows), 0, false, InvalidTransactionId,
                      InvalidMultiXactId, nullptr, nullptr, false);
}

// ANALYZE samples blocks of a page-based table (all of them up to 300 x default_statistics_target
// blocks, that many beyond). A sampled block yields the rows of the series hashed to it: small
// tables are read whole, large ones only in the sampled blocks' series, and ANALYZE's row
// estimate (rows seen / blocks sampled x blocks) stays unbiased.
bool ts_analyze_next_block(TableScanDesc sscan, BlockNumber blockno, BufferAccessStrategy) {
  auto* scan = reinterpret_cast<TsScanDescData*>(sscan);
  Relation rel = scan->base.rs_rd;
  if (scan->blocks == nullptr) {
    BlockNumber nblocks = std::max<BlockNumber>(RelationGetNumberOfBlocks(rel), 1);
    scan->block_context = AllocSetContextCreate(scan->context, "observe_ts analyze block", ALLOCSET_SMALL_SIZES);
    invoke_cpp([&] {
      scan->blocks = make_owned_by<TsAnalyzeBlocks>(scan->context);
      std::shared_ptr<const TsLayout> layout = ts_layout(rel);
      std::shared_ptr<SeriesDict> dict = ts_series_dict(layout->relid, layout->storage_id);
      for (const auto& e : dict->all()) {
        BlockNumber b = static_cast<BlockNumber>((static_cast<uint32_t>(e->id) * 2654435761u) % nblocks);
        scan->blocks->series_of_block[b].push_back(e->id);
      }
    });
  }
  if (scan->block_reader != nullptr) {
    invoke_cpp([&] { scan->block_reader->close(); });
    scan->block_reader = nullptr;
    MemoryContextReset(scan->block_context);  // deletes the reader
  }
  invoke_cpp([&] {
    auto it = scan->blocks->series_of_block.find(blockno);
    if (it == scan->blocks->series_of_block.end()) return;
    TsReadSpec spec;
    spec.all_series = false;
    spec.series = it->second;
    scan->block_reader = make_owned_by<TsReader>(scan->block_context, rel, scan->base.rs_snapshot, spec);
  });
  return true;
}

bool ts_analyze_next_tuple(TableScanDesc sscan, TransactionId, double* liverows, double*,
                           TupleTableSlot* slot) {
  auto* scan = reinterpret_cast<TsScanDescData*>(sscan);
  if (scan->block_reader == nullptr) return false;
  CHECK_FOR_INTERRUPTS();
  bool got = invoke_cpp([&] { return scan->block_reader->next(slot); });
  if (got) (*liverows)++;
  return got;
}

double ts_index_build_range_scan(Relation rel, Relation, IndexInfo*, bool, bool, bool, BlockNumber,
                                 BlockNumber, IndexBuildCallback, void*, TableScanDesc) {
  ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                  errmsg("%s tables do not support indexes", am_name(rel)),
                  errhint("Queries on the series key and time are served from the series "
                          "dictionary and chunk time ranges without an index.")));
  pg_unreachable();
}

void ts_index_validate_scan(Relation rel, Relation, IndexInfo*, Snapshot, ValidateIndexState*) {
  not_supported(rel, "indexes");
}

uint64 ts_relation_size(Relation rel, ForkNumber fork) {
  if (fork != MAIN_FORKNUM) return 0;
  TsStorageTotals totals;
  Snapshot snap = ActiveSnapshotSet() ? GetActiveSnapshot() : SnapshotSelf;
  ts_storage_totals(rel->rd_node.relNode, snap, &totals);
  return static_cast<uint64>(totals.data_bytes + totals.series_bytes);
}

bool ts_needs_toast_table(Relation) { return false; }

void ts_estimate_size(Relation rel, int32*, BlockNumber* pages, double* tuples, double* allvisfrac) {
  *allvisfrac = 0;
  if (rel->rd_rel->reltuples >= 0 && rel->rd_rel->relpages > 0) {
    *pages = rel->rd_rel->relpages;
    *tuples = rel->rd_rel->reltuples;
    return;
  }
  // Never vacuumed or analyzed: count from the chunk metadata, at most every few seconds per
  // table and backend, and at most the first kEstimateChunks chunks (planning must not read a
  // large table's whole chunk list): past that the figure is a lower bound until VACUUM or
  // ANALYZE records the table's size.
  constexpr int64 kEstimateChunks = 10000;
  static Oid cached_storage = InvalidOid;
  static TimestampTz cached_at = 0;
  static BlockNumber cached_pages = 0;
  static double cached_tuples = 0;
  TimestampTz now = GetCurrentTimestamp();
  if (cached_storage != rel->rd_node.relNode || now - cached_at > 5 * USECS_PER_SEC) {
    TsInternalOids oids;
    int64 rows = 0, bytes = 0;
    if (ts_internal_oids(&oids, true)) {
      Snapshot snap = ActiveSnapshotSet() ? GetActiveSnapshot() : SnapshotSelf;
      TsChunkCursor c;
      ts_chunk_cursor_open(&c, oids.chunks, oids.chunks_index, rel->rd_node.relNode, -1, 0, snap,
                           AccessShareLock);
      TsChunkRow row;
      for (int64 n = 0; n < kEstimateChunks && ts_chunk_cursor_next(&c, &row); n++) {
        rows += row.row_count;
        bytes += row.stored_size;
      }
      ts_chunk_cursor_close(&c, AccessShareLock);
    }
    cached_storage = rel->rd_node.relNode;
    cached_at = now;
    cached_pages = pages_of(bytes);
    cached_tuples = static_cast<double>(rows);
  }
  *pages = cached_pages;
  *tuples = cached_tuples;
}

bool ts_sample_next_block(TableScanDesc scan, SampleScanState*) { not_supported(scan->rs_rd, "TABLESAMPLE"); }
bool ts_sample_next_tuple(TableScanDesc scan, SampleScanState*, TupleTableSlot*) {
  not_supported(scan->rs_rd, "TABLESAMPLE");
}

TableAmRoutine make_routine() {
  TableAmRoutine r;
  memset(&r, 0, sizeof r);
  r.type = T_TableAmRoutine;
  r.slot_callbacks = ts_slot_callbacks;
  r.scan_begin = ts_scan_begin;
  r.scan_end = ts_scan_end;
  r.scan_rescan = ts_scan_rescan;
  r.scan_getnextslot = ts_scan_getnextslot;
  r.parallelscan_estimate = ts_parallelscan_estimate;
  r.parallelscan_initialize = ts_parallelscan_initialize;
  r.parallelscan_reinitialize = ts_parallelscan_reinitialize;
  r.index_fetch_begin = ts_index_fetch_begin;
  r.index_fetch_reset = ts_index_fetch_reset;
  r.index_fetch_end = ts_index_fetch_end;
  r.index_fetch_tuple = ts_index_fetch_tuple;
  r.tuple_fetch_row_version = ts_tuple_fetch_row_version;
  r.tuple_tid_valid = ts_tuple_tid_valid;
  r.tuple_get_latest_tid = ts_tuple_get_latest_tid;
  r.tuple_satisfies_snapshot = ts_tuple_satisfies_snapshot;
  r.index_delete_tuples = ts_index_delete_tuples;
  r.tuple_insert = ts_tuple_insert;
  r.tuple_insert_speculative = ts_tuple_insert_speculative;
  r.tuple_complete_speculative = ts_tuple_complete_speculative;
  r.multi_insert = ts_multi_insert;
  r.tuple_delete = ts_tuple_delete;
  r.tuple_update = ts_tuple_update;
  r.tuple_lock = ts_tuple_lock;
  r.finish_bulk_insert = ts_finish_bulk_insert;
  r.relation_set_new_filenode = ts_set_new_filenode;
  r.relation_nontransactional_truncate = ts_nontransactional_truncate;
  r.relation_copy_data = ts_copy_data;
  r.relation_copy_for_cluster = ts_copy_for_cluster;
  r.relation_vacuum = ts_vacuum;
  r.scan_analyze_next_block = ts_analyze_next_block;
  r.scan_analyze_next_tuple = ts_analyze_next_tuple;
  r.index_build_range_scan = ts_index_build_range_scan;
  r.index_validate_scan = ts_index_validate_scan;
  r.relation_size = ts_relation_size;
  r.relation_needs_toast_table = ts_needs_toast_table;
  r.relation_estimate_size = ts_estimate_size;
  r.scan_bitmap_next_block = nullptr;  // no bitmap scans (no indexes)
  r.scan_bitmap_next_tuple = nullptr;
  r.scan_sample_next_block = ts_sample_next_block;
  r.scan_sample_next_tuple = ts_sample_next_tuple;
  return r;
}

const TableAmRoutine ts_routine = make_routine();
const TableAmRoutine log_routine = make_routine();

}  // namespace

const TableAmRoutine* engine_table_am(const EngineProfile& profile) {
  return &profile == &log_profile() ? &log_routine : &ts_routine;
}

const EngineProfile* engine_profile(Relation rel) {
  if (rel == nullptr) return nullptr;
  if (rel->rd_tableam == &ts_routine) return &ts_profile();
  if (rel->rd_tableam == &log_routine) return &log_profile();
  return nullptr;
}

}  // namespace observe::pg
