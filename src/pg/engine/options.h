// Per-table settings of observe_ts (time column, series key, retention): applying them, and
// carrying them through pg_dump. The settings live in observe._ts_options, keyed by table OID,
// which a dump cannot carry (the OID changes and the rows would be restored after the table's
// data). They are therefore mirrored into a security label of provider "observe" on the table,
//   SECURITY LABEL FOR observe ON TABLE t IS '{"time_column": "ts", "series_key": ["host"],
//                                             "retention": "30 days", "stream_retention":
//                                             [{"selector": "{env=\"dev\"}", "priority": 0,
//                                               "retention": "1 day"}]}'
// which pg_dump writes right after CREATE TABLE (before the data), and which applies the
// settings again when restored. pg_dump writes no labels of an extension's own tables
// (observe.metrics): theirs are also kept in observe._member_ts_options, whose rows it dumps
// and whose trigger sets the label again on restore.
#pragma once

#include <string_view>

#include "core/common/matcher.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

// C++ (throw observe::Error): the checks and effects of set_series_key / set_retention.
void ts_apply_series_key(Oid relid, const char* time_name, Datum keys);
void ts_apply_retention(Oid relid, Datum interval, bool isnull);
// The per-stream retention rules as a whole (a jsonb array, NULL: none), from a settings label.
void ts_apply_stream_rules(Oid relid, Datum rules, bool isnull);
// One rule by its selector text (NULL interval: removed).
void ts_apply_stream_rule(Oid relid, const char* selector, Datum interval, bool isnull, int32 priority);
// The matchers of a retention rule's stream selector ({app="api"}); throws observe::Error
// (kSyntax with a position, or kInvalidParameter for a pipeline).
Matchers ts_parse_stream_selector(std::string_view selector);

// PostgreSQL side (may ereport): writes the table's label from observe._ts_options.
void ts_options_label_sync(Oid relid);
// Registers the label provider (from _PG_init).
void ts_options_label_init();

}  // namespace observe::pg
