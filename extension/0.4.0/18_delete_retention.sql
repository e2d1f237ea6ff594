-- Deleting log lines (issue 13: the GDPR request) and per-stream retention.

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
