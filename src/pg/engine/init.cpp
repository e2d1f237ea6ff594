// observe_ts's part of _PG_init: its GUCs, callbacks and hooks.
#include "pg/border/border.h"
#include "pg/engine/agg.h"
#include "pg/engine/compact.h"
#include "pg/engine/header_cache.h"
#include "pg/ts/ts_am.h"
#include "pg/engine/layout.h"
#include "pg/engine/scan.h"
#include "pg/engine/series.h"
#include "pg/engine/write_buffer.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

static void relcache_callback(Datum, Oid relid) {
  // Only drops references: users of a layout or dictionary hold their own.
  ts_layout_invalidate(relid);
  ts_series_relcache_invalidated(relid);
}

void ts_am_init() {
  DefineCustomIntVariable(
      "observe.write_buffer_size",
      "Memory for rows an observe_ts write buffers per transaction before writing chunks.",
      "Rows are written as compressed chunks at commit, before the transaction reads the table, "
      "and whenever the buffer grows past this size.",
      &ts_write_buffer_kb, 64 * 1024, 1024, MAX_KILOBYTES, PGC_USERSET, GUC_UNIT_KB, nullptr,
      nullptr, nullptr);
  DefineCustomIntVariable(
      "observe.batch_directory_cache",
      "Memory each backend keeps for the parsed directories of observe_ts L0 batches.",
      "A query for a few series looks into every uncompacted L0 batch of its time range; with "
      "the batch's directory kept, only batches that hold one of its series are read. 0 turns "
      "the cache off.",
      &ts_batch_cache_kb, 16 * 1024, 0, MAX_KILOBYTES, PGC_USERSET, GUC_UNIT_KB, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "observe.series_gc_slice",
      "Series without chunks that one compaction (or observe.series_gc) removes at most.",
      "Each is probed once more under the table's ShareLock (held at most 100 ms); the scan that "
      "found them is kept by the process for the next calls, which remove the next slice.",
      &ts_series_gc_slice, 50000, 1, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  ts_header_cache_init();
  ts_buffer_init();
  CacheRegisterRelcacheCallback(relcache_callback, 0);
  ts_customscan_init();
  ts_agg_init();
  ts_lifecycle_init();
  ts_maintenance_init();
}

}  // namespace observe::pg
