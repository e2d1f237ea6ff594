-- observe_ts: the compressed time-series table access method (docs/architecture.md, storage).
--
-- Rows of an observe_ts table live in the internal heap tables below, shared by every observe_ts
-- table and keyed by the table's storage id (its relfilenode): the series dictionary and the
-- compressed chunks. Being heap tables they bring MVCC, WAL, VACUUM and replication. They are
-- extension members and not marked for dump: pg_dump dumps the user's tables by COPY through the
-- access method, so their rows must not be dumped a second time.

CREATE FUNCTION observe.ts_am_handler(internal) RETURNS table_am_handler
  AS 'MODULE_PATHNAME', 'observe_ts_am_handler' LANGUAGE C STRICT;
CREATE ACCESS METHOD observe_ts TYPE TABLE HANDLER observe.ts_am_handler;
COMMENT ON ACCESS METHOD observe_ts IS 'pg_observe compressed time-series storage';

-- Per-table settings that differ from the defaults (time column = first timestamptz/timestamp
-- column, series key = the text-like and jsonb columns).
CREATE TABLE observe._ts_options (
  relid oid PRIMARY KEY,
  time_column name,
  key_columns name[],
  retention interval,
  -- per stream selector: [{"selector": "{env=\"dev\"}", "priority": 0, "retention": "1 day"}]
  stream_retention jsonb
);

-- The series dictionary: one row per distinct series key of a table. `key` is the key columns'
-- datum images; `labels` the series as a Prometheus-style label set (for label matching).
CREATE TABLE observe._ts_series (
  storage_id oid NOT NULL,
  series_id int4 NOT NULL,
  key_hash int8 NOT NULL,
  key bytea NOT NULL,
  labels jsonb,
  PRIMARY KEY (storage_id, series_id)
);
CREATE INDEX _ts_series_key ON observe._ts_series (storage_id, key_hash);
-- No index on labels: series are matched by labels in each backend's series dictionary, never
-- through this table, and a GIN index cost a tenth of the CPU of creating a series.
-- Series ids of every observe_ts table: never reused and not rolled back, so creating a series
-- holds no lock that other writers of the table wait for (docs/architecture.md).
CREATE SEQUENCE observe._ts_series_id_seq AS int4 MINVALUE 1;
REVOKE ALL ON SEQUENCE observe._ts_series_id_seq FROM PUBLIC;

-- Compressed chunks: the rows of one series, in time order, as one chunk-format byte string.
-- `data` is already compressed: stored out of line when large but never pglz'ed again.
CREATE TABLE observe._ts_chunks (
  storage_id oid NOT NULL,
  series_id int4 NOT NULL,
  min_time int8 NOT NULL,
  max_time int8 NOT NULL,
  row_count int4 NOT NULL,
  level int2 NOT NULL,
  data bytea NOT NULL
);
ALTER TABLE observe._ts_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX _ts_chunks_series_time ON observe._ts_chunks (storage_id, series_id, max_time);

REVOKE ALL ON observe._ts_options, observe._ts_series, observe._ts_chunks FROM PUBLIC;

CREATE FUNCTION observe.set_series_key(tbl regclass, time_column name, key_columns name[])
  RETURNS void AS 'MODULE_PATHNAME', 'observe_ts_set_series_key' LANGUAGE C;
COMMENT ON FUNCTION observe.set_series_key(regclass, name, name[]) IS
  'sets the time column and series key columns of an empty observe_ts table';

CREATE FUNCTION observe.storage_stats(tbl regclass, OUT rows bigint, OUT series bigint,
    OUT chunks bigint, OUT raw_bytes bigint, OUT stored_bytes bigint, OUT bytes_per_row float8)
  AS 'MODULE_PATHNAME', 'observe_ts_storage_stats' LANGUAGE C STRICT;
COMMENT ON FUNCTION observe.storage_stats(regclass) IS
  'rows, series, chunks, raw and stored bytes of an observe_ts table';

CREATE FUNCTION observe.drop_chunks(tbl regclass, older_than timestamptz) RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_ts_drop_chunks' LANGUAGE C STRICT;
COMMENT ON FUNCTION observe.drop_chunks(regclass, timestamptz) IS
  'deletes the chunks of an observe_ts table whose newest row is older than older_than; returns the rows deleted';

CREATE FUNCTION observe.set_retention(tbl regclass, retention interval) RETURNS void
  AS 'MODULE_PATHNAME', 'observe_ts_set_retention' LANGUAGE C;
COMMENT ON FUNCTION observe.set_retention(regclass, interval) IS
  'keeps rows of an observe_ts table for this long (NULL: forever); applied by the maintenance worker';

CREATE FUNCTION observe.compact(tbl regclass) RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_ts_compact' LANGUAGE C STRICT;
COMMENT ON FUNCTION observe.compact(regclass) IS
  'merges each series'' small chunks into long chunks; returns the chunks rewritten';

-- The default metrics table. Its rows are dumped (pg_extension_config_dump) through the AM.
CREATE TABLE observe.metrics (
  time timestamptz NOT NULL,
  name text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  value float8
) USING observe_ts;
COMMENT ON TABLE observe.metrics IS
  'Prometheus-style samples: series key (name, labels); labels holds every label but the name';
SELECT pg_catalog.pg_extension_config_dump('observe.metrics', '');

-- Settings of the extension's own observe_ts tables (observe.metrics). pg_dump writes no
-- security labels of extension members, so their settings label is also kept here, in a
-- configuration table whose rows pg_dump does dump; restoring a row sets the label again, which
-- applies the settings. Written by observe.set_retention / set_series_key.
CREATE TABLE observe._member_ts_options (
  relation text PRIMARY KEY,  -- schema-qualified, quoted name
  settings text NOT NULL      -- the table's "observe" security label
);
SELECT pg_catalog.pg_extension_config_dump('observe._member_ts_options', '');
REVOKE ALL ON observe._member_ts_options FROM PUBLIC;

CREATE FUNCTION observe._apply_member_ts_options() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  EXECUTE format('SECURITY LABEL FOR observe ON TABLE %s IS %L', NEW.relation, NEW.settings);
  RETURN NULL;
END
$$;
CREATE TRIGGER apply_settings AFTER INSERT OR UPDATE ON observe._member_ts_options
  FOR EACH ROW EXECUTE FUNCTION observe._apply_member_ts_options();
