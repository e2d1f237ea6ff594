-- Label names and values for Grafana template variables (observe.label_names/label_values),
-- the selector grammar they accept, and the read-only role for the data source.
-- A table of its own (same shape as observe.metrics), so other suites' data does not matter.
CREATE TABLE grafana_m (LIKE observe.metrics) USING observe_ts;
INSERT INTO grafana_m (time, name, labels, value) VALUES
  ('2026-01-01 00:00:00+00', 'up', '{"job":"node","instance":"127.0.0.1:9100"}', 1),
  ('2026-01-01 00:00:15+00', 'up', '{"job":"node","instance":"127.0.0.1:9100"}', 1),
  ('2026-01-01 00:00:00+00', 'up', '{"job":"prometheus","instance":"127.0.0.1:9090"}', 1),
  ('2026-01-01 00:00:00+00', 'up', '{"job":"Zed","instance":"z:1"}', 0),
  ('2026-01-01 00:00:00+00', 'node_cpu_seconds_total', '{"job":"node","instance":"127.0.0.1:9100","cpu":"0","mode":"idle"}', 10),
  ('2026-01-01 00:00:00+00', 'node_cpu_seconds_total', '{"job":"node","instance":"127.0.0.1:9100","cpu":"0","mode":"user"}', 2),
  ('2026-01-01 00:00:00+00', 'node_cpu_seconds_total', '{"job":"node","instance":"127.0.0.1:9100","cpu":"1","mode":"iowait"}', 1),
  ('2026-01-01 00:00:00+00', 'node_filesystem_avail_bytes', '{"job":"node","instance":"127.0.0.1:9100","device":"tmpfs","fstype":"tmpfs","mountpoint":"/run"}', 5),
  ('2026-01-01 00:00:00+00', 'node_filesystem_avail_bytes', '{"job":"node","instance":"127.0.0.1:9100","device":"/dev/vda","fstype":"ext4","mountpoint":"/"}', 9),
  ('2026-01-01 00:00:00+00', 'node_filesystem_size_bytes', '{"job":"node","instance":"127.0.0.1:9100","device":"/dev/vda","fstype":"ext4","mountpoint":"/","empty":""}', 20),
  ('2026-01-01 00:00:00+00', 'odd', '{"job":"a\"b","path":"c:\\d\ne"}', 1);

-- metric names, and values of a label over all series: sorted bytewise (upper case first), distinct
SELECT * FROM observe.label_values('__name__', NULL, 'grafana_m');
SELECT * FROM observe.label_values('job', NULL, 'grafana_m');
-- the variable queries of the node dashboard: jobs of a metric, instances of a job
SELECT * FROM observe.label_values('job', 'up', 'grafana_m');
SELECT * FROM observe.label_values('instance', 'up{job="node"}', 'grafana_m');
-- every matcher kind; a missing label is the empty string, as in Prometheus
SELECT * FROM observe.label_values('mode', 'node_cpu_seconds_total{mode!="idle"}', 'grafana_m');
SELECT * FROM observe.label_values('mode', 'node_cpu_seconds_total{mode=~"i.*"}', 'grafana_m');
SELECT * FROM observe.label_values('mode', 'node_cpu_seconds_total{mode!~"i.*", cpu="0"}', 'grafana_m');
SELECT * FROM observe.label_values('mountpoint', '{__name__=~"node_filesystem_.+", fstype!~"tmpfs|ramfs"}', 'grafana_m');
SELECT * FROM observe.label_values('job', 'up{cpu=""}', 'grafana_m');
SELECT * FROM observe.label_values('mountpoint', '{__name__=~"node_.+", mode=""}', 'grafana_m');
-- regexes are anchored: "ode" matches nothing, "n.*" matches node
SELECT count(*) AS unanchored_matches FROM observe.label_values('job', '{job=~"ode"}', 'grafana_m');
SELECT * FROM observe.label_values('job', '{job=~"n.*"}', 'grafana_m');
-- a leading (?i) makes the match case-insensitive, as in RE2
SELECT * FROM observe.label_values('job', '{job=~"(?i)z.*|NODE"}', 'grafana_m');
-- raw and single-quoted strings, escapes in double-quoted ones, trailing comma, spaces
SELECT * FROM observe.label_values('path', '{job=`a"b`}', 'grafana_m');
SELECT * FROM observe.label_values('path', E'odd{ job = \'a"b\' , }', 'grafana_m');
SELECT * FROM observe.label_values('job', 'odd{path="c:\\d\ne"}', 'grafana_m');
-- no match, unknown label: no rows; NULL label: no rows
SELECT count(*) AS no_match FROM observe.label_values('job', 'nosuchmetric', 'grafana_m');
SELECT count(*) AS unknown_label FROM observe.label_values('nosuchlabel', NULL, 'grafana_m');
SELECT count(*) AS null_label FROM observe.label_values(NULL, NULL, 'grafana_m');

-- label names of a selector's series; an empty-valued label is no label
SELECT * FROM observe.label_names('up', 'grafana_m');
SELECT * FROM observe.label_names('node_filesystem_size_bytes', 'grafana_m');
SELECT * FROM observe.label_names('{job="node"}', 'grafana_m');
SELECT count(*) AS names_of_nothing FROM observe.label_names('nosuchmetric', 'grafana_m');
SELECT count(*) AS all_names FROM observe.label_names(NULL, 'grafana_m');

-- selectors that select everything by accident or do not parse are errors, as in Prometheus
\set SHOW_CONTEXT never
SELECT observe.label_values('job', '{job=~".*"}', 'grafana_m');
SELECT observe.label_values('job', '{}', 'grafana_m');
SELECT observe.label_values('job', 'up{job="node"', 'grafana_m');
SELECT observe.label_values('job', 'up{job=node}', 'grafana_m');
SELECT observe.label_values('job', 'up{job=="node"}', 'grafana_m');
SELECT observe.label_values('job', 'up{job="a\qb"}', 'grafana_m');
SELECT observe.label_values('job', 'up{job="node"} extra', 'grafana_m');

-- the default source is observe.metrics (rolled back: other suites share it)
BEGIN;
INSERT INTO observe.metrics (time, name, labels, value)
  VALUES ('2026-01-01 00:00:00+00', 'grafana_probe', '{"job":"default-source"}', 1);
SELECT * FROM observe.label_values('job', 'grafana_probe');
SELECT * FROM observe.label_names('grafana_probe');
ROLLBACK;

-- the read-only role: reads and queries, writes nothing
SELECT rolcanlogin FROM pg_roles WHERE rolname = 'observe_reader';
SELECT has_schema_privilege('observe_reader', 'observe', 'USAGE') AS schema_usage,
       has_table_privilege('observe_reader', 'observe.metrics', 'SELECT') AS select_metrics,
       has_table_privilege('observe_reader', 'observe.metrics', 'INSERT, UPDATE, DELETE, TRUNCATE') AS write_metrics;
CREATE ROLE regress_grafana_login LOGIN IN ROLE observe_reader;
GRANT SELECT ON grafana_m TO observe_reader;
SET ROLE regress_grafana_login;
SELECT * FROM observe.label_values('instance', 'up{job="node"}', 'grafana_m');
INSERT INTO observe.metrics (time, name, labels, value) VALUES (now(), 'x', '{}', 1);
RESET ROLE;
REVOKE SELECT ON grafana_m FROM observe_reader;
DROP ROLE regress_grafana_login;
DROP TABLE grafana_m;
