-- Prometheus's scrape configuration: observe.load_prometheus_config(prometheus.yml) fills
-- observe.scrape_global and observe.scrape_jobs (one row per scrape_config, editable with
-- SQL, every row checked by the same loader); the scrape worker discovers each job's targets
-- (static_configs, file_sd_configs, dns_sd_configs), relabels them, scrapes them and applies
-- metric_relabel_configs. What it discovered is in observe.scrape_targets_discovered.

CREATE TABLE observe.scrape_global (
  singleton            bool     PRIMARY KEY DEFAULT true CHECK (singleton),
  scrape_interval      interval NOT NULL DEFAULT '1 minute',
  scrape_timeout       interval NOT NULL DEFAULT '10 seconds',
  evaluation_interval  interval NOT NULL DEFAULT '1 minute',
  -- Kept for the record: Prometheus attaches them only to data leaving it (remote write,
  -- federation, alerts), never to stored series.
  external_labels      jsonb    NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(external_labels) = 'object')
);
COMMENT ON TABLE observe.scrape_global IS
  'the global block of the last prometheus.yml loaded (its intervals are already applied to each job)';
SELECT pg_catalog.pg_extension_config_dump('observe.scrape_global', '');
REVOKE ALL ON observe.scrape_global FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON observe.scrape_global TO observe_ingest_admin;
GRANT SELECT ON observe.scrape_global TO observe_reader;

-- Column names are Prometheus's; the nested blocks are jsonb in prometheus.yml's shape:
-- static_configs [{"targets": [...], "labels": {...}}], file_sd_configs [{"files": [...],
-- "refresh_interval": "5m"}], dns_sd_configs [{"names": [...], "type": "SRV", "port": 9100,
-- "refresh_interval": "30s"}], relabel_configs / metric_relabel_configs [{"source_labels": [...],
-- "regex": ..., "action": ...}], params {"name": ["value", ...]}.
CREATE TABLE observe.scrape_jobs (
  job_name                   text     PRIMARY KEY CHECK (job_name <> ''),
  scrape_interval            interval NOT NULL DEFAULT '1 minute',
  -- NULL means Prometheus's default: min(10s, scrape_interval)
  scrape_timeout             interval,
  metrics_path               text     NOT NULL DEFAULT '/metrics',
  scheme                     text     NOT NULL DEFAULT 'http' CHECK (scheme IN ('http', 'https')),
  params                     jsonb    NOT NULL DEFAULT '{}',
  honor_labels               bool     NOT NULL DEFAULT false,
  honor_timestamps           bool     NOT NULL DEFAULT true,
  -- basic_auth is set when basic_auth_username is not NULL ('' for an empty user name)
  basic_auth_username        text,
  basic_auth_password        text,    -- secret: observe_reader sees observe.scrape_jobs_redacted
  -- authorization is set when authorization_type is not NULL (bearer_token becomes Bearer)
  authorization_type         text,
  authorization_credentials  text,    -- secret
  tls_ca_file                text,
  tls_cert_file              text,
  tls_key_file               text,
  tls_insecure_skip_verify   bool     NOT NULL DEFAULT false,
  sample_limit               bigint   NOT NULL DEFAULT 0 CHECK (sample_limit >= 0),
  label_limit                bigint   NOT NULL DEFAULT 0 CHECK (label_limit >= 0),
  label_name_length_limit    bigint   NOT NULL DEFAULT 0 CHECK (label_name_length_limit >= 0),
  label_value_length_limit   bigint   NOT NULL DEFAULT 0 CHECK (label_value_length_limit >= 0),
  target_limit               bigint   NOT NULL DEFAULT 0 CHECK (target_limit >= 0),
  static_configs             jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(static_configs) = 'array'),
  file_sd_configs            jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(file_sd_configs) = 'array'),
  dns_sd_configs             jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(dns_sd_configs) = 'array'),
  relabel_configs            jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(relabel_configs) = 'array'),
  metric_relabel_configs     jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(metric_relabel_configs) = 'array'),
  enabled                    bool     NOT NULL DEFAULT true
);
COMMENT ON TABLE observe.scrape_jobs IS
  'Prometheus scrape_configs, one row per job: loaded by observe.load_prometheus_config or written with SQL; changes apply within seconds';
SELECT pg_catalog.pg_extension_config_dump('observe.scrape_jobs', '');
REVOKE ALL ON observe.scrape_jobs FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON observe.scrape_jobs TO observe_ingest_admin;

-- A Prometheus duration for an interval (whole milliseconds, which model.ParseDuration reads).
CREATE FUNCTION observe._prom_duration(i interval) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN round(extract(epoch FROM i) * 1000)::bigint::text || 'ms';

-- One row as the scrape_config block of prometheus.yml (JSON is YAML): what the worker loads,
-- what the row check loads and what observe.prometheus_config() exports.
CREATE FUNCTION observe._scrape_job_document(j observe.scrape_jobs) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  RETURN jsonb_strip_nulls(jsonb_build_object(
    'job_name', j.job_name,
    'scrape_interval', observe._prom_duration(j.scrape_interval),
    'scrape_timeout', observe._prom_duration(coalesce(j.scrape_timeout,
                                                      least(interval '10 seconds', j.scrape_interval))),
    'metrics_path', j.metrics_path,
    'scheme', j.scheme,
    'params', j.params,
    'honor_labels', j.honor_labels,
    'honor_timestamps', j.honor_timestamps,
    'basic_auth', CASE WHEN j.basic_auth_username IS NOT NULL THEN
                    jsonb_build_object('username', j.basic_auth_username, 'password', j.basic_auth_password) END,
    'authorization', CASE WHEN j.authorization_type IS NOT NULL THEN
                       jsonb_build_object('type', j.authorization_type, 'credentials', j.authorization_credentials) END,
    'tls_config', jsonb_build_object('ca_file', j.tls_ca_file, 'cert_file', j.tls_cert_file,
                                     'key_file', j.tls_key_file,
                                     'insecure_skip_verify', j.tls_insecure_skip_verify),
    'sample_limit', j.sample_limit,
    'label_limit', j.label_limit,
    'label_name_length_limit', j.label_name_length_limit,
    'label_value_length_limit', j.label_value_length_limit,
    'target_limit', j.target_limit,
    'static_configs', j.static_configs,
    'file_sd_configs', j.file_sd_configs,
    'dns_sd_configs', j.dns_sd_configs,
    'relabel_configs', j.relabel_configs,
    'metric_relabel_configs', j.metric_relabel_configs));
REVOKE ALL ON FUNCTION observe._scrape_job_document(observe.scrape_jobs) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe._scrape_job_document(observe.scrape_jobs) TO observe_ingest_admin;

-- Parses prometheus.yml as Prometheus 2.42 does and returns the rows to store:
-- {"global": {...}, "scrape_configs": [rows of observe.scrape_jobs]}. A configuration
-- Prometheus refuses fails with 22023 and the line; a key we cannot import with 0A000 and the
-- line; keys outside scraping (rule_files, alerting, remote_write, ...) give a WARNING.
CREATE FUNCTION observe._parse_prometheus_config(config text) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'observe_parse_prometheus_config'
  LANGUAGE C STABLE STRICT;
REVOKE ALL ON FUNCTION observe._parse_prometheus_config(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe._parse_prometheus_config(text) TO observe_ingest_admin;

-- Every row written with SQL goes through the loader, so a row the worker would refuse cannot
-- be stored (the message names the field; its line is that of the one-line JSON document).
CREATE FUNCTION observe._scrape_jobs_check() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM observe._parse_prometheus_config(
    jsonb_build_object('scrape_configs', jsonb_build_array(observe._scrape_job_document(NEW)))::text);
  RETURN NEW;
END $$;
CREATE TRIGGER scrape_jobs_check BEFORE INSERT OR UPDATE ON observe.scrape_jobs
  FOR EACH ROW EXECUTE FUNCTION observe._scrape_jobs_check();

CREATE FUNCTION observe.load_prometheus_config(config text) RETURNS integer
  LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  parsed jsonb := observe._parse_prometheus_config(config);
  n integer;
BEGIN
  DELETE FROM observe.scrape_jobs;
  INSERT INTO observe.scrape_jobs
    SELECT * FROM jsonb_populate_recordset(NULL::observe.scrape_jobs, parsed->'scrape_configs');
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO observe.scrape_global
    SELECT * FROM jsonb_populate_record(NULL::observe.scrape_global, parsed->'global')
  ON CONFLICT (singleton) DO UPDATE
    SET scrape_interval = EXCLUDED.scrape_interval, scrape_timeout = EXCLUDED.scrape_timeout,
        evaluation_interval = EXCLUDED.evaluation_interval,
        external_labels = EXCLUDED.external_labels;
  RETURN n;
END $$;
COMMENT ON FUNCTION observe.load_prometheus_config(text) IS
  'replaces observe.scrape_jobs and observe.scrape_global with the scrape configuration of a prometheus.yml; returns the number of jobs';
REVOKE ALL ON FUNCTION observe.load_prometheus_config(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.load_prometheus_config(text) TO observe_ingest_admin;

-- The stored configuration as a prometheus.yml (JSON), secrets included: Prometheus loads it,
-- and so does observe.load_prometheus_config (a round trip).
CREATE FUNCTION observe.prometheus_config() RETURNS text
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
  RETURN jsonb_pretty(jsonb_build_object(
    'global', coalesce((SELECT jsonb_strip_nulls(jsonb_build_object(
                                 'scrape_interval', observe._prom_duration(g.scrape_interval),
                                 'scrape_timeout', observe._prom_duration(g.scrape_timeout),
                                 'evaluation_interval', observe._prom_duration(g.evaluation_interval),
                                 'external_labels', g.external_labels))
                          FROM observe.scrape_global g), '{}'),
    'scrape_configs', coalesce((SELECT jsonb_agg(observe._scrape_job_document(j) ORDER BY j.job_name)
                                  FROM observe.scrape_jobs j), '[]')));
REVOKE ALL ON FUNCTION observe.prometheus_config() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.prometheus_config() TO observe_ingest_admin;

-- What observe_reader may see of the jobs: the secrets replaced.
CREATE VIEW observe.scrape_jobs_redacted AS
SELECT job_name, scrape_interval, scrape_timeout, metrics_path, scheme, params, honor_labels,
       honor_timestamps, basic_auth_username,
       CASE WHEN basic_auth_password IS NOT NULL THEN 'REDACTED' END AS basic_auth_password,
       authorization_type,
       CASE WHEN authorization_credentials IS NOT NULL THEN 'REDACTED' END AS authorization_credentials,
       tls_ca_file, tls_cert_file, tls_key_file, tls_insecure_skip_verify, sample_limit,
       label_limit, label_name_length_limit, label_value_length_limit, target_limit,
       static_configs, file_sd_configs, dns_sd_configs, relabel_configs, metric_relabel_configs, enabled
  FROM observe.scrape_jobs;
COMMENT ON VIEW observe.scrape_jobs_redacted IS
  'observe.scrape_jobs with the basic_auth password and the authorization credentials replaced by REDACTED';
GRANT SELECT ON observe.scrape_jobs_redacted TO observe_reader, observe_ingest_admin;

-- Written by the scrape worker whenever a job's discovered targets change: every target of
-- every group, before relabeling (discovered, __meta_* included) and after (labels, NULL when
-- relabeling dropped it), or why it failed.
CREATE TABLE observe._scrape_discovered (
  job         text  NOT NULL,
  source      text  NOT NULL,   -- the group: "0" for static_configs[0], "<file>:<index>" for file_sd, the name for dns_sd
  discovered  jsonb NOT NULL,
  labels      jsonb,            -- after relabeling, __ labels included (__address__, __scheme__, ...)
  url         text,
  error       text
);
CREATE INDEX ON observe._scrape_discovered (job);
REVOKE ALL ON observe._scrape_discovered FROM PUBLIC;

-- The __param_* labels whose names look secret (the scrape URL's query), redacted for readers.
CREATE FUNCTION observe._redact_param_labels(labels jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN (SELECT jsonb_object_agg(key, CASE WHEN key ~* '^__param_.*(token|secret|passw|pwd|key|auth|sig|credential|session|jwt|bearer|private)'
                                            THEN to_jsonb('REDACTED'::text) ELSE value END)
            FROM jsonb_each(labels));

-- Prometheus's /targets and /service-discovery pages: every discovered target, its labels
-- before and after relabeling, dropped or not, and its last scrape.
CREATE VIEW observe.scrape_targets_discovered AS
SELECT d.job, d.source,
       coalesce(observe._redact_param_labels(d.discovered), '{}') AS discovered_labels,
       CASE WHEN d.labels IS NOT NULL THEN
         (SELECT coalesce(jsonb_object_agg(key, value), '{}') FROM jsonb_each(d.labels)
           WHERE key NOT LIKE '\_\_%') END AS labels,  -- NULL when dropped
       observe._redact_param_labels(d.labels) AS labels_with_internal,
       d.labels IS NULL AND d.error IS NULL AS dropped,
       d.error AS discovery_error,
       regexp_replace(regexp_replace(d.url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@', '\1'),
                      '([?&;][^=&#;]*(token|secret|passw|pwd|key|auth|sig|credential|session|jwt|bearer|private)[^=&#;]*=)[^&#;]*',
                      '\1REDACTED', 'gi') AS scrape_url,
       s.up, s.last_scrape, s.last_duration AS last_duration_seconds, s.samples_scraped,
       left(s.last_error, 256) AS last_error
  FROM observe._scrape_discovered d
  LEFT JOIN observe._scrape_status s ON s.job = d.job AND s.url = d.url AND d.labels IS NOT NULL;
COMMENT ON VIEW observe.scrape_targets_discovered IS
  'per discovered target of observe.scrape_jobs: labels before and after relabeling, dropped or not, and its last scrape';
GRANT SELECT ON observe.scrape_targets_discovered TO observe_reader, observe_ingest_admin;
