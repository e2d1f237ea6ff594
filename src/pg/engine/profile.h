// An engine profile: what distinguishes the access methods that share the storage engine
// (observe_ts, observe_log). Everything else — series dictionary, label index, write buffer,
// L0 batches, chunk rows, compaction, retention, custom scan, settings, dump/restore — is the
// one engine, parameterised by the profile of the table it works on.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/chunk/chunk.h"
#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

struct TsAttr;

struct EngineProfile {
  const char* am_name;  // "observe_ts", "observe_log": in messages and catalog lookups
  // Stored time: the time column's µs (since 2000-01-01) times time_per_us, shifted to
  // stored_epoch_us first. observe_ts: µs as they are (1, 0). observe_log: nanoseconds since
  // the Unix epoch (Loki's unit; 1000, the 1970->2000 offset), the low digits a sequence that
  // keeps the insertion order of a stream's lines sharing a µs (write_buffer.cpp).
  int64_t time_per_us;
  int64_t stored_epoch_us;
  // A chunk is cut at this many rows or raw bytes of variable-width columns.
  size_t chunk_target_rows;
  size_t chunk_target_bytes;
  // Whether a chunk that reached half of chunk_target_bytes counts as full (level 1: compaction
  // leaves it alone) as well as one of half the rows. observe_ts counts rows only.
  bool full_by_bytes;
  // Series key columns when the table has no set_series_key setting.
  bool (*default_key)(const TsAttr& attr);
  // Codec options of a value column's chunk::Column (zstd level, layout, token filter).
  void (*column_codec)(const TsAttr& attr, chunk::Column& column);
  // PromQL (ts_select) and the GROUP BY aggregate custom scan serve this AM.
  bool metrics_queries;
};

const EngineProfile& ts_profile();
const EngineProfile& log_profile();

// The profile of an engine table (by its AM routine), or null for any other relation.
const EngineProfile* engine_profile(Relation rel);
// The same by OID, from the syscache (opens nothing); null if not an engine table.
const EngineProfile* engine_relid_profile(Oid relid);

// Stored time <-> the time column's µs. The µs of a stored time is its floor; a µs range
// [lo, hi] covers stored [stored_lo(lo), stored_hi(hi)]. Out-of-range µs saturate (reads) or
// throw kInvalidParameter (to_stored, writes).
int64_t engine_time_to_stored(const EngineProfile& p, int64_t us);
int64_t engine_stored_to_time(const EngineProfile& p, int64_t stored);
int64_t engine_stored_lo(const EngineProfile& p, int64_t us);
int64_t engine_stored_hi(const EngineProfile& p, int64_t us);

}  // namespace observe::pg
