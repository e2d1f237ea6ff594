-- pg_observe 0.2.0 -> 0.3.0 (ALTER EXTENSION pg_observe UPDATE).
\echo Use "ALTER EXTENSION pg_observe UPDATE" to load this file. \quit

-- Functions that read observe_ts tables run in the leader only: a parallel worker does not have
-- the transaction's buffered rows (issue 11, case 5).
ALTER FUNCTION observe.promql(text, timestamptz, regclass) PARALLEL RESTRICTED;
ALTER FUNCTION observe.promql_range(text, timestamptz, timestamptz, interval, regclass) PARALLEL RESTRICTED;
ALTER FUNCTION observe.promql_range_series(text, timestamptz, timestamptz, interval, regclass) PARALLEL RESTRICTED;
ALTER FUNCTION observe.label_values(text, text, regclass) PARALLEL RESTRICTED;
ALTER FUNCTION observe.label_names(text, regclass) PARALLEL RESTRICTED;

-- Security (issue 12). The roles pg_observe made under 0.1.0/0.2.0 (which adopted any role of
-- those names) carry the mark a fresh install gives its own roles (00_schema.sql), so that a
-- CREATE EXTENSION in another database, or after DROP EXTENSION, uses them again.
DO $roles$
DECLARE
  r text;
BEGIN
  PERFORM observe.version();  -- loads the library, which provides the label (not preloaded?)
  FOREACH r IN ARRAY ARRAY['observe_ingest_admin', 'observe_reader'] LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
    EXECUTE format('SECURITY LABEL FOR observe ON ROLE %I IS %L', r, 'pg_observe');
  END LOOP;
END
$roles$;

-- observe_reader reads this view, so column by column: the URL without userinfo and with the
-- values of secret-looking query parameters replaced; the error as the worker stored it
-- (scrape::public_error: no response body bytes) and bounded. Full URLs stay in
-- observe.scrape_targets (observe_ingest_admin).
-- The scrape worker counts the writes it gave up on a lock (observe.worker_lock_timeout).
ALTER TABLE observe._scrape_status ADD COLUMN lock_timeouts bigint NOT NULL DEFAULT 0;
CREATE OR REPLACE VIEW observe.scrape_target_health AS
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
-- errors stored before 0.3.0 may hold response body bytes; the next scrape writes a new row
DELETE FROM observe._scrape_status;

-- Series ids from a sequence, starting above every id in use.
CREATE SEQUENCE observe._ts_series_id_seq AS int4 MINVALUE 1;
REVOKE ALL ON SEQUENCE observe._ts_series_id_seq FROM PUBLIC;
SELECT pg_catalog.setval('observe._ts_series_id_seq', max(series_id)) FROM observe._ts_series
HAVING max(series_id) IS NOT NULL;

COMMENT ON VIEW observe.scrape_target_health IS
  'per target: last scrape time, duration, samples, up, the last error and how often writing its samples timed out on a lock';

-- Maintenance worker health (lock waits bounded by observe.worker_lock_timeout).
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
