// The observe_ts write path: rows are buffered per transaction, per table (storage id) and per
// series in backend memory, and written as compressed chunks at commit, when the buffer passes
// observe.write_buffer_size, and before the same transaction reads the table.
//
// Subtransactions: buffered rows belong to the subtransaction that inserted them (dropped when it
// aborts, handed to the parent when it commits). A flush writes in the current subtransaction;
// rows it wrote on behalf of an ancestor stay in memory until that write reaches the ancestor,
// so a later rollback to a savepoint re-queues them instead of losing them. Rows are written with
// the command id of their INSERT, so every snapshot of the transaction sees exactly the rows a
// heap table would show it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/common/labels.h"
#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"
#include "pg/engine/chunks.h"

namespace observe::pg {

// observe.write_buffer_size, in kB.
extern int ts_write_buffer_kb;

// Rows of an INSERT/COPY. Sets each slot's tts_tid.
void ts_buffer_insert(Relation rel, TupleTableSlot** slots, int nslots, CommandId cid);

// Samples of one series of a metric-shaped table (see ts_store.h).
void ts_buffer_append_samples(Relation rel, const Labels& series, const int64_t* t_ms,
                              const double* v, size_t n);

// The fast path of the scrape worker, which keeps series ids between transactions:
// the serial of the table's series dictionary (SeriesDict::serial: an id obtained while it was
// current stays valid while it is) ...
uint64_t ts_buffer_series_serial(Relation rel);
// ... whether ids obtained under `serial` are still valid once present (series garbage
// collection changed the dictionary's serial: SeriesDict::had_serial), and which are:
// present[i] for ids[i] (a primary key probe each, under the caller's lock on the table) ...
bool ts_buffer_series_had_serial(Relation rel, uint64_t serial);
void ts_buffer_series_present(Relation rel, const int32_t* ids, size_t n, bool* present);
// ... the id of a series of a metric-shaped table, created when new ...
int32_t ts_buffer_series_id(Relation rel, const Labels& series);
// ... the same for many series at once (ids[i] for series[i]): those new to the dictionary are
// created in one batch (SeriesDict::lookup_or_create_many) ...
void ts_buffer_series_ids(Relation rel, const Labels* const* series, size_t n, int32_t* ids);
// ... and samples of such series (ids from ts_buffer_series_id under the current serial, or in
// this transaction), one (id, time, value) per sample.
void ts_buffer_append_points(Relation rel, const int32_t* ids, const int64_t* t_ms, const double* v,
                             size_t n);

// Rows of one series (an id of the table's dictionary) whose times are given in stored units
// (engine/profile.h; observe_log's pushes: ns). fill(i, values, nulls) sets row i's value
// columns as detoasted datums in full-width arrays (may call PostgreSQL: the caller guards).
void ts_buffer_append_stored(Relation rel, int32_t series_id, size_t n, const int64_t* stored_times,
                             const std::function<void(size_t, Datum*, bool*)>& fill);

// The same for rows whose value columns are all null but attribute `bytes_att`, a bytes column
// (text, bytea) holding values[i] (observe_log's lines without metadata: the Kafka worker's and
// the pushes' path): no datum a row, one series lookup for all n rows.
void ts_buffer_append_bytes_rows(Relation rel, int32_t series_id, size_t n, const int64_t* stored_times,
                                 int bytes_att, const std::string_view* values);

// Calls fn with the rows of a series this transaction has buffered and not yet written (the
// heap holds the rest): what a duplicate check must see besides the table.
void ts_buffer_for_each_pending(Oid storage_id, int32_t series_id,
                                const std::function<void(const TsSeriesRows&)>& fn);

// Writes the rows a snapshot with command id `curcid` must see (read-your-writes).
void ts_buffer_flush_for_read(Oid storage_id, CommandId curcid);

// Forgets the rows buffered for a storage (TRUNCATE, DROP, rewrites: they would be deleted
// anyway), as the current subtransaction: rows of outer levels come back if it aborts.
void ts_buffer_discard(Oid storage_id);

// Registers the transaction callbacks.
void ts_buffer_init();

}  // namespace observe::pg
