-- pg_observe 0.3.0 install script (released; assembled from its parts when 0.3.0 was current).
\echo Use "CREATE EXTENSION pg_observe" to load this file. \quit

-- extension/0.3.0/00_schema.sql
-- Schema and basics. Every object lives in schema observe, a member of the extension, so
-- DROP EXTENSION removes everything it created.

CREATE SCHEMA observe;
COMMENT ON SCHEMA observe IS 'pg_observe: metrics and logs inside PostgreSQL';

CREATE FUNCTION observe.version() RETURNS text
  AS 'MODULE_PATHNAME', 'observe_version'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.version() IS 'version of the loaded pg_observe library';

-- The extension's roles. Roles are cluster-wide: a role pg_observe made for another database
-- (or before a DROP EXTENSION) is used again; a role of the same name made by anyone else is
-- refused, or it would silently receive the extension's grants. pg_observe's roles carry the
-- security label "pg_observe" of provider observe, which only a superuser may set.
DO $roles$
DECLARE
  r text;
BEGIN
  PERFORM observe.version();  -- loads the library, which provides the label (not preloaded?)
  FOREACH r IN ARRAY ARRAY['observe_ingest_admin', 'observe_reader'] LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXECUTE format('SECURITY LABEL FOR observe ON ROLE %I IS %L', r, 'pg_observe');
    ELSIF NOT EXISTS (SELECT FROM pg_catalog.pg_shseclabel l JOIN pg_catalog.pg_roles o ON o.oid = l.objoid
                       WHERE l.classoid = 'pg_catalog.pg_authid'::regclass AND l.provider = 'observe'
                         AND l.label = 'pg_observe' AND o.rolname = r) THEN
      RAISE EXCEPTION 'role "%" already exists and was not created by pg_observe', r
        USING ERRCODE = 'duplicate_object',
              DETAIL = 'pg_observe grants its privileges to this role; it will not adopt a role someone else made.',
              HINT = format('Drop or rename that role (ALTER ROLE %I RENAME TO ...) and create the extension again; '
                            'or, if it is meant for pg_observe, a superuser marks it: '
                            'SECURITY LABEL FOR observe ON ROLE %I IS ''pg_observe''', r, r);
    END IF;
  END LOOP;
END
$roles$;

-- extension/0.3.0/10_ts_storage.sql
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
  retention interval
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
CREATE INDEX _ts_series_labels ON observe._ts_series USING gin (labels jsonb_path_ops);
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

-- extension/0.3.0/20_promql.sql
-- PromQL from SQL: staleness markers, series strings, and (with the engine) promql/promql_range.

CREATE FUNCTION observe.stale_marker() RETURNS float8
  AS 'MODULE_PATHNAME', 'observe_stale_marker'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.stale_marker() IS
  'Prometheus''s staleness marker: the NaN with bits 0x7ff0000000000002';

CREATE FUNCTION observe.is_stale(value float8) RETURNS bool
  AS 'MODULE_PATHNAME', 'observe_is_stale'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.is_stale(float8) IS
  'true when value is the staleness marker (and not any other NaN)';

CREATE FUNCTION observe.labels(metric text) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'observe_labels'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.labels(text) IS
  'parses a series string such as up{job="api"} into {"__name__":"up","job":"api"}';

CREATE FUNCTION observe.promql(query text, at timestamptz DEFAULT now(),
                               source regclass DEFAULT 'observe.metrics')
  RETURNS TABLE ("time" timestamptz, metric text, value float8)
  AS 'MODULE_PATHNAME', 'observe_promql'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION observe.promql(text, timestamptz, regclass) IS
  'PromQL instant query at a time, on observe.metrics or another observe_ts table of its shape';

CREATE FUNCTION observe.promql_range(query text, start_time timestamptz, end_time timestamptz,
                                     step interval, source regclass DEFAULT 'observe.metrics')
  RETURNS TABLE ("time" timestamptz, metric text, value float8)
  AS 'MODULE_PATHNAME', 'observe_promql_range'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 1000;
COMMENT ON FUNCTION observe.promql_range(text, timestamptz, timestamptz, interval, regclass) IS
  'PromQL range query, rows ordered by time, on observe.metrics or another observe_ts table';

CREATE FUNCTION observe.promql_range_series(query text, start_time timestamptz, end_time timestamptz,
                                            step interval, source regclass DEFAULT 'observe.metrics')
  RETURNS TABLE (metric text, first_time timestamptz, time_step interval, value float8[])
  AS 'MODULE_PATHNAME', 'observe_promql_range_series'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION observe.promql_range_series(text, timestamptz, timestamptz, interval, regclass) IS
  'PromQL range query, one row per series: value[k] is the point at first_time + (k-1) * time_step, NULL where none';

-- extension/0.3.0/30_scrape.sql
-- Scraping: the targets the scrape worker polls, with Prometheus's defaults, and their health.

-- Who may change ingestion (a scrape target is an outbound request from the database server);
-- the role is created in 00_schema.sql. Where targets may point is the superuser's to decide
-- (observe.outbound_allow_networks / observe.outbound_deny_networks).

CREATE TABLE observe.scrape_targets (
  job               text     NOT NULL CHECK (job <> ''),
  url               text     NOT NULL CHECK (url ~* '^https?://'),
  scrape_interval   interval NOT NULL DEFAULT '1 minute'
                    CHECK (scrape_interval >= '100 milliseconds'),
  -- NULL means Prometheus's default: min(10s, scrape_interval)
  scrape_timeout    interval CHECK (scrape_timeout > '0'),
  labels            jsonb    NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
  honor_labels      bool     NOT NULL DEFAULT false,
  honor_timestamps  bool     NOT NULL DEFAULT true,
  sample_limit      int      NOT NULL DEFAULT 0 CHECK (sample_limit >= 0),
  enabled           bool     NOT NULL DEFAULT true,
  PRIMARY KEY (job, url),
  CONSTRAINT scrape_timeout_within_interval
    CHECK (scrape_timeout IS NULL OR scrape_timeout <= scrape_interval)
);
COMMENT ON TABLE observe.scrape_targets IS
  'Prometheus scrape targets polled by the pg_observe scrape worker; changes apply within seconds';
SELECT pg_catalog.pg_extension_config_dump('observe.scrape_targets', '');
REVOKE ALL ON observe.scrape_targets FROM PUBLIC;
GRANT USAGE ON SCHEMA observe TO observe_ingest_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON observe.scrape_targets TO observe_ingest_admin;

-- Written by the scrape worker after every scrape, in the scrape's own transaction.
CREATE TABLE observe._scrape_status (
  job               text NOT NULL,
  url               text NOT NULL,
  instance          text NOT NULL,
  last_scrape       timestamptz NOT NULL,
  last_duration     float8 NOT NULL,
  samples_scraped   int NOT NULL,
  series_added      int NOT NULL,
  up                bool NOT NULL,
  last_error        text,
  PRIMARY KEY (job, url),
  lock_timeouts     bigint NOT NULL DEFAULT 0
);

-- observe_reader reads this view, so column by column: the URL without userinfo and with the
-- values of secret-looking query parameters replaced; the error as the worker stored it
-- (scrape::public_error: no response body bytes) and bounded. Full URLs stay in
-- observe.scrape_targets (observe_ingest_admin).
CREATE VIEW observe.scrape_target_health AS
SELECT t.job,
       regexp_replace(regexp_replace(t.url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@', '\1'),
                      '([?&;][^=&#;]*(token|secret|passw|pwd|key|auth|sig|credential|session|jwt|bearer|private)[^=&#;]*=)[^&#;]*',
                      '\1REDACTED', 'gi') AS url,
       s.instance, t.enabled, s.up, s.last_scrape,
       s.last_duration AS last_duration_seconds, s.samples_scraped, s.series_added,
       left(s.last_error, 256) AS last_error, t.scrape_interval,
       coalesce(t.scrape_timeout, least(interval '10 seconds', t.scrape_interval)) AS scrape_timeout,
       s.lock_timeouts
  FROM observe.scrape_targets t
  LEFT JOIN observe._scrape_status s USING (job, url);
COMMENT ON VIEW observe.scrape_target_health IS
  'per target: last scrape time, duration, samples, up, the last error and how often writing its samples timed out on a lock';
GRANT SELECT ON observe.scrape_target_health TO observe_ingest_admin;

CREATE FUNCTION observe.ingest_prometheus_text(payload text, labels jsonb DEFAULT '{}',
                                               at timestamptz DEFAULT now())
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_ingest_prometheus_text'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION observe.ingest_prometheus_text(text, jsonb, timestamptz) IS
  'parses a Prometheus text 0.0.4 or OpenMetrics payload and writes its samples into observe.metrics; '
  'labels are defaults the payload''s own labels override; samples without a timestamp get at';
REVOKE ALL ON FUNCTION observe.ingest_prometheus_text(text, jsonb, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.ingest_prometheus_text(text, jsonb, timestamptz) TO observe_ingest_admin;

-- Written by the maintenance worker after each table's retention and compaction.
CREATE TABLE observe._maintenance_status (
  relid          oid PRIMARY KEY,
  last_run       timestamptz NOT NULL,
  last_error     text,
  lock_timeouts  bigint NOT NULL DEFAULT 0
);
REVOKE ALL ON observe._maintenance_status FROM PUBLIC;
CREATE VIEW observe.ts_maintenance_health AS
SELECT c.oid::regclass AS table_name, m.last_run, m.last_error, coalesce(m.lock_timeouts, 0) AS lock_timeouts
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_am a ON a.oid = c.relam AND a.amname = 'observe_ts'
  LEFT JOIN observe._maintenance_status m ON m.relid = c.oid
 WHERE c.relkind = 'r';
COMMENT ON VIEW observe.ts_maintenance_health IS
  'per observe_ts table: the maintenance worker''s last run, its last error and how often it gave up waiting for a lock';
GRANT SELECT ON observe.ts_maintenance_health TO observe_ingest_admin;

-- extension/0.3.0/40_grafana.sql
-- Grafana: label names and values for dashboard template variables, and a read-only role for
-- the data source (docs/grafana.md).

-- A PromQL series selector (`name{label="v", other=~"re"}`, `{__name__=~"node_.*"}`) as rows of
-- (label, op, value). PL/pgSQL, not C: the contract needs only these four matcher kinds, and a
-- Grafana variable query is one call per dashboard load.
CREATE FUNCTION observe._parse_selector(selector text)
  RETURNS TABLE (label text, op text, value text)
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  s text := btrim(selector, E' \t\n\r');
  tok text;
  q text;
  raw text;
  i int;
  c text;
BEGIN
  tok := substring(s FROM '^[a-zA-Z_:][a-zA-Z0-9_:]*');
  IF tok IS NOT NULL THEN
    label := '__name__'; op := '='; value := tok;
    RETURN NEXT;
    s := ltrim(substr(s, length(tok) + 1), E' \t\n\r');
  END IF;
  IF s = '' THEN
    IF tok IS NULL THEN
      RAISE EXCEPTION 'invalid series selector "%": empty', selector USING ERRCODE = 'syntax_error';
    END IF;
    RETURN;
  END IF;
  IF left(s, 1) <> '{' THEN
    RAISE EXCEPTION 'invalid series selector "%": expected "{" at "%"', selector, s
      USING ERRCODE = 'syntax_error';
  END IF;
  s := ltrim(substr(s, 2), E' \t\n\r');
  LOOP
    IF left(s, 1) = '}' THEN
      s := ltrim(substr(s, 2), E' \t\n\r');
      EXIT;
    END IF;
    label := substring(s FROM '^[a-zA-Z_][a-zA-Z0-9_]*');
    IF label IS NULL THEN
      RAISE EXCEPTION 'invalid series selector "%": expected a label name at "%"', selector, s
        USING ERRCODE = 'syntax_error';
    END IF;
    s := ltrim(substr(s, length(label) + 1), E' \t\n\r');
    op := substring(s FROM '^(=~|!~|!=|=)');
    IF op IS NULL THEN
      RAISE EXCEPTION 'invalid series selector "%": expected =, !=, =~ or !~ at "%"', selector, s
        USING ERRCODE = 'syntax_error';
    END IF;
    s := ltrim(substr(s, length(op) + 1), E' \t\n\r');
    q := left(s, 1);
    IF q = '`' THEN  -- raw string: no escapes
      raw := substring(s FROM '^`([^`]*)`');
      IF raw IS NULL THEN
        RAISE EXCEPTION 'invalid series selector "%": unterminated string', selector
          USING ERRCODE = 'syntax_error';
      END IF;
      value := raw;
      s := substr(s, length(raw) + 3);
    ELSIF q IN ('"', '''') THEN  -- Go-quoted string
      value := '';
      i := 2;
      LOOP
        c := substr(s, i, 1);
        IF c = '' THEN
          RAISE EXCEPTION 'invalid series selector "%": unterminated string', selector
            USING ERRCODE = 'syntax_error';
        ELSIF c = q THEN
          EXIT;
        ELSIF c = '\' THEN
          i := i + 1;
          c := substr(s, i, 1);
          CASE c
            WHEN '\', '"', '''' THEN value := value || c;
            WHEN 'n' THEN value := value || E'\n';
            WHEN 't' THEN value := value || E'\t';
            WHEN 'r' THEN value := value || E'\r';
            WHEN 'a' THEN value := value || chr(7);
            WHEN 'b' THEN value := value || chr(8);
            WHEN 'f' THEN value := value || chr(12);
            WHEN 'v' THEN value := value || chr(11);
            WHEN 'x' THEN
              value := value || chr(('x' || lpad(substr(s, i + 1, 2), 8, '0'))::bit(32)::int);
              i := i + 2;
            WHEN 'u' THEN
              value := value || chr(('x' || lpad(substr(s, i + 1, 4), 8, '0'))::bit(32)::int);
              i := i + 4;
            ELSE
              RAISE EXCEPTION 'invalid series selector "%": unknown escape sequence "\%"', selector, c
                USING ERRCODE = 'syntax_error';
          END CASE;
        ELSE
          value := value || c;
        END IF;
        i := i + 1;
      END LOOP;
      s := substr(s, i + 1);
    ELSE
      RAISE EXCEPTION 'invalid series selector "%": expected a quoted string at "%"', selector, s
        USING ERRCODE = 'syntax_error';
    END IF;
    RETURN NEXT;
    s := ltrim(s, E' \t\n\r');
    IF left(s, 1) = ',' THEN
      s := ltrim(substr(s, 2), E' \t\n\r');
    ELSIF left(s, 1) <> '}' THEN
      RAISE EXCEPTION 'invalid series selector "%": expected "," or "}" at "%"', selector, s
        USING ERRCODE = 'syntax_error';
    END IF;
  END LOOP;
  IF s <> '' THEN
    RAISE EXCEPTION 'invalid series selector "%": unexpected "%"', selector, s
      USING ERRCODE = 'syntax_error';
  END IF;
END
$fn$;

-- The WHERE clause that selects a selector's rows from a table shaped like observe.metrics.
-- Label equality becomes `labels @> '{"l":"v"}'` and the name `name = 'n'`: the predicates the
-- storage engine and a GIN index can use. Regexes are anchored and dot-all, as in Prometheus;
-- a missing label is the empty string. Like Prometheus, refuses a selector whose every matcher
-- matches the empty string (it would select everything by accident).
CREATE FUNCTION observe._selector_where(selector text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  m record;
  conds text[] := '{}';
  col text;
  re text;
  non_empty bool := false;
BEGIN
  IF selector IS NULL THEN
    RETURN 'true';
  END IF;
  FOR m IN SELECT * FROM observe._parse_selector(selector) LOOP
    col := CASE WHEN m.label = '__name__' THEN 'name'
                ELSE format('coalesce(labels->>%L, %L)', m.label, '') END;
    -- RE2's leading (?i) is common in Prometheus selectors; PostgreSQL takes embedded
    -- options only at the very start, so it goes before the anchor.
    re := coalesce(substring(m.value FROM '^\(\?i\)'), '')
          || '^(?:' || regexp_replace(m.value, '^\(\?i\)', '') || ')$';
    IF m.op = '=' AND m.label = '__name__' THEN
      conds := conds || format('name = %L', m.value);
    ELSIF m.op = '=' AND m.value <> '' THEN
      conds := conds || format('labels @> %L::jsonb', jsonb_build_object(m.label, m.value));
    ELSIF m.op = '=' THEN
      conds := conds || format('%s = %L', col, m.value);
    ELSIF m.op = '!=' THEN
      conds := conds || format('%s <> %L', col, m.value);
    ELSIF m.op = '=~' THEN
      conds := conds || format('%s ~ %L', col, re);
    ELSE
      conds := conds || format('%s !~ %L', col, re);
    END IF;
    non_empty := non_empty OR NOT CASE m.op WHEN '=' THEN m.value = ''
                                            WHEN '!=' THEN m.value <> ''
                                            WHEN '=~' THEN '' ~ re
                                            ELSE '' !~ re END;
  END LOOP;
  IF NOT non_empty THEN
    RAISE EXCEPTION 'series selector "%" must contain at least one matcher that does not match the empty string', selector
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Add the metric name or a label that every wanted series has, e.g. {job=~".+"}.';
  END IF;
  RETURN array_to_string(conds, ' AND ');
END
$fn$;

CREATE FUNCTION observe.label_values(label text, metric_match text DEFAULT NULL,
                                     source regclass DEFAULT 'observe.metrics')
  RETURNS SETOF text LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $fn$
BEGIN
  IF label IS NULL THEN
    RETURN;
  END IF;
  -- One text extraction per row and a hash of short texts: cheaper than DISTINCT over the
  -- jsonb label sets first. Sorted bytewise, as Prometheus sorts.
  RETURN QUERY EXECUTE format(
    'SELECT DISTINCT v COLLATE "C" FROM (SELECT %s AS v FROM %s WHERE %s) s '
    'WHERE v <> '''' ORDER BY 1',
    CASE WHEN label = '__name__' THEN 'name' ELSE format('labels->>%L', label) END,
    source, observe._selector_where(metric_match));
END
$fn$;
COMMENT ON FUNCTION observe.label_values(text, text, regclass) IS
  'sorted distinct values of a label (__name__: metric names) over the series a selector matches (NULL: all)';

CREATE FUNCTION observe.label_names(metric_match text DEFAULT NULL,
                                    source regclass DEFAULT 'observe.metrics')
  RETURNS SETOF text LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $fn$
BEGIN
  -- __name__ is a label of every series; a label with an empty value is no label.
  RETURN QUERY EXECUTE format(
    'SELECT k COLLATE "C" FROM ('
    '  (SELECT ''__name__'' AS k FROM %1$s WHERE %2$s LIMIT 1)'
    '  UNION'
    '  SELECT e.key FROM (SELECT DISTINCT labels FROM %1$s WHERE %2$s) s,'
    '                    jsonb_each_text(s.labels) e WHERE e.value <> '''''
    ') n ORDER BY 1',
    source, observe._selector_where(metric_match));
END
$fn$;
COMMENT ON FUNCTION observe.label_names(text, regclass) IS
  'sorted label names (with __name__) of the series a selector matches (NULL: all)';

-- The role a Grafana data source logs in through (created in 00_schema.sql): reads metrics,
-- logs and health, runs queries, changes nothing.
GRANT USAGE ON SCHEMA observe TO observe_reader;

-- What a dashboard reads, granted on what this version has (parts of the contract land in
-- later versions; the list is the contract's read side, nothing that writes).
DO $do$
DECLARE
  obj text;
BEGIN
  FOREACH obj IN ARRAY ARRAY['observe.metrics', 'observe.logs', 'observe.scrape_target_health']
  LOOP
    IF to_regclass(obj) IS NOT NULL THEN
      EXECUTE format('GRANT SELECT ON %s TO observe_reader', obj);
    END IF;
  END LOOP;
  FOR obj IN
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'observe'::regnamespace
       AND p.proname IN ('promql', 'promql_range', 'promql_range_series', 'logql', 'logql_range', 'labels',
                         'label_names', 'label_values', 'storage_stats', 'stale_marker',
                         'is_stale', 'version')
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO observe_reader', obj);
  END LOOP;
END
$do$;
