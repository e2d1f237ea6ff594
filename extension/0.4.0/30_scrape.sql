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
