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
CREATE OR REPLACE VIEW observe.scrape_target_health AS
SELECT t.job,
       regexp_replace(regexp_replace(t.url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@', '\1'),
                      '([?&;][^=&#;]*(token|secret|passw|pwd|key|auth|sig|credential|session|jwt|bearer|private)[^=&#;]*=)[^&#;]*',
                      '\1REDACTED', 'gi') AS url,
       s.instance, t.enabled, s.up, s.last_scrape,
       s.last_duration AS last_duration_seconds, s.samples_scraped, s.series_added,
       left(s.last_error, 256) AS last_error, t.scrape_interval,
       coalesce(t.scrape_timeout, least(interval '10 seconds', t.scrape_interval)) AS scrape_timeout
  FROM observe.scrape_targets t
  LEFT JOIN observe._scrape_status s USING (job, url);
-- errors stored before 0.3.0 may hold response body bytes; the next scrape writes a new row
DELETE FROM observe._scrape_status;
