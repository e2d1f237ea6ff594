-- Scrape targets: Prometheus's defaults, validation, and who may change them.
INSERT INTO observe.scrape_targets (job, url) VALUES ('api', 'http://127.0.0.1:1/metrics');
SELECT job, url, scrape_interval, scrape_timeout, labels, honor_labels, honor_timestamps,
       sample_limit, enabled
  FROM observe.scrape_targets;
-- the effective timeout is min(10s, interval) when unset, as in Prometheus
INSERT INTO observe.scrape_targets (job, url, scrape_interval)
  VALUES ('fast', 'http://127.0.0.1:1/fast', '5 seconds');
SELECT job, scrape_interval, scrape_timeout FROM observe.scrape_target_health ORDER BY job;

-- bad configurations are refused with the rule they break
INSERT INTO observe.scrape_targets (job, url) VALUES ('api', 'http://127.0.0.1:1/metrics');
INSERT INTO observe.scrape_targets (job, url) VALUES ('x', 'ftp://host/metrics');
INSERT INTO observe.scrape_targets (job, url, scrape_interval, scrape_timeout)
  VALUES ('x', 'http://h/m', '5 seconds', '10 seconds');
INSERT INTO observe.scrape_targets (job, url, labels) VALUES ('x', 'http://h/m', '["a"]');
INSERT INTO observe.scrape_targets (job, url, sample_limit) VALUES ('x', 'http://h/m', -1);
INSERT INTO observe.scrape_targets (job, url) VALUES ('', 'http://h/m');

-- only members of observe_ingest_admin may change targets (an outbound request from the server)
CREATE ROLE scrape_test_user;
SET ROLE scrape_test_user;
INSERT INTO observe.scrape_targets (job, url) VALUES ('evil', 'http://169.254.169.254/');
SELECT count(*) FROM observe.scrape_targets;
RESET ROLE;
GRANT observe_ingest_admin TO scrape_test_user;
SET ROLE scrape_test_user;
UPDATE observe.scrape_targets SET enabled = false WHERE job = 'fast';
RESET ROLE;
SELECT job, enabled FROM observe.scrape_targets ORDER BY job;
DROP ROLE scrape_test_user;

-- the configuration is dumped by pg_dump with the extension
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'pg_observe';
DELETE FROM observe.scrape_targets;

-- Prometheus's configuration: observe.load_prometheus_config(prometheus.yml)
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT observe.load_prometheus_config($yaml$
global:
  scrape_interval: 30s
  external_labels: {dc: eu}
rule_files: [rules.yml]
scrape_configs:
  - job_name: node
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:1', 'localhost:2']
        labels: {env: prod}
    basic_auth: {username: u, password: s3cret}
    relabel_configs:
      - source_labels: [__address__]
        regex: '(.*):\d+'
        target_label: host
      - action: keepequal
        source_labels: [host]
        target_label: env
      - action: labeldrop
        regex: 'tmp_.*'
    metric_relabel_configs:
      - {action: drop, source_labels: [__name__], regex: 'go_.*'}
    sample_limit: 100
    label_limit: 30
    target_limit: 5
  - job_name: files
    scheme: https
    scrape_interval: 5s
    metrics_path: /probe
    bearer_token: tok
    tls_config: {insecure_skip_verify: true}
    file_sd_configs:
      - files: ['/nonexistent/*.json']
        refresh_interval: 30s
    params: {module: [a, b]}
$yaml$);
SELECT job_name, scrape_interval, scrape_timeout, metrics_path, scheme, params, honor_labels,
       basic_auth_username, basic_auth_password, authorization_type, authorization_credentials,
       tls_insecure_skip_verify, sample_limit, label_limit, target_limit, static_configs,
       file_sd_configs, relabel_configs, metric_relabel_configs, enabled
  FROM observe.scrape_jobs ORDER BY job_name;
SELECT * FROM observe.scrape_global;

-- round trip: the export loads back to the same rows (and is a prometheus.yml Prometheus reads)
CREATE TEMP TABLE jobs_before AS SELECT * FROM observe.scrape_jobs;
SELECT observe.load_prometheus_config(observe.prometheus_config());
SELECT count(*) AS differing_rows
  FROM ((SELECT * FROM jobs_before EXCEPT SELECT * FROM observe.scrape_jobs)
        UNION ALL (SELECT * FROM observe.scrape_jobs EXCEPT SELECT * FROM jobs_before)) d;

-- what Prometheus refuses: 22023 with the line; what we cannot import: 0A000 with the line;
-- a failed load changes nothing
SELECT pg_temp.try($$SELECT observe.load_prometheus_config(E'scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n')$$);
SELECT pg_temp.try($$SELECT observe.load_prometheus_config(E'scrape_configs:\n  - job_name: a\n    bogus: 1\n')$$);
SELECT pg_temp.try($$SELECT observe.load_prometheus_config(E'scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: keep\n        regex: \x27(\x27\n')$$);
SELECT pg_temp.try($$SELECT observe.load_prometheus_config(E'scrape_configs:\n  - job_name: a\n  - job_name: a\n')$$);
SELECT pg_temp.try($$SELECT observe.load_prometheus_config(E'scrape_configs:\n  - job_name: k\n    kubernetes_sd_configs: [{role: pod}]\n    oauth2: {client_id: x, token_url: "http://h/"}\n')$$);
SELECT pg_temp.try($$SELECT observe.load_prometheus_config(E'scrape_configs:\n  - job_name: p\n    basic_auth: {username: u, password_file: /etc/passwd}\n')$$);
SELECT pg_temp.try($$SELECT observe.load_prometheus_config(E'scrape_configs:\n  - job_name: p\n    bearer_token_file: /etc/passwd\n')$$);
SELECT pg_temp.try($$SELECT observe.load_prometheus_config('[1, 2')$$);
SELECT job_name FROM observe.scrape_jobs ORDER BY job_name;

-- rows written with SQL go through the same checks
SELECT pg_temp.try($$UPDATE observe.scrape_jobs SET relabel_configs = '[{"action": "keepequal", "source_labels": ["a"], "target_label": "b", "regex": "x"}]' WHERE job_name = 'node'$$);
SELECT pg_temp.try($$UPDATE observe.scrape_jobs SET metric_relabel_configs = '[{"action": "explode"}]' WHERE job_name = 'node'$$);
SELECT pg_temp.try($$UPDATE observe.scrape_jobs SET scheme = 'ftp' WHERE job_name = 'node'$$);
SELECT pg_temp.try($$UPDATE observe.scrape_jobs SET scrape_timeout = '1 minute' WHERE job_name = 'node'$$);
SELECT pg_temp.try($$INSERT INTO observe.scrape_jobs (job_name, static_configs) VALUES ('sql', '[{"targets": ["h:1"], "labels": {"0bad": "x"}}]')$$);
INSERT INTO observe.scrape_jobs (job_name, scrape_interval, static_configs)
  VALUES ('sql', '15 seconds', '[{"targets": ["h:1"]}]');
SELECT job_name, scrape_interval, coalesce(scrape_timeout, '10 seconds') AS timeout FROM observe.scrape_jobs WHERE job_name = 'sql';

-- privileges: observe_ingest_admin administers; observe_reader sees the jobs without secrets
CREATE ROLE scrape_cfg_reader IN ROLE observe_reader;
CREATE ROLE scrape_cfg_admin IN ROLE observe_ingest_admin;
SET ROLE scrape_cfg_reader;
SELECT pg_temp.try('SELECT * FROM observe.scrape_jobs');
SELECT pg_temp.try('SELECT observe.prometheus_config()');
SELECT pg_temp.try($$SELECT observe.load_prometheus_config('scrape_configs: []')$$);
SELECT job_name, basic_auth_username, basic_auth_password, authorization_type, authorization_credentials
  FROM observe.scrape_jobs_redacted ORDER BY job_name;
RESET ROLE;
-- what the worker writes after discovery (it works in another database), as readers see it:
-- secret-looking parameters redacted in the labels and the URL
INSERT INTO observe._scrape_discovered VALUES
  ('j', '0', '{"__address__": "h:1", "__param_api_key": "k", "__param_module": "m", "job": "j"}',
   '{"__address__": "h:1", "__param_api_key": "k", "__param_module": "m", "job": "j", "instance": "h:1"}',
   'http://h:1/metrics?api_key=k&module=m', NULL),
  ('j', '0', '{"__address__": "h:2", "job": "j"}', NULL, NULL, NULL),
  ('j', '1', '{}', NULL, NULL, 'instance 0 in group 1: no address');
SET ROLE scrape_cfg_reader;
SELECT job, source, discovered_labels, labels, labels_with_internal, dropped, discovery_error, scrape_url, up
  FROM observe.scrape_targets_discovered ORDER BY source, dropped;
SELECT pg_temp.try('SELECT * FROM observe._scrape_discovered');
RESET ROLE;
DELETE FROM observe._scrape_discovered;
SET ROLE scrape_cfg_admin;
SELECT observe.load_prometheus_config(E'scrape_configs:\n  - job_name: admin_job\n    static_configs: [{targets: [\x27127.0.0.1:1\x27]}]\n');
UPDATE observe.scrape_jobs SET enabled = false;
SELECT job_name, enabled FROM observe.scrape_jobs;
RESET ROLE;
DROP ROLE scrape_cfg_reader;
DROP ROLE scrape_cfg_admin;
DELETE FROM observe.scrape_jobs;
DELETE FROM observe.scrape_global;
