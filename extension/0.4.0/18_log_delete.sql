-- Deleting log lines (issue 13: the GDPR request) and per-stream retention.

CREATE FUNCTION observe.delete_logs(selector text, start_time timestamptz, end_time timestamptz,
    line_filter text DEFAULT NULL, target regclass DEFAULT 'observe.logs')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_delete_logs'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION observe.delete_logs(text, timestamptz, timestamptz, text, regclass) IS
  'removes the lines the LogQL log query "selector line_filter" returns with start_time <= time <= end_time (NULL: unbounded) by rewriting the chunks that hold them; returns the lines removed; needs DELETE and SELECT on target';
