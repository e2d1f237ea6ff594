-- ObserveTsAgg: GROUP BY over series-key columns with count/sum/avg/min/max answered from chunks.
-- Every query is run with the pushdown and without it (PostgreSQL's own aggregation over the
-- row scan); the results must be the same multiset, and the plan must show which one ran.
CREATE SCHEMA agg_test;
SET search_path = agg_test, public;

-- pushed: the plan uses ObserveTsAgg; same: identical results both ways (compared as row text,
-- so -0 and 0 differ); rows: result rows
CREATE FUNCTION check_agg(q text) RETURNS TABLE (pushed bool, same bool, rows bigint)
LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  pushed := false;
  PERFORM set_config('observe.enable_aggregate_pushdown', 'on', true);
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    pushed := pushed OR line LIKE '%ObserveTsAgg%';
  END LOOP;
  EXECUTE format('CREATE TEMP TABLE r_on AS SELECT s::text AS r FROM (%s) s', q);
  PERFORM set_config('observe.enable_aggregate_pushdown', 'off', true);
  EXECUTE format('CREATE TEMP TABLE r_off AS SELECT s::text AS r FROM (%s) s', q);
  PERFORM set_config('observe.enable_aggregate_pushdown', 'on', true);
  SELECT count(*) = 0 INTO same FROM ((TABLE r_on EXCEPT ALL TABLE r_off)
                                      UNION ALL (TABLE r_off EXCEPT ALL TABLE r_on)) d;
  SELECT count(*) INTO rows FROM r_on;
  DROP TABLE r_on, r_off;
  RETURN NEXT;
END $$;

-- Integral values: sums are exact in any order, so results are bit-identical both ways.
INSERT INTO observe.metrics
SELECT '2024-01-01'::timestamptz + (g / 12) * interval '15 s',
       'm' || (g % 3),
       jsonb_build_object('host', 'h' || (g % 4)) || CASE WHEN g % 12 = 0 THEN '{"extra": "x"}'::jsonb ELSE '{}' END,
       (g % 1000) - 300
FROM generate_series(1, 30000) g;

SELECT name, count(*), sum(value), avg(value), min(value), max(value), min(time), max(time)
  FROM observe.metrics GROUP BY name ORDER BY name;
EXPLAIN (COSTS OFF) SELECT name, avg(value) FROM observe.metrics GROUP BY name;

SELECT q, (check_agg(q)).* FROM (VALUES
  ('SELECT name, avg(value) FROM observe.metrics GROUP BY name'),
  ('SELECT name, labels, count(*), sum(value), min(value), max(value) FROM observe.metrics GROUP BY 1, 2'),
  ('SELECT labels->>''host'' AS host, avg(value), count(value) FROM observe.metrics GROUP BY 1'),
  ('SELECT labels->>''extra'' AS extra, count(*) FROM observe.metrics GROUP BY 1'),
  ('SELECT count(*), sum(value), min(time), max(time) FROM observe.metrics'),
  ('SELECT count(*) FROM observe.metrics WHERE time > ''2030-01-01'''),
  ('SELECT name, count(*) FROM observe.metrics WHERE time > ''2030-01-01'' GROUP BY name'),
  ('SELECT name, avg(value) * 2 + count(*) AS e FROM observe.metrics GROUP BY name'),
  ('SELECT upper(name), max(value) FROM observe.metrics GROUP BY name'),
  ('SELECT name, sum(value) FROM observe.metrics GROUP BY name HAVING sum(value) > 3000000'),
  ('SELECT name, count(*) FROM observe.metrics WHERE name IN (''m1'', ''m2'') AND labels @> ''{"host": "h1"}'' GROUP BY name'),
  ('SELECT name, count(*), min(time) FROM observe.metrics WHERE time >= ''2024-01-01 00:05:00'' AND time < ''2024-01-01 00:10:00'' GROUP BY name'),
  ('SELECT name, count(*) FROM observe.metrics WHERE time > ''2024-01-01 00:05:00'' AND time <= ''2024-01-01 00:10:00'' GROUP BY name'),
  ('SELECT name, count(*) FROM observe.metrics WHERE time BETWEEN ''2024-01-01 00:05:00'' AND now() GROUP BY name'),
  ('SELECT name, count(*) FROM observe.metrics WHERE time = ''2024-01-01 00:05:00'' GROUP BY name'),
  ('SELECT count(labels), count(name), count(time) FROM observe.metrics'),
  -- time buckets as Grafana's $__timeGroup writes them, with key columns or alone
  ('SELECT floor(extract(epoch from time)/60)*60 AS t, name, avg(value), count(*), min(time) FROM observe.metrics GROUP BY 1, 2'),
  ('SELECT name, floor(extract(epoch from time)/90)*90 AS t, sum(value) FROM observe.metrics WHERE time >= ''2024-01-01 00:05:00'' GROUP BY 1, 2 HAVING count(*) > 10'),
  ('SELECT floor(extract(epoch from time)/0.5)*0.5, count(*) FROM observe.metrics GROUP BY 1'),
  ('SELECT to_timestamp(floor(extract(epoch from time)/300)*300) AS t, max(value) FROM observe.metrics GROUP BY 1'),
  ('SELECT floor(extract(epoch from time)/60)::int8 % 3 AS wraps, count(*) FROM observe.metrics GROUP BY 1'),
  ('SELECT floor(extract(epoch from time)/60)*60, count(*) FROM observe.metrics WHERE time > ''2030-01-01'' GROUP BY 1'),
  -- a WHERE clause on a GROUP BY expression (a view grouped by a label, filtered from outside)
  ('SELECT labels->>''host'' AS h, avg(value) FROM observe.metrics WHERE labels->>''host'' = ''h1'' GROUP BY 1'),
  ('SELECT * FROM (SELECT labels->>''host'' AS h, name, count(*) FROM observe.metrics GROUP BY 1, 2) v WHERE h IN (''h1'', ''h3'') AND name <> ''m0'''),
  ('SELECT (labels->>''extra'') IS NULL AS plain, count(*) FROM observe.metrics WHERE labels->>''extra'' IS NULL GROUP BY 1'),
  -- a GROUP BY expression that fails on series the WHERE clause excludes
  ('SELECT (labels->>''extra'')::int AS n, count(*) FROM observe.metrics WHERE labels ? ''extra'' AND labels->>''extra'' ~ ''^[0-9]+$'' GROUP BY 1'),
  ('SELECT length(labels->>''extra''), count(*) FROM observe.metrics WHERE labels ? ''extra'' GROUP BY 1'),
  -- value filters, tested on the decoded value column
  ('SELECT name, avg(value), count(*) FROM observe.metrics WHERE value > 0 GROUP BY name'),
  ('SELECT count(*), sum(value) FROM observe.metrics WHERE 100 >= value AND value <> 5 AND value < 600 AND name = ''m1'''),
  ('SELECT count(*), sum(value) FROM observe.metrics WHERE 100 >= value AND value < 600 AND name = ''m1'''),
  ('SELECT floor(extract(epoch from time)/60)*60, count(*) FROM observe.metrics WHERE value = 17 GROUP BY 1'),
  ('SELECT name, count(*) FROM observe.metrics WHERE value IS NOT NULL AND value <= -200 GROUP BY 1'),
  -- not pushed, still right:
  ('SELECT name, count(*) FROM observe.metrics WHERE value + 1 > 3 GROUP BY name'),
  ('SELECT floor(extract(epoch from time)/60) + length(name), count(*) FROM observe.metrics GROUP BY 1'),
  ('SELECT floor(extract(epoch from time)/60), floor(extract(epoch from time)/120), count(*) FROM observe.metrics GROUP BY 1, 2'),
  ('SELECT floor(extract(epoch from time)/0.0001), count(*) FROM observe.metrics GROUP BY 1'),
  ('SELECT date_trunc(''hour'', time), count(*) FROM observe.metrics GROUP BY 1'),
  ('SELECT name, count(DISTINCT value) FROM observe.metrics GROUP BY name'),
  ('SELECT name, count(*) FILTER (WHERE value > 0) FROM observe.metrics GROUP BY name'),
  ('SELECT name, stddev(value) FROM observe.metrics GROUP BY name'),
  ('SELECT name, value, count(*) FROM observe.metrics GROUP BY name, value'),
  ('SELECT name, count(*) FROM observe.metrics GROUP BY ROLLUP (name)')
) AS t(q);

-- NaN, infinities, NULLs and -0 in a nullable value column; NULL series keys
CREATE TABLE odd (time timestamptz, host text, v float8, n int8) USING observe_ts;
INSERT INTO odd VALUES
  ('2024-01-01 00:00:00+00', 'a', 'NaN', 1), ('2024-01-01 00:00:10+00', 'a', 1, 2),
  ('2024-01-01 00:00:00+00', 'b', 'Infinity', 3), ('2024-01-01 00:00:10+00', 'b', '-Infinity', 4),
  ('2024-01-01 00:00:00+00', 'c', NULL, NULL), ('2024-01-01 00:00:10+00', 'c', NULL, 5),
  ('2024-01-01 00:00:00+00', 'd', '-0', 6), ('2024-01-01 00:00:00+00', NULL, 7, 7),
  ('2024-01-01 00:00:10+00', NULL, 8, 8);
SELECT host, count(*), count(v), sum(v), avg(v), min(v), max(v), count(host)
  FROM odd GROUP BY host ORDER BY host NULLS FIRST;
SELECT q, (check_agg(q)).* FROM (VALUES
  ('SELECT host, count(*), count(v), sum(v), avg(v), min(v), max(v), count(host) FROM odd GROUP BY host'),
  ('SELECT count(*), count(v), sum(v), min(v), max(v) FROM odd WHERE host IS NOT NULL'),
  ('SELECT host IS NULL, count(*) FROM odd GROUP BY 1'),
  ('SELECT host, sum(n) FROM odd GROUP BY host'),  -- int8 sum: not pushed
  ('SELECT floor(extract(epoch from time)/7)*7 AS t, host, count(*), sum(v) FROM odd GROUP BY 1, 2'),
  ('SELECT host, count(*) FROM odd WHERE v > 1 GROUP BY host'),
  ('SELECT host, count(*) FROM odd WHERE v = ''NaN'' GROUP BY host'),
  ('SELECT host, count(*) FROM odd WHERE v < ''NaN'' GROUP BY host'),
  ('SELECT host, count(*) FROM odd WHERE v >= ''-Infinity'' GROUP BY host'),
  ('SELECT host, count(*) FROM odd WHERE v IS NULL GROUP BY host'),
  ('SELECT host, count(*) FROM odd WHERE v <> ''NaN'' GROUP BY host'),
  ('SELECT host, count(*) FROM odd WHERE v <> 1 GROUP BY host'),
  ('SELECT host, count(*), sum(v) FROM odd WHERE v = 0 GROUP BY host')
) AS t(q);
-- buckets of the infinities and of times before 1970
INSERT INTO odd VALUES ('infinity', 'a', 1, 1), ('-infinity', 'a', 2, 2), ('1969-12-31 23:59:30+00', 'a', 3, 3),
                       ('1969-12-31 23:58:59+00', 'a', 4, 4), ('1969-12-31 23:59:00+00', 'a', 5, 5);
SELECT floor(extract(epoch from time)/60)*60 AS t, count(*), sum(v) FROM odd WHERE host = 'a' GROUP BY 1 ORDER BY 1;
SELECT q, (check_agg(q)).* FROM (VALUES
  ('SELECT floor(extract(epoch from time)/60)*60 AS t, host, count(*), sum(v), min(time), max(time) FROM odd GROUP BY 1, 2')
) AS t(q);
SELECT float8send(sum(v)) FROM odd WHERE host = 'd';  -- a single -0 sums to -0, as PostgreSQL's

-- finite values that overflow: the same error as PostgreSQL's aggregates
INSERT INTO odd VALUES ('2024-01-01 00:00:00+00', 'big', 1.7e308, 0), ('2024-01-01 00:00:10+00', 'big', 1.7e308, 0);
SELECT sum(v) FROM odd WHERE host = 'big';
SELECT avg(v) FROM odd WHERE host = 'big';
SET observe.enable_aggregate_pushdown = off;
SELECT sum(v) FROM odd WHERE host = 'big';
RESET observe.enable_aggregate_pushdown;

-- this transaction's own rows are counted (read-your-writes); rolled-back ones are not
BEGIN;
INSERT INTO odd VALUES ('2024-01-02 00:00:00+00', 'new', 1, 1);
SAVEPOINT s;
INSERT INTO odd VALUES ('2024-01-02 00:00:00+00', 'gone', 1, 1);
ROLLBACK TO s;
SELECT host, count(*) FROM odd WHERE host IN ('new', 'gone') GROUP BY host;
COMMIT;

-- prepared statements: parameters in the time bounds, custom and generic plans
PREPARE per_name(timestamptz) AS
  SELECT name, count(*) FROM observe.metrics WHERE time >= $1 GROUP BY name ORDER BY name;
EXECUTE per_name('2024-01-01 00:10:00');
SET plan_cache_mode = force_generic_plan;
EXECUTE per_name('2024-01-01 00:20:00');
EXPLAIN (COSTS OFF) EXECUTE per_name('2024-01-01 00:20:00');
RESET plan_cache_mode;

-- a correlated subquery (parameters set per outer row) plans the row scan and stays right
SELECT n, (SELECT count(*) FROM observe.metrics WHERE name = n) FROM (VALUES ('m0'), ('m1'), ('zz')) v(n);

-- the same aggregate under a nested loop is rescanned and gives the same answer each time
SELECT x, s.c FROM (VALUES (1), (2)) v(x),
  LATERAL (SELECT count(*) AS c FROM observe.metrics WHERE name = 'm2' OFFSET 0) s;

-- EXPLAIN ANALYZE shows the series and chunks read
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT labels->>'host', avg(value) FROM observe.metrics
  WHERE name = 'm1' AND time >= '2024-01-01 00:05:00' AND value > -1000 GROUP BY 1 HAVING count(*) > 1;

-- a timestamp (without time zone) time column, a float4 value column (not pushed), a column
-- added with a default (old chunks lack it: not pushed), dropped columns
CREATE TABLE local_ts (t timestamp, k text, v float8, f real) USING observe_ts;
INSERT INTO local_ts SELECT '2024-01-01'::timestamp + g * interval '1 min', 'k' || (g % 2), g, g FROM generate_series(1, 100) g;
ALTER TABLE local_ts ADD COLUMN d float8 DEFAULT 5;
ALTER TABLE local_ts DROP COLUMN f;
INSERT INTO local_ts VALUES ('2024-01-02', 'k0', 1, 1);
SELECT q, (check_agg(q)).* FROM (VALUES
  ('SELECT k, min(t), max(t), sum(v) FROM local_ts GROUP BY k'),
  ('SELECT k, sum(d) FROM local_ts GROUP BY k'),
  ('SELECT k, count(*) FROM local_ts WHERE t < ''2024-01-01 01:00'' GROUP BY k'),
  ('SELECT floor(extract(epoch from t)/600)*600 AS b, k, sum(v) FROM local_ts GROUP BY 1, 2')
) AS t(q);
SELECT k, sum(d), count(*) FROM local_ts GROUP BY k ORDER BY k;

-- scrape-shaped writes (many series, one row each per transaction) land in L0 batch rows, which
-- the aggregate scan reads series by series like any chunk
CREATE TABLE scraped (time timestamptz, name text, labels jsonb, value float8) USING observe_ts;
INSERT INTO scraped SELECT '2024-01-01 00:00:00', 'up', jsonb_build_object('i', g), g FROM generate_series(1, 40) g;
INSERT INTO scraped SELECT '2024-01-01 00:00:15', 'up', jsonb_build_object('i', g), g * 2 FROM generate_series(1, 40) g;
INSERT INTO scraped SELECT '2024-01-01 00:00:30', 'up', jsonb_build_object('i', g), g * 3 FROM generate_series(1, 40) g;
SELECT chunks, rows, series FROM observe.storage_stats('scraped');
SELECT q, (check_agg(q)).* FROM (VALUES
  ('SELECT labels->>''i'' AS i, count(*), sum(value), max(time) FROM scraped GROUP BY 1'),
  ('SELECT count(*), sum(value) FROM scraped WHERE time > ''2024-01-01 00:00:00'' AND labels @> ''{"i": 7}'''),
  ('SELECT floor(extract(epoch from time)/30)*30, sum(value) FROM scraped WHERE value > 10 GROUP BY 1')
) AS t(q);
SELECT observe.compact('scraped') > 0 AS compacted;
SELECT q, (check_agg(q)).* FROM (VALUES
  ('SELECT labels->>''i'' AS i, count(*), sum(value), max(time) FROM scraped GROUP BY 1')
) AS t(q);

DROP SCHEMA agg_test CASCADE;
TRUNCATE observe.metrics;
