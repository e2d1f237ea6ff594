-- pg_observe 0.2.0 -> 0.3.0 (ALTER EXTENSION pg_observe UPDATE).
\echo Use "ALTER EXTENSION pg_observe UPDATE" to load this file. \quit

-- Series ids from a sequence, starting above every id in use.
CREATE SEQUENCE observe._ts_series_id_seq AS int4 MINVALUE 1;
REVOKE ALL ON SEQUENCE observe._ts_series_id_seq FROM PUBLIC;
SELECT pg_catalog.setval('observe._ts_series_id_seq', max(series_id)) FROM observe._ts_series
HAVING max(series_id) IS NOT NULL;

-- The scrape worker counts the writes it gave up on a lock (observe.worker_lock_timeout).
ALTER TABLE observe._scrape_status ADD COLUMN lock_timeouts bigint NOT NULL DEFAULT 0;
CREATE OR REPLACE VIEW observe.scrape_target_health AS
SELECT t.job, t.url, s.instance, t.enabled, s.up, s.last_scrape,
       s.last_duration AS last_duration_seconds, s.samples_scraped, s.series_added,
       s.last_error, t.scrape_interval,
       coalesce(t.scrape_timeout, least(interval '10 seconds', t.scrape_interval)) AS scrape_timeout,
       s.lock_timeouts
  FROM observe.scrape_targets t
  LEFT JOIN observe._scrape_status s USING (job, url);
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
