-- Rule groups and rules: load_rule_file / rule_file round trips, promtool's validation errors
-- with their SQLSTATE, privileges, the alerts view and the health views. (Evaluation by the
-- worker is tested by test/integration/rules_worker.sh.)
\set VERBOSITY terse
CREATE FUNCTION pg_temp.try_load(content text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN 'loaded ' || observe.load_rule_file(content);
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

SELECT observe.load_rule_file($yaml$
groups:
  - name: api
    interval: 30s
    query_offset: 1m
    limit: 10
    labels: {team: web}
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
        labels: {source: "rules"}
      - alert: HighErrorRate
        expr: |
          job:http_requests:rate5m{job="api"}
            > 0.5
        for: 5m
        keep_firing_for: 2m
        labels: {severity: page, instance_job: "{{ $labels.job }}"}
        annotations:
          summary: "High error rate on {{ $labels.job }}"
          description: 'value {{ $value | humanize }}, "quoted"'
          empty: ""
  - name: node
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 1h30m
$yaml$, 'rules/api.yml');

SELECT name, file, "interval", query_offset, "limit", labels, target, enabled
  FROM observe.rule_groups ORDER BY name;
SELECT group_name, position, kind, name, expr, language, "for", keep_firing_for, labels, annotations
  FROM observe.rules ORDER BY group_name, position;

-- export, and the export loaded again gives the same rows
SELECT observe.rule_file('api');
SELECT observe.rule_file();
CREATE TEMP TABLE before_groups AS SELECT name, "interval", query_offset, "limit", labels FROM observe.rule_groups;
CREATE TEMP TABLE before_rules AS SELECT * FROM observe.rules;
SELECT observe.load_rule_file(observe.rule_file(), 'rules/api.yml');
SELECT count(*) AS differing_groups FROM (
  (SELECT * FROM before_groups EXCEPT SELECT name, "interval", query_offset, "limit", labels FROM observe.rule_groups)
  UNION ALL
  (SELECT name, "interval", query_offset, "limit", labels FROM observe.rule_groups EXCEPT SELECT * FROM before_groups)) d;
SELECT count(*) AS differing_rules FROM (
  (SELECT * FROM before_rules EXCEPT SELECT * FROM observe.rules)
  UNION ALL (SELECT * FROM observe.rules EXCEPT SELECT * FROM before_rules)) d;
SELECT observe.rule_file('nosuchgroup');

-- loading a group again replaces its rules and keeps the other groups; target and enabled stay
UPDATE observe.rule_groups SET enabled = false WHERE name = 'node';
SELECT observe.load_rule_file($yaml$
groups:
  - name: node
    interval: 1m
    rules:
      - record: instance:up:count
        expr: count by (instance) (up)
$yaml$);
SELECT g.name, g.file, g."interval", g.enabled, count(r.*) AS rules
  FROM observe.rule_groups g LEFT JOIN observe.rules r ON r.group_name = g.name GROUP BY 1, 2, 3, 4 ORDER BY 1;

-- promtool check rules' errors: SQLSTATE 22023, line:column, every error of the file
SELECT pg_temp.try_load($yaml$
groups:
  - name: g
    rules:
      - record: 1bad
        expr: sum(x)
      - alert: A
        record: b
        expr: x
$yaml$);
SELECT pg_temp.try_load($yaml$
groups:
  - name: g
    rules:
      - record: ok
        expr: sum(rate(x[5m])
$yaml$);
SELECT pg_temp.try_load($yaml$
groups:
  - name: g
    rules:
      - record: r
        expr: x
        for: 5m
  - name: g
    rules: []
$yaml$);
SELECT pg_temp.try_load($yaml$
groups:
  - name: g
    rules:
      - alert: A
        expr: x > 1
        annotations:
          summary: "{{ $labels.job"
$yaml$);
SELECT pg_temp.try_load($yaml$
groups:
  - name: g
    intervall: 5m
    rules: []
$yaml$);
SELECT pg_temp.try_load('groups: [');
-- valid for promtool, but not storable here: a sub-second interval, a NUL character
SELECT pg_temp.try_load(E'groups:\n  - name: fast\n    interval: 100ms\n    rules: []\n');
SELECT pg_temp.try_load(E'groups:\n  - name: "nul\\u0000"\n    rules: []\n');
SELECT pg_temp.try_load(E'groups:\n  - name: big\n    limit: 99999999999\n    rules: []\n');
-- nothing of a failed file was loaded
SELECT count(*) FROM observe.rule_groups WHERE name IN ('g', 'fast');
SELECT "limit" FROM observe.rule_groups WHERE name = 'big';
DELETE FROM observe.rule_groups WHERE name = 'big';
SELECT pg_temp.try_load('');

-- table checks for rows written by hand
INSERT INTO observe.rules (group_name, position, kind, name, expr, "for") VALUES ('api', 9, 'record', 'x', 'y', '1m');
INSERT INTO observe.rules (group_name, position, kind, name, expr) VALUES ('nosuchgroup', 1, 'record', 'x', 'y');
INSERT INTO observe.rule_groups (name, "interval") VALUES ('tiny', '10 milliseconds');

-- health before any evaluation
SELECT group_name, position, kind, name, health, last_error FROM observe.rule_health ORDER BY 1, 2;
SELECT group_name, enabled, "interval", iterations_total, iterations_missed, last_error
  FROM observe.rule_group_health ORDER BY 1;

-- the alerts view shows pending and firing alerts, not resolved ones
INSERT INTO observe._alert_state (group_name, rule, alertname, labels, annotations, state, value, active_at,
                                  fired_at, resolved_at, evaluated_at)
VALUES ('api', 2, 'HighErrorRate', '{"alertname": "HighErrorRate", "job": "api"}', '{"summary": "s"}', 'firing', 0.75,
        '2026-01-01 00:00:00+00', '2026-01-01 00:05:00+00', NULL, '2026-01-01 00:06:00+00'),
       ('api', 2, 'HighErrorRate', '{"alertname": "HighErrorRate", "job": "web"}', '{}', 'pending', 0.6,
        '2026-01-01 00:04:00+00', NULL, NULL, '2026-01-01 00:06:00+00'),
       ('api', 2, 'HighErrorRate', '{"alertname": "HighErrorRate", "job": "old"}', '{}', 'inactive', 0.9,
        '2025-12-31 23:00:00+00', '2025-12-31 23:05:00+00', '2026-01-01 00:01:00+00', '2026-01-01 00:06:00+00');
SELECT alertname, labels, annotations, state, active_at, fired_at, value, group_name
  FROM observe.alerts ORDER BY labels->>'job';

-- privileges: readers read rules, alerts and health, and change nothing; ingest admins edit
CREATE ROLE rules_reader_user IN ROLE observe_reader;
CREATE ROLE rules_admin_user IN ROLE observe_ingest_admin;
SET ROLE rules_reader_user;
SELECT count(*) FROM observe.alerts;
SELECT count(*) FROM observe.rule_health;
SELECT count(*) FROM observe.rule_group_health;
SELECT length(observe.rule_file('api')) > 0 AS exported;
SELECT observe.load_rule_file('groups: []');
DELETE FROM observe.rules;
SELECT count(*) FROM observe._alert_state;
RESET ROLE;
SET ROLE rules_admin_user;
SELECT observe.load_rule_file($yaml$
groups:
  - name: admin_group
    rules:
      - record: a:b
        expr: vector(1)
$yaml$);
UPDATE observe.rule_groups SET "interval" = '15 seconds' WHERE name = 'admin_group';
RESET ROLE;
-- another target than observe.metrics: only for who may query and write it
CREATE TABLE rules_private (time timestamptz, name text, labels jsonb, value float8) USING observe_ts;
SET ROLE rules_admin_user;
UPDATE observe.rule_groups SET target = 'rules_private' WHERE name = 'admin_group';
RESET ROLE;
GRANT SELECT, INSERT ON rules_private TO rules_admin_user;
SET ROLE rules_admin_user;
UPDATE observe.rule_groups SET target = 'rules_private' WHERE name = 'admin_group';
RESET ROLE;
SELECT name, target FROM observe.rule_groups WHERE name = 'admin_group';

-- deleting a group removes its rules and alert state
DELETE FROM observe.rule_groups WHERE name = 'api';
SELECT count(*) AS rules_left FROM observe.rules WHERE group_name = 'api';
SELECT count(*) AS alerts_left FROM observe._alert_state;

DELETE FROM observe.rule_groups;
DROP TABLE rules_private;
DROP ROLE rules_reader_user, rules_admin_user;
