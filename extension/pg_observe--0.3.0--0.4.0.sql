-- pg_observe 0.3.0 -> 0.4.0 (ALTER EXTENSION pg_observe UPDATE).
\echo Use "ALTER EXTENSION pg_observe UPDATE" to load this file. \quit

-- observe_log and observe.logs (extension/0.4.0/15_log_storage.sql).
CREATE FUNCTION observe.log_am_handler(internal) RETURNS table_am_handler
  AS 'MODULE_PATHNAME', 'observe_log_am_handler' LANGUAGE C STRICT;
CREATE ACCESS METHOD observe_log TYPE TABLE HANDLER observe.log_am_handler;
COMMENT ON ACCESS METHOD observe_log IS 'pg_observe compressed log storage (Loki-style streams)';
CREATE TABLE observe.logs (
  time timestamptz NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  line text NOT NULL,
  metadata jsonb
) USING observe_log;
COMMENT ON TABLE observe.logs IS
  'Loki-style log lines: stream key labels; metadata holds structured metadata (not in the key)';
SELECT pg_catalog.pg_extension_config_dump('observe.logs', '');
GRANT SELECT ON observe.logs TO observe_reader;

-- observe.push_loki (extension/0.4.0/17_push_loki.sql).

CREATE FUNCTION observe.push_loki(payload text, target regclass DEFAULT 'observe.logs')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_push_loki'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION observe.push_loki(text, regclass) IS
  'stores a Loki push request in JSON ({"streams": [{"stream": {...}, "values": [["<ns>", "line", {metadata}?]]}]}); returns the lines stored (exact duplicates of stored lines are dropped, as Loki drops them); needs INSERT on target';

-- content_encoding has no default: push_loki('...', 'tbl') must resolve to the text form.
CREATE FUNCTION observe.push_loki(payload bytea, content_type text, content_encoding text,
                                  target regclass DEFAULT 'observe.logs')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_push_loki_request'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION observe.push_loki(bytea, text, text, regclass) IS
  'stores a Loki push request body as HTTP carries it: application/json or snappy-compressed protobuf (any other content type), content encoding gzip, deflate, snappy or none';

-- LogQL from SQL (extension/0.4.0/25_logql.sql); observe_reader's grants as 40_grafana.sql gives them.

CREATE FUNCTION observe.logql(query text, start_time timestamptz, end_time timestamptz,
                              max_lines int DEFAULT 1000, direction text DEFAULT 'backward',
                              source regclass DEFAULT 'observe.logs')
  RETURNS TABLE ("time" timestamptz, labels text, line text)
  AS 'MODULE_PATHNAME', 'observe_logql'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 1000;
COMMENT ON FUNCTION observe.logql(text, timestamptz, timestamptz, int, text, regclass) IS
  'LogQL log query: lines with start_time <= time < end_time after the pipeline, the max_lines newest (backward) or oldest (forward), in that order';

CREATE FUNCTION observe.logql_range(query text, start_time timestamptz, end_time timestamptz,
                                    step interval, source regclass DEFAULT 'observe.logs')
  RETURNS TABLE ("time" timestamptz, metric text, value float8)
  AS 'MODULE_PATHNAME', 'observe_logql_range'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 1000;
COMMENT ON FUNCTION observe.logql_range(text, timestamptz, timestamptz, interval, regclass) IS
  'LogQL metric query over a range, rows ordered by time (as observe.promql_range)';

CREATE FUNCTION observe.logql_range_series(query text, start_time timestamptz, end_time timestamptz,
                                           step interval, source regclass DEFAULT 'observe.logs')
  RETURNS TABLE (metric text, first_time timestamptz, time_step interval, value float8[])
  AS 'MODULE_PATHNAME', 'observe_logql_range_series'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION observe.logql_range_series(text, timestamptz, timestamptz, interval, regclass) IS
  'LogQL metric query over a range, one row per series: value[k] is the point at first_time + (k-1) * time_step, NULL where none';

CREATE FUNCTION observe.logql_instant(query text, at timestamptz DEFAULT now(),
                                      source regclass DEFAULT 'observe.logs')
  RETURNS TABLE ("time" timestamptz, metric text, value float8)
  AS 'MODULE_PATHNAME', 'observe_logql_instant'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION observe.logql_instant(text, timestamptz, regclass) IS
  'LogQL metric query at one time (as observe.promql)';
GRANT EXECUTE ON FUNCTION observe.logql(text, timestamptz, timestamptz, int, text, regclass) TO observe_reader;
GRANT EXECUTE ON FUNCTION observe.logql_range(text, timestamptz, timestamptz, interval, regclass) TO observe_reader;
GRANT EXECUTE ON FUNCTION observe.logql_range_series(text, timestamptz, timestamptz, interval, regclass) TO observe_reader;
GRANT EXECUTE ON FUNCTION observe.logql_instant(text, timestamptz, regclass) TO observe_reader;

-- observe.delete_logs and per-stream retention (extension/0.4.0/18_delete_retention.sql).
ALTER TABLE observe._ts_options ADD COLUMN stream_retention jsonb;
CREATE FUNCTION observe.delete_logs(selector text, start_time timestamptz, end_time timestamptz,
    line_filter text DEFAULT NULL, target regclass DEFAULT 'observe.logs')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_delete_logs'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION observe.delete_logs(text, timestamptz, timestamptz, text, regclass) IS
  'removes the lines the LogQL log query "selector line_filter" returns with start_time <= time <= end_time (NULL: unbounded) by rewriting the chunks that hold them; returns the lines removed; needs DELETE and SELECT on target';

-- Retention per stream selector (Loki's retention_stream), applied with the table's retention
-- by the maintenance worker through observe.apply_retention.
CREATE FUNCTION observe.set_retention(tbl regclass, retention interval, selector text, priority int DEFAULT 0)
  RETURNS void AS 'MODULE_PATHNAME', 'observe_set_stream_retention' LANGUAGE C;
COMMENT ON FUNCTION observe.set_retention(regclass, interval, text, int) IS
  'keeps the rows of the series matching a stream selector ({app="api"}) for this long (NULL: removes the rule); of several matching rules the highest priority wins, then the shortest retention; applied by the maintenance worker';

CREATE FUNCTION observe.apply_retention(tbl regclass) RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_apply_retention' LANGUAGE C STRICT;
COMMENT ON FUNCTION observe.apply_retention(regclass) IS
  'drops the chunks whose rows every retention rule of the table (per stream selector, then the table''s) has expired; returns the rows dropped';

-- Retention settings of the tables the user may read: the table's (selector NULL) and per stream.
CREATE VIEW observe.retention_policies AS
  SELECT o.relid::regclass AS relation, NULL::text AS selector, NULL::int AS priority, o.retention
  FROM observe._ts_options o
  WHERE o.retention IS NOT NULL AND has_table_privilege(o.relid, 'SELECT')
  UNION ALL
  SELECT o.relid::regclass, r.selector, r.priority, r.retention::interval
  FROM observe._ts_options o,
       jsonb_to_recordset(coalesce(o.stream_retention, '[]')) AS r(selector text, priority int, retention text)
  WHERE has_table_privilege(o.relid, 'SELECT');
GRANT SELECT ON observe.retention_policies TO observe_reader;
