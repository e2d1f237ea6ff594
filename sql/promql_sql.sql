-- PromQL through SQL on an observe_ts table: row shapes, ordering, the source argument,
-- errors with SQLSTATE and position, limits and cancellation.
CREATE TABLE promql_t (time timestamptz, name text, labels jsonb, value float8) USING observe_ts;
-- two counters over 10 minutes at 1 minute, one with a staleness marker at the end
INSERT INTO promql_t
SELECT '2026-01-01 00:00:00+00'::timestamptz + i * interval '1 minute', 'http_requests_total',
       jsonb_build_object('job', 'api', 'code', code), i * 60 * mult
  FROM generate_series(0, 10) i, (VALUES ('200', 1.0), ('500', 0.1)) AS c(code, mult);
INSERT INTO promql_t VALUES
  ('2026-01-01 00:10:30+00', 'http_requests_total', '{"job": "api", "code": "500"}', observe.stale_marker());

-- instant vector: one row per series at the evaluation time, Prometheus's series strings
SELECT * FROM observe.promql('http_requests_total', '2026-01-01 00:10:00+00', 'promql_t') ORDER BY metric;
SELECT * FROM observe.promql('sum by (job) (rate(http_requests_total[5m]))', '2026-01-01 00:10:00+00', 'promql_t');
-- the staleness marker ends the 500 series at once, not after 5 minutes of lookback
SELECT metric FROM observe.promql('http_requests_total', '2026-01-01 00:11:00+00', 'promql_t');
-- scalar: one row without a metric; string: the string in metric
SELECT * FROM observe.promql('scalar(sum(http_requests_total))', '2026-01-01 00:05:00+00', 'promql_t');
SELECT * FROM observe.promql('"hello"', '2026-01-01 00:05:00+00', 'promql_t');
-- range selector in an instant query: one row per sample
SELECT * FROM observe.promql('http_requests_total{code="200"}[3m]', '2026-01-01 00:10:00+00', 'promql_t');
-- range query: rows ascending by time, series in label order within a time
SELECT * FROM observe.promql_range('rate(http_requests_total[2m])', '2026-01-01 00:04:00+00',
                                   '2026-01-01 00:06:00+00', '1 minute', 'promql_t');
SELECT count(*), min(time), max(time)
  FROM observe.promql_range('http_requests_total', '2026-01-01 00:00:00+00', '2026-01-01 00:10:00+00',
                            '15 seconds', 'promql_t');

-- errors: syntax errors are 42601 with the position in the query
SELECT * FROM observe.promql('sum(rate(http_requests_total[5m])', '2026-01-01 00:10:00+00', 'promql_t');
SELECT * FROM observe.promql('http_requests_total{job=~"("}', '2026-01-01 00:10:00+00', 'promql_t');
SELECT * FROM observe.promql_range('up', '2026-01-01', '2026-01-02', '1 month', 'promql_t');
SELECT * FROM observe.promql_range('up', '2026-01-02', '2026-01-01', '1 minute', 'promql_t');
SELECT * FROM observe.promql_range('up', '2026-01-01', '2026-02-01', '1 second', 'promql_t');
-- the source must be an observe_ts table of the metrics shape
CREATE TABLE promql_heap (time timestamptz, name text, labels jsonb, value float8);
SELECT * FROM observe.promql('up', now(), 'promql_heap');
-- a query that would hold too many samples stops with Prometheus's error, 54000
SET observe.promql_max_samples = 100000;
\set VERBOSITY sqlstate
SELECT count(*) FROM observe.promql('count_over_time(vector(1)[1000d:1s])', '2026-01-01', 'promql_t');
\set VERBOSITY default
SELECT count(*) FROM observe.promql('count_over_time(vector(1)[1000d:1s])', '2026-01-01', 'promql_t');
-- statement_timeout cancels a long evaluation
SET observe.promql_max_samples = 2147483647;
SET statement_timeout = '300ms';
SELECT count(*) FROM observe.promql('count_over_time(vector(1)[100000d:1s])', '2026-01-01', 'promql_t');
RESET statement_timeout;
RESET observe.promql_max_samples;
-- and the session goes on
SELECT count(*) FROM observe.promql('http_requests_total', '2026-01-01 00:10:00+00', 'promql_t');
DROP TABLE promql_t, promql_heap;
