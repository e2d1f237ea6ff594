// How an observe_ts table's columns map to storage: the time column (chunk times, µs), the
// series key columns (stored once per series in the dictionary) and the value columns (chunk
// columns, in attribute order, dropped attributes included so old chunks stay aligned).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/chunk/chunk.h"
#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"
#include "pg/engine/profile.h"

namespace observe::pg {

struct TsAttr {
  Oid type = InvalidOid;  // InvalidOid for a dropped attribute
  int16 typlen = 0;
  bool byval = false;
  char align = 'c';
  std::string name;
  chunk::ColumnKind kind = chunk::ColumnKind::kBytes;
  int column = -1;  // chunk column index, or -1 (time, key)
};

struct TsLayout {
  const EngineProfile* profile = nullptr;  // the table's AM: time units, chunk sizes, codecs
  Oid relid = InvalidOid;
  Oid storage_id = InvalidOid;
  int natts = 0;
  int time_att = -1;  // 0-based
  std::vector<int> key_atts;
  std::vector<int> value_atts;  // chunk column j holds attribute value_atts[j]
  std::vector<TsAttr> attrs;
  // (time timestamptz, name text, labels jsonb, value float8) in some order: the metric shape
  // that ts_append_samples/ts_select work on.
  bool metrics_shape = false;
  int name_att = -1, labels_att = -1, value_att = -1;
};

// The layout of an observe_ts relation, cached per backend and recomputed when the relation
// changes. Throws a clear error when the table has no usable time column.
std::shared_ptr<const TsLayout> ts_layout(Relation rel);

// The layout as it was under an older descriptor of the relation: ALTER TABLE rewrites read the
// old rows with the descriptor they were written under (not cached).
std::shared_ptr<const TsLayout> ts_layout_for_desc(Relation rel, TupleDesc desc);

// Drops cached layouts (relcache invalidation; relid InvalidOid: all).
void ts_layout_invalidate(Oid relid);

// Whether a type is stored as a series key column by default.
bool ts_is_key_type(Oid type);

// Reads observe._ts_options for relid: false when there is no row. time_column / key_columns
// receive palloc'd names (key_columns NULL-terminated).
bool ts_read_options(Oid relid, char** time_column, char*** key_columns);

}  // namespace observe::pg
