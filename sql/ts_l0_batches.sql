-- observe_ts L0 batches: a flush of many series with a few rows each (a scrape, a time-major
-- load) is written as batch rows holding many series; every reader sees their rows as the
-- series' own, compaction splits them into per-series chunks, retention and DROP remove them.
CREATE SCHEMA l0_test;
SET search_path = l0_test, public;
CREATE TABLE b (time timestamptz, k text, v float8, note int8) USING observe_ts;
SELECT observe.set_series_key('b', 'time', ARRAY['k']::name[]);
SELECT relfilenode AS b_storage FROM pg_class WHERE oid = 'b'::regclass \gset

-- 100 series x 2 rows in one transaction: one batch row
INSERT INTO b SELECT '2024-01-01 00:00:00+00'::timestamptz + (i / 100) * interval '15 s', 'k' || (i % 100), i,
                     CASE WHEN i % 10 = 0 THEN i END
  FROM generate_series(0, 199) i;
SELECT series_id, level, row_count FROM observe._ts_chunks WHERE storage_id = :b_storage;
SELECT rows, series, chunks FROM observe.storage_stats('b');
SELECT count(*), sum(v), count(DISTINCT k), count(note) FROM b;
SELECT * FROM b WHERE k = 'k7' ORDER BY time;
SELECT * FROM b WHERE k = 'k10' ORDER BY time;
SELECT k, count(*) FROM b WHERE k IN ('k1', 'k99') AND time >= '2024-01-01 00:00:15+00' GROUP BY k ORDER BY k;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM b WHERE k = 'k7';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT * FROM b WHERE k = 'k7' AND time > '2024-01-02 00:00:00+00';

-- a second batch, and a series with many rows in the same transaction (its own chunk)
INSERT INTO b SELECT '2024-01-01 00:00:30+00'::timestamptz, 'k' || i, 1000 + i, NULL::int8 FROM generate_series(0, 99) i
  UNION ALL
  SELECT '2024-01-02 00:00:00+00'::timestamptz + i * interval '1 s', 'big', i, NULL FROM generate_series(1, 100) i;
SELECT series_id = 0 AS batch, level, row_count FROM observe._ts_chunks WHERE storage_id = :b_storage ORDER BY 1, 3;
SELECT rows, series, chunks FROM observe.storage_stats('b');
SELECT * FROM b WHERE k = 'k7' ORDER BY time;
SELECT count(*), sum(v) FROM b WHERE k = 'big';

-- fewer small series than a batch needs: their own chunks
INSERT INTO b SELECT '2024-01-01 00:00:45+00'::timestamptz, 'k' || i, 2000 + i, NULL FROM generate_series(0, 9) i;
SELECT rows, series, chunks FROM observe.storage_stats('b');

-- read your writes, savepoints and rollback
BEGIN;
INSERT INTO b SELECT '2024-01-01 00:01:00+00'::timestamptz, 'k' || i, 3000 + i, NULL FROM generate_series(0, 99) i;
SELECT count(*), sum(v) FROM b WHERE k = 'k3';
SAVEPOINT s;
INSERT INTO b SELECT '2024-01-01 00:01:15+00'::timestamptz, 'k' || i, 4000 + i, NULL FROM generate_series(0, 99) i;
SELECT count(*) FROM b WHERE k = 'k3';
ROLLBACK TO SAVEPOINT s;
SELECT count(*) FROM b WHERE k = 'k3';
ROLLBACK;
SELECT count(*), sum(v) FROM b;

-- a metrics-shaped table: PromQL reads batch rows too
CREATE TABLE m (time timestamptz, name text, labels jsonb, value float8) USING observe_ts;
INSERT INTO m SELECT '2026-01-01 00:00:00+00'::timestamptz + s * interval '15 s', 'req_total',
                     jsonb_build_object('i', i::text), s * (i + 1)
  FROM generate_series(0, 59) i, generate_series(0, 20) s;
SELECT count(*) > 0 AS batched FROM observe._ts_chunks
 WHERE storage_id = (SELECT relfilenode FROM pg_class WHERE oid = 'm'::regclass) AND series_id = 0;
SELECT * FROM observe.promql('req_total{i="7"}', '2026-01-01 00:05:00+00', 'm');
SELECT * FROM observe.promql('sum(rate(req_total[1m]))', '2026-01-01 00:05:00+00', 'm');

-- compaction moves batch rows into the series' own chunks; rows unchanged
SELECT count(*), sum(v), count(note) FROM b;
SELECT observe.compact('b') > 0 AS compacted;
SELECT count(*) FROM observe._ts_chunks WHERE storage_id = :b_storage AND series_id = 0;
SELECT rows, series, chunks FROM observe.storage_stats('b');
SELECT count(*), sum(v), count(note) FROM b;
SELECT * FROM b WHERE k = 'k7' ORDER BY time;
SELECT * FROM b WHERE k = 'k10' ORDER BY time;

-- retention drops a batch whose rows are all older than the horizon, not a newer one
INSERT INTO b SELECT '2024-01-05 00:00:00+00'::timestamptz, 'k' || i, 5000 + i, NULL FROM generate_series(0, 99) i;
INSERT INTO b SELECT '2024-01-09 00:00:00+00'::timestamptz, 'k' || i, 6000 + i, NULL FROM generate_series(0, 99) i;
SELECT count(*) FROM observe._ts_chunks WHERE storage_id = :b_storage AND series_id = 0;
SELECT observe.drop_chunks('b', '2024-01-06 00:00:00+00');
SELECT count(*) FROM observe._ts_chunks WHERE storage_id = :b_storage AND series_id = 0;
SELECT count(*), min(time), max(time) FROM b;

-- a column added later reads as its default in batches written before it
ALTER TABLE b ADD COLUMN extra int DEFAULT 7;
SELECT count(*), sum(extra) FROM b;
INSERT INTO b SELECT '2024-01-10 00:00:00+00'::timestamptz, 'k' || i, 7000 + i, NULL, i FROM generate_series(0, 99) i;
SELECT count(*), sum(extra), sum(v) FROM b WHERE time >= '2024-01-09';

-- COPY out and back in gives the same rows
CREATE TABLE b2 (LIKE b) USING observe_ts;
INSERT INTO b2 SELECT * FROM b;
SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM b2) d;
SELECT count(*) FROM (SELECT * FROM b2 EXCEPT ALL SELECT * FROM b) d;

-- compaction keeps a NULL in the first row it merges (it became 0)
CREATE TABLE nulls (time timestamptz, k text, v float8, n int8) USING observe_ts;
INSERT INTO nulls VALUES ('2024-01-01 00:00:00+00', 'a', 1, NULL);
INSERT INTO nulls VALUES ('2024-01-01 00:00:10+00', 'a', 2, NULL);
INSERT INTO nulls VALUES ('2024-01-01 00:00:20+00', 'a', 3, 3);
SELECT observe.compact('nulls');
SELECT * FROM nulls ORDER BY time;

-- the parsed batch directories a backend keeps (observe.batch_directory_cache) answer as the
-- batches do: after a rolled-back batch, compaction and new batches, and the same with it off
CREATE TABLE c (time timestamptz, k text, v float8) USING observe_ts;
SELECT observe.set_series_key('c', 'time', ARRAY['k']::name[]);
INSERT INTO c SELECT '2024-01-01 00:00:00+00'::timestamptz + (i / 50) * interval '10 s', 'k' || (i % 50), i
  FROM generate_series(0, 149) i;
SELECT relfilenode AS c_storage FROM pg_class WHERE oid = 'c'::regclass \gset
SELECT count(*) FROM observe._ts_chunks WHERE storage_id = :c_storage AND series_id = 0;
SELECT count(*), sum(v) FROM c WHERE k = 'k7';
SELECT count(*), sum(v) FROM c WHERE k = 'k7';
BEGIN;
INSERT INTO c SELECT '2024-01-01 00:05:00+00'::timestamptz, 'k' || i, 1000 + i FROM generate_series(0, 49) i;
SELECT count(*), sum(v) FROM c WHERE k = 'k7';
ROLLBACK;
SELECT count(*), sum(v) FROM c WHERE k = 'k7';
INSERT INTO c SELECT '2024-01-01 00:06:00+00'::timestamptz, 'k' || i, 2000 + i FROM generate_series(0, 49) i;
SELECT count(*), sum(v) FROM c WHERE k = 'k7';
SELECT observe.compact('c');
SELECT count(*) FROM observe._ts_chunks WHERE storage_id = :c_storage AND series_id = 0;
SELECT count(*), sum(v) FROM c WHERE k = 'k7';
INSERT INTO c SELECT '2024-01-01 00:07:00+00'::timestamptz, 'k' || i, 3000 + i FROM generate_series(0, 49) i;
SELECT count(*), sum(v) FROM c WHERE k IN ('k7', 'k8');
SET observe.batch_directory_cache = 0;
SELECT count(*), sum(v) FROM c WHERE k IN ('k7', 'k8');
RESET observe.batch_directory_cache;
-- several readers under one snapshot share one list of the batch rows (read once): each
-- still gets its own series; a subtransaction's batches go when it rolls back, and the
-- transaction's own new batches are seen (REPEATABLE READ: one snapshot all along)
SELECT (SELECT sum(v) FROM c WHERE k = 'k1') AS k1, (SELECT sum(v) FROM c WHERE k = 'k2') AS k2,
       (SELECT sum(v) FROM c WHERE k = 'k49') AS k49, (SELECT count(*) FROM c WHERE k = 'nope') AS nope;
SET observe.batch_directory_cache = 0;
SELECT (SELECT sum(v) FROM c WHERE k = 'k1') AS k1, (SELECT sum(v) FROM c WHERE k = 'k2') AS k2,
       (SELECT sum(v) FROM c WHERE k = 'k49') AS k49, (SELECT count(*) FROM c WHERE k = 'nope') AS nope;
RESET observe.batch_directory_cache;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*), sum(v) FROM c WHERE k = 'k3';
SAVEPOINT s;
INSERT INTO c SELECT '2024-01-01 00:08:00+00'::timestamptz, 'k' || i, 4000 + i FROM generate_series(0, 49) i;
SELECT count(*), sum(v) FROM c WHERE k = 'k3';
ROLLBACK TO SAVEPOINT s;
SELECT count(*), sum(v) FROM c WHERE k = 'k3';
INSERT INTO c SELECT '2024-01-01 00:09:00+00'::timestamptz, 'k' || i, 5000 + i FROM generate_series(0, 49) i;
SELECT count(*), sum(v) FROM c WHERE k = 'k3';
COMMIT;
SELECT count(*), sum(v) FROM c WHERE k = 'k3';
SET observe.batch_directory_cache = 0;
SELECT count(*), sum(v) FROM c WHERE k = 'k3';
RESET observe.batch_directory_cache;
TRUNCATE c;
INSERT INTO c SELECT '2024-01-01 00:00:00+00'::timestamptz + (i / 50) * interval '10 s', 'k' || (i % 50), -i
  FROM generate_series(0, 149) i;
SELECT count(*), sum(v) FROM c WHERE k = 'k7';

-- DROP removes the batches
DROP TABLE b;
SELECT count(*) FROM observe._ts_chunks WHERE storage_id = :b_storage;
DROP SCHEMA l0_test CASCADE;
