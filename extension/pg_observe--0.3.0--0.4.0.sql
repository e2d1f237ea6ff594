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
