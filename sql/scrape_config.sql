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
