-- LogQL from SQL (observe.logql, logql_range, logql_range_series, logql_instant) on observe_log
-- tables: log queries with their pipeline, direction and limit; metric queries in the three row
-- shapes PromQL's functions use; errors, limits and the privileges a SELECT would check.
CREATE SCHEMA lq;
SET search_path = lq, public;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE logs (time timestamptz NOT NULL, labels jsonb NOT NULL DEFAULT '{}', line text NOT NULL,
                   metadata jsonb) USING observe_log;
INSERT INTO logs VALUES
  ('2026-01-01 00:00:01+00', '{"app": "api", "env": "prod"}', 'level=info msg="GET /a" status=200 took=12ms', NULL),
  ('2026-01-01 00:00:02+00', '{"app": "api", "env": "prod"}', 'level=error msg="GET /b" status=500 took=1.5s', '{"trace_id": "abc"}'),
  ('2026-01-01 00:00:02.5+00', '{"app": "api", "env": "dev"}', 'level=info msg="GET /a" status=200 took=3ms', NULL),
  ('2026-01-01 00:00:03+00', '{"app": "web", "env": "prod"}', '{"level": "info", "path": "/c", "bytes": 512}', NULL),
  ('2026-01-01 00:00:04+00', '{"app": "web", "env": "prod"}', '{"level": "warn", "path": "/d", "bytes": 2048}', NULL),
  ('2026-01-01 00:00:04+00', '{"app": "web", "env": "prod"}', '{"level": "error", "path": "/e", "bytes": 10}', NULL);

-- log queries: newest first by default, lines in [start, end), the stream's labels (and the
-- structured metadata and parsed labels, as Loki returns them)
SELECT * FROM observe.logql('{env="prod"}', '2026-01-01', '2026-01-02', source => 'logs');
SELECT * FROM observe.logql('{env="prod"}', '2026-01-01 00:00:02+00', '2026-01-01 00:00:04+00', 10, 'forward', 'logs');
SELECT * FROM observe.logql('{app="api"} |= "GET" | logfmt | status >= 500', '2026-01-01', '2026-01-02', source => 'logs');
SELECT * FROM observe.logql('{app="api"} | logfmt | took > 10ms | line_format "{{.level}} {{.msg}}"',
                            '2026-01-01', '2026-01-02', 100, 'forward', 'logs');
SELECT * FROM observe.logql('{app="web"} | json | bytes > 100 | keep path', '2026-01-01', '2026-01-02', source => 'logs');
SELECT * FROM observe.logql('{app=~"a.*|w.*"} != "GET" |~ "warn|error"', '2026-01-01', '2026-01-02', source => 'logs');
-- max_lines: the first lines in the query's direction across all streams
SELECT * FROM observe.logql('{env=~".+"}', '2026-01-01', '2026-01-02', 2, 'backward', 'logs');
SELECT * FROM observe.logql('{env=~".+"}', '2026-01-01', '2026-01-02', 2, 'FORWARD', 'logs');
-- whole range: -infinity/infinity read everything
SELECT count(*) FROM observe.logql('{app="api"}', '-infinity', 'infinity', source => 'logs');
-- a template that cuts a character in two: the stray byte comes back as U+FFFD, as Loki's JSON
INSERT INTO logs VALUES ('2026-01-01 00:00:05+00', '{"app": "utf"}', 'é', NULL);
SELECT line, convert_to(line, 'UTF8') AS bytes
  FROM observe.logql('{app="utf"} | line_format "{{ substr 0 1 __line__ }}"', '2026-01-01', '2026-01-02', source => 'logs');

-- metric queries: a row per point, a row per series, an instant
SELECT * FROM observe.logql_range('sum by (app) (count_over_time({env="prod"}[2s]))',
                                  '2026-01-01 00:00:00+00', '2026-01-01 00:00:05+00', '1s', 'logs');
SELECT * FROM observe.logql_range_series('count_over_time({env="prod"} |= "GET" [5s])',
                                         '2026-01-01 00:00:00+00', '2026-01-01 00:00:05+00', '1s', 'logs');
SELECT * FROM observe.logql_instant('sum by (app) (bytes_over_time({app=~".+"}[1m]))', '2026-01-01 00:00:30+00', 'logs');
SELECT * FROM observe.logql_instant('max(max_over_time({app="web"} | json | unwrap bytes [1m]))',
                                    '2026-01-01 00:00:30+00', 'logs');
SELECT * FROM observe.logql_instant('topk(1, sum by (app) (count_over_time({app=~".+"}[1m]))) * 2',
                                    '2026-01-01 00:00:30+00', 'logs');
SELECT * FROM observe.logql_instant('vector(1) + 1', '2026-01-01 00:00:30+00', 'logs');

-- errors: a syntax error with its position (42601), the wrong kind of query, bad arguments
SELECT * FROM observe.logql('{app="api"', '2026-01-01', '2026-01-02', source => 'logs');
SELECT * FROM observe.logql('count_over_time({app="api"}[1m])', '2026-01-01', '2026-01-02', source => 'logs');
SELECT * FROM observe.logql_instant('{app="api"}', '2026-01-01', 'logs');
SELECT * FROM observe.logql_range('{app="api"}', '2026-01-01', '2026-01-02', '1m', 'logs');
SELECT * FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', 0, 'backward', 'logs');
SELECT * FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', 10, 'sideways', 'logs');
SELECT * FROM observe.logql('{app="api"}', '2026-01-02', '2026-01-01', source => 'logs');
SELECT * FROM observe.logql_range('count_over_time({app="api"}[1m])', '2026-01-01', '2026-01-02', '0s', 'logs');
SELECT * FROM observe.logql_instant('sum(rate({app="api"} | regexp "(?P<x" [1m]))', '2026-01-01', 'logs');
-- a table that is not observe_log, and a dangling regclass
CREATE TABLE heap_logs (time timestamptz, labels jsonb, line text, metadata jsonb);
SELECT * FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', source => 'heap_logs');
SELECT * FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', source => 0);

-- limits, as Loki's per-tenant limits
SET observe.logql_max_entries_limit = 3;
SELECT * FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', 4, 'backward', 'logs');
SELECT count(*) FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', 3, 'backward', 'logs');
RESET observe.logql_max_entries_limit;
SET observe.logql_max_query_series = 1;
SELECT * FROM observe.logql_instant('count_over_time({env=~".+"}[1m])', '2026-01-01 00:00:30+00', 'logs');
-- the limit counts the series a query returns, as Loki's does: one after the sum
SELECT * FROM observe.logql_instant('sum(count_over_time({env=~".+"}[1m]))', '2026-01-01 00:00:30+00', 'logs');
RESET observe.logql_max_query_series;
SET observe.logql_max_entries_read = 2;
SELECT * FROM observe.logql('{env=~".+"} |= "level"', '2026-01-01', '2026-01-02', source => 'logs');
-- lines whose chunk the token filter rules out are not read, so they count for nothing
SELECT * FROM observe.logql('{env=~".+"} |= "nothing matches this"', '2026-01-01', '2026-01-02', source => 'logs');
RESET observe.logql_max_entries_read;

-- statement_timeout (and cancel) stop a long query
CREATE TABLE big (time timestamptz NOT NULL, labels jsonb NOT NULL DEFAULT '{}', line text NOT NULL,
                  metadata jsonb) USING observe_log;
INSERT INTO big SELECT '2026-01-01'::timestamptz + i * interval '1 ms', '{"app": "big"}',
                       '{"level": "info", "n": ' || i || ', "msg": "hello ' || md5(i::text) || '"}', NULL
  FROM generate_series(1, 100000) i;
SELECT * FROM observe.logql_instant('sum(count_over_time({app="big"} | json | n > 5 [1h]))', '2026-01-01 00:10:00+00', 'big');
SET statement_timeout = '20ms';
SELECT * FROM observe.logql_instant('sum(count_over_time({app="big"} | json | n > 5 [1h]))', '2026-01-01 00:10:00+00', 'big');
SELECT count(*) FROM observe.logql('{app="big"} | json | n < 0', '2026-01-01', '2026-01-02', 10, 'forward', 'big');
RESET statement_timeout;

-- privileges: what a SELECT would check; row-level security refused
CREATE ROLE lq_nobody;
CREATE ROLE lq_reader IN ROLE observe_reader;
GRANT USAGE ON SCHEMA lq TO lq_nobody, lq_reader;
GRANT USAGE ON SCHEMA observe TO lq_nobody;
GRANT SELECT ON logs TO lq_reader;
SET ROLE lq_nobody;
SELECT * FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', source => 'logs');
SELECT * FROM observe.logql_range('count_over_time({app="api"}[1m])', '2026-01-01', '2026-01-02', '1h', 'logs');
SELECT count(*) FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02');
RESET ROLE;
SET ROLE lq_reader;
SELECT count(*) FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', source => 'logs');
SELECT count(*) FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02');
RESET ROLE;
ALTER TABLE logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY lq_only_web ON logs USING (labels->>'app' = 'web');
SET ROLE lq_reader;
SELECT * FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', source => 'logs');
RESET ROLE;
ALTER TABLE logs DISABLE ROW LEVEL SECURITY;

-- the default source is observe.logs; a query in a transaction sees its own uncommitted lines
BEGIN;
INSERT INTO observe.logs VALUES ('2026-01-01 00:00:01+00', '{"job": "tx"}', 'uncommitted line', NULL);
SELECT * FROM observe.logql('{job="tx"}', '2026-01-01', '2026-01-02');
ROLLBACK;
SELECT count(*) FROM observe.logql('{job="tx"}', '2026-01-01', '2026-01-02');

DROP SCHEMA lq CASCADE;
REVOKE USAGE ON SCHEMA observe FROM lq_nobody;
DROP ROLE lq_nobody, lq_reader;
