-- observe_ts: rows come back exactly as written, through every write path; rolled-back work
-- leaves nothing; the lifecycle commands keep or remove rows as a heap table would.
CREATE SCHEMA ts_test;
SET search_path = ts_test, public;

-- float8send shows the bits: NaN payloads, -0 and denormals must survive bit for bit
CREATE TABLE vals (time timestamptz, host text, v float8, n int8, r real, ok bool,
                   payload bytea, amount numeric) USING observe_ts;
INSERT INTO vals VALUES
  ('2024-01-01 00:00:00+00', 'a', 'NaN', 1, 1.5, true, '\x00ff', 1.25),
  ('2024-01-01 00:00:10+00', 'a', 'Infinity', -9223372036854775808, '-Infinity', false, '', -0.001),
  ('2024-01-01 00:00:20+00', 'a', '-Infinity', 9223372036854775807, 'NaN', NULL, NULL, NULL),
  ('2024-01-01 00:00:30+00', 'a', '-0', 0, '-0', true, '\xdeadbeef', 1e100),
  ('2024-01-01 00:00:40+00', 'a', 4.9e-324, NULL, NULL, NULL, NULL, 'NaN'),
  ('2024-01-01 00:00:50+00', 'a', NULL, 42, 3.25, false, '\x01', 0);
SELECT time, host, v, float8send(v) AS v_bits, n, r, float4send(r) AS r_bits, ok, payload, amount
  FROM vals ORDER BY time;

-- several series (the key is the text column), out-of-order and duplicate times, NULL keys
CREATE TABLE cpu (time timestamptz, host text, usage float8) USING observe_ts;
INSERT INTO cpu VALUES
  ('2024-01-01 00:00:20+00', 'h1', 3), ('2024-01-01 00:00:00+00', 'h1', 1),
  ('2024-01-01 00:00:10+00', 'h2', 2), ('2024-01-01 00:00:10+00', 'h2', 2.5),
  ('2024-01-01 00:00:00+00', NULL, 9), ('-infinity', 'h3', 0), ('infinity', 'h3', 1),
  ('4713-01-01 00:00:00+00 BC', 'h3', 2), ('294276-12-31 23:59:59.999999+00', 'h3', 3);
SELECT * FROM cpu ORDER BY host NULLS FIRST, time, usage;

-- COPY (multi_insert) and INSERT ... SELECT from a heap table, CREATE TABLE AS, and back
COPY cpu FROM stdin;
2024-01-02 00:00:00+00	h4	10
2024-01-02 00:00:15+00	h4	11
2024-01-02 00:00:30+00	h5	12
\.
CREATE TABLE heap_src (time timestamptz, host text, usage float8);
INSERT INTO heap_src SELECT '2024-01-03'::timestamptz + i * interval '15 s', 'g' || (i % 7), i
  FROM generate_series(1, 5000) i;
INSERT INTO cpu SELECT * FROM heap_src;
SELECT count(*), sum(usage), count(DISTINCT host) FROM cpu;
CREATE TABLE cpu_copy USING observe_ts AS SELECT * FROM heap_src;
SELECT count(*), sum(usage) FROM cpu_copy;
CREATE TABLE heap_back AS SELECT * FROM cpu_copy;
SELECT count(*) FROM (SELECT * FROM heap_back EXCEPT ALL SELECT * FROM heap_src) d;
SELECT count(*) FROM (SELECT * FROM heap_src EXCEPT ALL SELECT * FROM cpu_copy) d;

-- rolled-back transactions and subtransactions leave nothing; a transaction reads its own rows
CREATE TABLE tx (time timestamptz, k text, v int4) USING observe_ts;
BEGIN;
INSERT INTO tx VALUES ('2024-01-01', 'a', 1);
SELECT count(*) FROM tx;
SAVEPOINT s1;
INSERT INTO tx VALUES ('2024-01-01', 'b', 2);
SELECT count(*) FROM tx;
ROLLBACK TO s1;
SELECT count(*) FROM tx;
SAVEPOINT s2;
INSERT INTO tx VALUES ('2024-01-01', 'c', 3);
RELEASE s2;
COMMIT;
SELECT * FROM tx ORDER BY v;
BEGIN;
INSERT INTO tx VALUES ('2024-01-02', 'rolled back', 100);
SELECT count(*) FROM tx;
ROLLBACK;
-- a parent's buffered rows written by a read inside a savepoint survive its rollback
BEGIN;
INSERT INTO tx VALUES ('2024-01-03', 'parent', 10);
SAVEPOINT s3;
INSERT INTO tx VALUES ('2024-01-03', 'child', 20);
SELECT count(*) FROM tx;
ROLLBACK TO s3;
SELECT k, v FROM tx WHERE v >= 10 ORDER BY v;
COMMIT;
SELECT k, v FROM tx ORDER BY v;
-- a series created in a rolled-back subtransaction does not leak into later ones
BEGIN;
SAVEPOINT s4;
INSERT INTO tx VALUES ('2024-01-04', 'new series', 30);
ROLLBACK TO s4;
INSERT INTO tx VALUES ('2024-01-04', 'other series', 31);
COMMIT;
SELECT k, v FROM tx ORDER BY v;
-- nested savepoints: rows written by a read two levels down are kept or dropped with their level
TRUNCATE tx;
BEGIN;
INSERT INTO tx VALUES ('2024-01-05', 'kept', 40);
SAVEPOINT n1;
INSERT INTO tx VALUES ('2024-01-05', 'dropped', 41);
SAVEPOINT n2;
SELECT count(*) FROM tx;
RELEASE n2;
ROLLBACK TO n1;
SAVEPOINT n3;
SELECT count(*) FROM tx;
RELEASE n3;
INSERT INTO tx VALUES ('2024-01-05', 'after', 42);
COMMIT;
SELECT k, v FROM tx ORDER BY v;
-- PL/pgSQL exception blocks are subtransactions too
DO $$
BEGIN
  FOR i IN 1..20 LOOP
    BEGIN
      INSERT INTO tx VALUES ('2024-01-06'::timestamptz + i * interval '1 s', 'plpgsql', i);
      IF i % 3 = 0 THEN RAISE EXCEPTION 'boom'; END IF;
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
  END LOOP;
END $$;
SELECT count(*), sum(v) FROM tx WHERE k = 'plpgsql';
TRUNCATE tx;
INSERT INTO tx VALUES ('2024-01-01', 'a', 1), ('2024-01-01', 'c', 3), ('2024-01-03', 'parent', 10),
                      ('2024-01-04', 'other series', 31);
-- an INSERT ... SELECT from the same table does not see its own rows
INSERT INTO tx SELECT time + interval '1 day', k, v + 1000 FROM tx;
SELECT count(*), sum(v) FROM tx;
-- a buffer smaller than the load is written in several flushes, rows unchanged
SET observe.write_buffer_size = '1MB';
INSERT INTO tx SELECT '2024-02-01'::timestamptz + i * interval '1 s', 'bulk' || (i % 10), i
  FROM generate_series(1, 200000) i;
RESET observe.write_buffer_size;
SELECT count(*), sum(v::int8) FROM tx WHERE k LIKE 'bulk%';

-- TRUNCATE is transactional
BEGIN;
TRUNCATE tx;
SELECT count(*) FROM tx;
ROLLBACK;
SELECT count(*) FROM tx;
TRUNCATE tx;
SELECT count(*) FROM tx;
INSERT INTO tx VALUES ('2024-01-01', 'after truncate', 1);
SELECT k FROM tx;

-- refused with a clear error
\set VERBOSITY default
UPDATE cpu SET usage = 0;
DELETE FROM cpu WHERE host = 'h1';
DELETE FROM cpu WHERE false;
CREATE INDEX ON cpu (time);
CREATE TABLE with_pk (time timestamptz PRIMARY KEY, v float8) USING observe_ts;
INSERT INTO tx VALUES (NULL, 'x', 1);
CREATE TABLE no_time (a int, b text) USING observe_ts;
CREATE UNLOGGED TABLE unlogged_ts (time timestamptz, v float8) USING observe_ts;
SELECT * FROM cpu FOR UPDATE;
CREATE TABLE parted (time timestamptz, name text, v float8) PARTITION BY RANGE (time);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM ('2024-01-01') TO ('2024-02-01') USING observe_ts;
INSERT INTO parted VALUES ('2024-01-02', 'a', 1);
UPDATE parted SET v = 0;
DELETE FROM parted;
SELECT * FROM parted;

-- VACUUM, ANALYZE and VACUUM FULL keep the rows; ANALYZE gives the planner real counts
VACUUM cpu;
ANALYZE cpu;
SELECT reltuples FROM pg_class WHERE oid = 'cpu'::regclass;
SELECT count(DISTINCT attname) > 0 AS has_stats FROM pg_stats WHERE schemaname = 'ts_test' AND tablename = 'cpu';
VACUUM FULL cpu;
SELECT count(*), sum(usage) FROM cpu;

-- the series key and time column can be chosen while the table is empty
CREATE TABLE custom (t2 timestamp, t1 timestamptz, region text, host text, v float8) USING observe_ts;
SELECT observe.set_series_key('custom', 't1', ARRAY['host']::name[]);
INSERT INTO custom VALUES ('2024-01-01', '2024-01-01 00:00:00+00', 'eu', 'h1', 1),
                          ('2024-01-02', '2024-01-01 00:00:10+00', 'us', 'h1', 2);
SELECT * FROM custom ORDER BY t1;
SELECT labels FROM observe._ts_series s JOIN pg_class c ON c.relfilenode = s.storage_id
 WHERE c.oid = 'custom'::regclass;
-- a rewrite (ALTER ... TYPE) keeps the chosen series key
ALTER TABLE custom ALTER COLUMN v TYPE numeric;
SELECT * FROM custom ORDER BY t1;
SELECT labels FROM observe._ts_series s JOIN pg_class c ON c.relfilenode = s.storage_id
 WHERE c.oid = 'custom'::regclass;
SELECT observe.set_series_key('custom', 't1', ARRAY['region']::name[]);
SELECT observe.set_series_key('cpu_copy', 'nope', NULL);

-- retention and storage figures
SELECT observe.drop_chunks('cpu', '2024-01-02 12:00:00+00');
SELECT count(*), min(time) FROM cpu WHERE time > '-infinity' AND time < 'infinity';
SELECT rows, series, chunks, raw_bytes > 0 AS raw, stored_bytes > 0 AS stored
  FROM observe.storage_stats('cpu');
SELECT observe.storage_stats('heap_src');

-- the maintenance functions check the caller's rights on the table
CREATE ROLE regress_ts_reader;
GRANT USAGE ON SCHEMA ts_test, observe TO regress_ts_reader;
GRANT SELECT ON cpu TO regress_ts_reader;
SET ROLE regress_ts_reader;
SELECT rows FROM observe.storage_stats('cpu');
SELECT observe.drop_chunks('cpu', 'infinity');
SELECT observe.compact('cpu');
SELECT observe.set_retention('cpu', '1 day');
RESET ROLE;
REVOKE ALL ON SCHEMA ts_test, observe FROM regress_ts_reader;
REVOKE ALL ON cpu FROM regress_ts_reader;
DROP ROLE regress_ts_reader;

-- compaction merges small chunks, rows unchanged
CREATE TABLE small (time timestamptz, k text, v float8) USING observe_ts;
INSERT INTO small VALUES ('2024-01-01 00:00:00+00', 'a', 1);
INSERT INTO small VALUES ('2024-01-01 00:00:10+00', 'a', 2);
INSERT INTO small VALUES ('2024-01-01 00:00:20+00', 'a', 3);
INSERT INTO small VALUES ('2024-01-01 00:00:05+00', 'b', 4);
INSERT INTO small VALUES ('2024-01-01 00:00:15+00', 'b', 5);
SELECT chunks FROM observe.storage_stats('small');
SELECT observe.compact('small');
SELECT rows, series, chunks FROM observe.storage_stats('small');
SELECT * FROM small ORDER BY k, time;
SELECT observe.compact('small');

-- pushdown: time range, series key quals and projection go into the scan; every qual is
-- still rechecked, so results equal a plain scan's
CREATE TABLE gr (time timestamptz, name text, labels jsonb, value float8) USING observe_ts;
INSERT INTO gr SELECT '2024-01-01 00:00:00+00'::timestamptz + i * interval '1 min', n, l, i
  FROM generate_series(0, 59) i,
       (VALUES ('up', '{"job":"api","instance":"a"}'::jsonb), ('up', '{"job":"api","instance":"b"}'),
               ('load', '{"job":"node","instance":"a"}')) s(n, l);
INSERT INTO gr SELECT '2024-01-01 01:00:00+00'::timestamptz + i * interval '1 min', n, l, i + 100
  FROM generate_series(0, 59) i,
       (VALUES ('up', '{"job":"api","instance":"a"}'::jsonb), ('up', '{"job":"api","instance":"b"}'),
               ('load', '{"job":"node","instance":"a"}')) s(n, l);
EXPLAIN (COSTS OFF) SELECT time, value FROM gr
 WHERE name = 'up' AND time BETWEEN '2024-01-01 01:10:00+00' AND '2024-01-01 01:20:00+00';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT time, value FROM gr
 WHERE name = 'up' AND labels @> '{"instance":"b"}'
   AND time BETWEEN '2024-01-01 01:10:00+00' AND '2024-01-01 01:20:00+00';
SELECT time, value FROM gr
 WHERE name = 'up' AND labels @> '{"instance":"b"}'
   AND time BETWEEN '2024-01-01 01:10:00+00' AND '2024-01-01 01:12:00+00' ORDER BY time;
SELECT count(*), sum(value) FROM gr WHERE labels->>'instance' = 'a' AND time < '2024-01-01 00:30:00+00';
SELECT count(*), sum(value) FROM gr WHERE name IN ('load', 'nope') AND time > '2024-01-01 01:58:00+00';
SELECT count(*) FROM gr WHERE time = '2024-01-01 00:59:00+00';
SELECT count(*) FROM gr WHERE time > 'infinity';
SELECT count(*) FROM gr WHERE time < now() - interval '1 year';
SELECT count(*) FROM gr WHERE name = 'up' AND time >= NULL;
PREPARE q(timestamptz, text) AS SELECT count(*), sum(value) FROM gr WHERE time >= $1 AND name = $2;
SET plan_cache_mode = force_generic_plan;
EXECUTE q('2024-01-01 01:30:00+00', 'up');
EXECUTE q('2024-01-01 00:00:00+00', 'load');
RESET plan_cache_mode;
-- rescans (a nested loop over the scan) evaluate the bounds again
SELECT b.t, count(g.*) FROM (VALUES ('2024-01-01 01:58:00+00'::timestamptz), ('2024-01-01 01:59:00+00')) b(t)
  LEFT JOIN LATERAL (SELECT * FROM gr WHERE gr.time >= b.t AND name = 'load' OFFSET 0) g ON true
 GROUP BY b.t ORDER BY b.t;

-- ALTER TABLE: added columns (also within the inserting transaction, with defaults), dropped
-- columns, type changes and SET TABLESPACE (rewrites through the access method)
CREATE TABLE alt (time timestamptz, k text, v float8, extra int4) USING observe_ts;
BEGIN;
INSERT INTO alt VALUES ('2024-01-01 00:00:00+00', 'a', 1, 10);
ALTER TABLE alt ADD COLUMN d int4 DEFAULT 7;
INSERT INTO alt VALUES ('2024-01-01 00:00:10+00', 'a', 2, 20, 8);
COMMIT;
INSERT INTO alt SELECT '2024-01-02'::timestamptz + i * interval '1 s', 'k' || (i % 3), i, i FROM generate_series(1, 1000) i;
ALTER TABLE alt DROP COLUMN v;
ALTER TABLE alt ALTER COLUMN extra TYPE int8;
ALTER TABLE alt SET TABLESPACE pg_default;
SELECT count(*), sum(extra), pg_typeof(min(extra)), sum(d) FROM alt;
SELECT * FROM alt WHERE time < '2024-01-02' ORDER BY time;
-- a type change that moves a column into the default series key keeps every value
ALTER TABLE alt ALTER COLUMN extra TYPE text, ALTER COLUMN k TYPE varchar(10);
SELECT count(*), count(DISTINCT extra), sum(d) FROM alt;
SELECT * FROM alt WHERE time < '2024-01-02' ORDER BY time;

-- DROP removes the table's rows from the internal tables
SELECT relfilenode AS small_storage FROM pg_class WHERE oid = 'small'::regclass \gset
DROP TABLE small;
SELECT count(*) FROM observe._ts_chunks WHERE storage_id = :small_storage;
SELECT count(*) FROM observe._ts_series WHERE storage_id = :small_storage;

DROP SCHEMA ts_test CASCADE;
