// observe_ts table lifecycle beyond the AM callbacks: DROP (object_access_hook), and the SQL
// functions set_series_key, storage_stats, drop_chunks, set_retention and compact.
#include <cmath>
#include <string>
#include <vector>

#include "pg/border/border.h"
#include "pg/engine/time.h"
#include "pg/ts/ts_am.h"
#include "pg/engine/profile.h"
#include "pg/engine/table_am.h"
#include "pg/engine/compact.h"
#include "pg/engine/engine_open.h"
#include "pg/engine/internal.h"
#include "pg/engine/layout.h"
#include "pg/engine/options.h"
#include "pg/engine/scan.h"
#include "pg/engine/series.h"
#include "pg/engine/write_buffer.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

namespace {

object_access_hook_type prev_object_access = nullptr;

Oid relfilenode_of(Oid relid) {
  HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
  if (!HeapTupleIsValid(tuple)) return InvalidOid;
  Oid node = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relfilenode;
  ReleaseSysCache(tuple);
  return node;
}

// DROP TABLE has no AM callback: delete the table's rows from the internal tables here, in the
// dropping transaction.
void ts_object_access(ObjectAccessType access, Oid class_id, Oid object_id, int sub_id, void* arg) {
  if (prev_object_access != nullptr) prev_object_access(access, class_id, object_id, sub_id, arg);
  if (access != OAT_DROP || class_id != RelationRelationId || sub_id != 0) return;
  if (engine_relid_profile(object_id) == nullptr) return;
  Oid storage = relfilenode_of(object_id);
  invoke_cpp([&] {
    ts_buffer_discard(storage);
    ts_series_invalidate_storage(storage);
    ts_layout_invalidate(object_id);
  });
  ts_delete_storage(storage);
  ts_options_delete(object_id);
}

}  // namespace

// What a function needs on the table: ownership (settings, compaction, like VACUUM) or a
// privilege (DELETE for drop_chunks, SELECT for storage_stats).
static void check_access(Oid relid, AclMode mode) {
  if (mode == kEngineOwner) {
    if (!pg_class_ownercheck(relid, GetUserId()))
      aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
  } else if (pg_class_aclcheck(relid, GetUserId(), mode) != ACLCHECK_OK) {
    aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(relid));
  }
}

// Opens an observe_ts table by OID with `lock`, refusing other tables and users without `mode`.
Relation engine_open(Oid relid, LOCKMODE lock, AclMode mode) {
  pg_guard([&] {
    check_relation_exists(relid);  // a superuser passes check_access for any OID
    check_access(relid, mode);
  });
  Relation rel = pg_guard([&] { return table_open(relid, lock); });
  if (engine_profile(rel) == nullptr) {
    std::string name = RelationGetRelationName(rel);
    pg_guard([&] { table_close(rel, lock); });
    throw Error(ErrorKind::kInvalidParameter, "\"" + name + "\" is not an observe_ts or observe_log table");
  }
  return rel;
}

void engine_close(Relation rel) {
  pg_guard([rel] { table_close(rel, NoLock); });  // the lock is kept to the end of the transaction
}

int64_t engine_cutoff(const TsLayout& layout, TimestampTz older_than) {
  // A `timestamp` column holds local times: compare them as PostgreSQL compares timestamp with
  // timestamptz, in the session's time zone.
  if (layout.attrs[layout.time_att].type == TIMESTAMPOID)
    older_than = pg_guard([&] {
      return DatumGetTimestamp(DirectFunctionCall1(timestamptz_timestamp, TimestampTzGetDatum(older_than)));
    });
  // Chunk times are in the profile's stored units (observe_log: ns).
  return engine_stored_lo(*layout.profile, older_than);
}

void ts_lifecycle_init() {
  ts_options_label_init();
  prev_object_access = object_access_hook;
  object_access_hook = ts_object_access;
}

}  // namespace observe::pg

using namespace observe;
using namespace observe::pg;

namespace observe::pg {

void ts_apply_series_key(Oid relid, const char* time_name, Datum keys) {
  // Exclusive: nobody may insert while the layout changes.
  Relation rel = engine_open(relid, AccessExclusiveLock, kEngineOwner);
  Oid storage = rel->rd_node.relNode;
  ts_buffer_flush_for_read(storage, InvalidCommandId);
  TsStorageTotals totals;
  pg_guard([&] { ts_storage_totals(storage, SnapshotSelf, &totals); });
  if (totals.rows != 0)
    throw Error(ErrorKind::kFeatureNotSupported,
                std::string("the series key of an ") + engine_profile(rel)->am_name +
                    " table can only be set while it is empty");
  pg_guard([&] {
    ts_options_set_key(relid, time_name, keys);
    CacheInvalidateRelcache(rel);
    CommandCounterIncrement();
  });
  ts_layout_invalidate(relid);
  ts_series_invalidate_relid(relid);
  // Validate now: unknown columns or a time column of the wrong type fail this call.
  (void)ts_layout(rel);
  engine_close(rel);
}

// A retention setting written as the table's owner, under the lock retention itself takes.
template <typename Write>
static void write_retention_option(Oid relid, Write write) {
  Relation rel = engine_open(relid, ShareUpdateExclusiveLock, kEngineOwner);
  pg_guard([&] {
    write();
    CommandCounterIncrement();
  });
  engine_close(rel);
}

void ts_apply_retention(Oid relid, Datum interval, bool isnull) {
  write_retention_option(relid, [&] { ts_options_set_retention(relid, interval, isnull); });
}

void ts_apply_stream_rules(Oid relid, Datum rules, bool isnull) {
  write_retention_option(relid, [&] { ts_options_set_stream_rules(relid, rules, isnull); });
}

void ts_apply_stream_rule(Oid relid, const char* selector, Datum interval, bool isnull, int32 priority) {
  write_retention_option(relid, [&] { ts_options_set_stream_rule(relid, selector, interval, isnull, priority); });
}

}  // namespace observe::pg

OBSERVE_FUNCTION(observe_ts_set_series_key) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    throw Error(ErrorKind::kInvalidParameter, "table and time column must not be null");
  Oid relid = PG_GETARG_OID(0);
  Name time_column = PG_GETARG_NAME(1);
  Datum keys = PG_ARGISNULL(2) ? pg_guard([] {
    return PointerGetDatum(construct_empty_array(NAMEOID));
  }) : PG_GETARG_DATUM(2);
  ts_apply_series_key(relid, NameStr(*time_column), keys);
  pg_guard([&] { ts_options_label_sync(relid); });
  PG_RETURN_VOID();
}

OBSERVE_FUNCTION(observe_ts_set_retention) {
  if (PG_ARGISNULL(0)) throw Error(ErrorKind::kInvalidParameter, "table must not be null");
  Oid relid = PG_GETARG_OID(0);
  bool isnull = PG_ARGISNULL(1);
  ts_apply_retention(relid, isnull ? 0 : PG_GETARG_DATUM(1), isnull);
  pg_guard([&] { ts_options_label_sync(relid); });
  PG_RETURN_VOID();
}

OBSERVE_FUNCTION(observe_ts_drop_chunks) {
  Oid relid = PG_GETARG_OID(0);
  TimestampTz older_than = PG_GETARG_TIMESTAMPTZ(1);
  // Self-exclusive (and against compaction), not against INSERT or SELECT.
  Relation rel = engine_open(relid, ShareUpdateExclusiveLock, ACL_DELETE);
  Oid storage = rel->rd_node.relNode;
  std::shared_ptr<const TsLayout> layout = ts_layout(rel);
  ts_buffer_flush_for_read(storage, InvalidCommandId);
  int64 chunks = 0;
  int64 cutoff = engine_cutoff(*layout, older_than);
  int64 rows = pg_guard([&] { return ts_drop_chunks_before(storage, cutoff, &chunks); });
  engine_close(rel);
  PG_RETURN_INT64(rows);
}

OBSERVE_FUNCTION(observe_ts_compact) {
  Oid relid = PG_GETARG_OID(0);
  Relation rel = engine_open(relid, ShareUpdateExclusiveLock, kEngineOwner);
  int64 n = ts_compact_relation(rel);
  engine_close(rel);
  PG_RETURN_INT64(n);
}

// Series GC alone: the next slice of the kept scan (or a new scan), without compacting first
// (the maintenance worker's slices after a compaction, observe.series_gc).
OBSERVE_FUNCTION(observe_ts_series_gc) {
  Oid relid = PG_GETARG_OID(0);
  Relation rel = engine_open(relid, ShareUpdateExclusiveLock, kEngineOwner);
  // This transaction's buffered rows must be chunk rows GC can read: ShareLock does not
  // exclude the transaction's own RowExclusiveLock.
  ts_buffer_flush_for_read(rel->rd_node.relNode, InvalidCommandId);
  pg_guard([] { CommandCounterIncrement(); });
  int64 n = ts_series_gc(rel);
  engine_close(rel);
  PG_RETURN_INT64(n);
}

OBSERVE_FUNCTION(observe_ts_storage_stats) {
  Oid relid = PG_GETARG_OID(0);
  Relation rel = engine_open(relid, AccessShareLock, ACL_SELECT);
  Snapshot snap = pg_guard([] { return GetActiveSnapshot(); });

  // Raw bytes: what the rows take decoded (time, value columns, key columns per row).
  int64 rows = 0, raw = 0;
  {
    TsReader reader(rel, snap, TsReadSpec());
    const TsLayout& layout = reader.layout();
    std::shared_ptr<SeriesDict> dict = ts_series_dict(layout.relid, layout.storage_id);
    int32_t series_id;
    const chunk::ChunkData* data;
    while (reader.next_chunk_data(&series_id, &data)) {
      size_t n = data->times.size();
      rows += n;
      raw += 8 * n;
      for (const chunk::Column& c : data->columns) {
        if (c.kind == chunk::ColumnKind::kBytes)
          raw += c.bytes.data_size();
        else
          raw += (c.kind == chunk::ColumnKind::kBool ? 1 : 8) * n;
      }
      const SeriesEntry* e = dict->get(series_id);
      if (e != nullptr) raw += static_cast<int64>(e->key.size()) * n;
    }
    reader.close();
  }

  TsStorageTotals totals;
  Oid storage = rel->rd_node.relNode;
  pg_guard([&] { ts_storage_totals(storage, snap, &totals); });
  int64 all_data, chunks_total, all_series, series_total;
  pg_guard([&] { ts_internal_sizes(&all_data, &chunks_total, &all_series, &series_total); });
  // A fair share of the internal tables' pages, TOAST and indexes, by this table's part of them.
  double stored = 0;
  if (all_data > 0) stored += static_cast<double>(chunks_total) * totals.data_bytes / all_data;
  if (all_series > 0) stored += static_cast<double>(series_total) * totals.series_bytes / all_series;
  engine_close(rel);

  TupleDesc desc;
  pg_guard([&] {
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
      elog(ERROR, "storage_stats must return a composite type");
    desc = BlessTupleDesc(desc);
  });
  Datum values[6];
  bool nulls[6] = {false, false, false, false, false, false};
  values[0] = Int64GetDatum(rows);
  values[1] = Int64GetDatum(totals.series);
  values[2] = Int64GetDatum(totals.chunks);
  values[3] = Int64GetDatum(raw);
  values[4] = Int64GetDatum(static_cast<int64>(std::llround(stored)));
  if (rows > 0)
    values[5] = Float8GetDatum(std::round(stored / rows * 1000.0) / 1000.0);
  else
    nulls[5] = true;
  return pg_guard([&] { return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)); });
}
