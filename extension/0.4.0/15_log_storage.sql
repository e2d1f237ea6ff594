-- observe_log: the log table access method, on the same storage engine as observe_ts
-- (docs/architecture.md, "One engine, two access methods"). Its rows live in the same internal
-- tables (observe._ts_series, _ts_chunks, _ts_options), keyed by the table's storage id; the
-- settings functions (set_retention, drop_chunks, compact, storage_stats) serve both.

CREATE FUNCTION observe.log_am_handler(internal) RETURNS table_am_handler
  AS 'MODULE_PATHNAME', 'observe_log_am_handler' LANGUAGE C STRICT;
CREATE ACCESS METHOD observe_log TYPE TABLE HANDLER observe.log_am_handler;
COMMENT ON ACCESS METHOD observe_log IS 'pg_observe compressed log storage (Loki-style streams)';

-- The default logs table. Series key (stream) = labels; metadata = Loki's structured metadata,
-- not part of the stream. Times are kept in nanoseconds internally (µs * 1000 + the order of a
-- stream's lines within a µs). Its rows are dumped (pg_extension_config_dump) through the AM.
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
