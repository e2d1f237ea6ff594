-- observe.metrics: the default metrics table, created by the extension on observe_ts, series
-- key (name, labels); its rows are dumped by pg_dump (a configuration table of the extension).
SELECT a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam
 WHERE c.oid = 'observe.metrics'::regclass;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'observe.metrics'::regclass AND attnum > 0 ORDER BY attnum;
SELECT 'observe.metrics'::regclass = ANY (extconfig) AS dumped
  FROM pg_extension WHERE extname = 'pg_observe';
-- the internal tables are extension members that pg_dump leaves alone
SELECT c.relname, c.oid = ANY (e.extconfig) AS dumped
  FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_observe'
 WHERE c.relname LIKE '\_ts\_%' AND c.relkind = 'r' ORDER BY 1;

BEGIN;
INSERT INTO observe.metrics VALUES
  ('2024-01-01 00:00:00+00', 'up', '{"job":"api","instance":"a:9100"}', 1),
  ('2024-01-01 00:00:15+00', 'up', '{"instance":"a:9100","job":"api"}', 0),
  ('2024-01-01 00:00:00+00', 'up', '{"job":"api","instance":"b:9100"}', 1),
  ('2024-01-01 00:00:00+00', 'http_requests_total', '{"job":"api","code":"200"}', 1027),
  ('2024-01-01 00:00:15+00', 'http_requests_total', '{"job":"api","code":"200"}', 1030.5);
-- label order in the jsonb does not make another series
SELECT name, labels, count(*), sum(value) FROM observe.metrics GROUP BY 1, 2 ORDER BY 1, 2::text;
SELECT s.labels FROM observe._ts_series s
 WHERE s.storage_id = (SELECT relfilenode FROM pg_class WHERE oid = 'observe.metrics'::regclass)
 ORDER BY s.series_id;
SELECT rows, series, chunks FROM observe.storage_stats('observe.metrics');
-- Grafana's query shape
SELECT time, value FROM observe.metrics
 WHERE name = 'up' AND labels @> '{"instance":"a:9100"}'
   AND time BETWEEN '2024-01-01 00:00:00+00' AND '2024-01-01 00:00:10+00'
 ORDER BY time;
-- the staleness marker and an ordinary NaN stay distinct, bit for bit
INSERT INTO observe.metrics VALUES
  ('2024-01-01 00:00:30+00', 'up', '{"job":"api","instance":"a:9100"}', observe.stale_marker()),
  ('2024-01-01 00:00:45+00', 'up', '{"job":"api","instance":"a:9100"}', 'NaN');
SELECT time, float8send(value) AS bits, observe.is_stale(value) FROM observe.metrics
 WHERE name = 'up' AND time >= '2024-01-01 00:00:30+00' ORDER BY time;
ROLLBACK;
SELECT count(*) FROM observe.metrics;
