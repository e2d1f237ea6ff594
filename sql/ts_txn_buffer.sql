-- observe_ts write buffer under savepoints and cursors: every statement below answers what a
-- heap table (twin `h`) answers; each query reads both and shows any difference.
CREATE SCHEMA ts_txn;
SET search_path = ts_txn, public;
CREATE TABLE t (time timestamptz, k text, v float8) USING observe_ts;
CREATE TABLE h (time timestamptz, k text, v float8);
CREATE FUNCTION both_counts(OUT ts bigint, OUT heap bigint)
  LANGUAGE sql AS $$ SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM h) $$;

-- TRUNCATE rolled back to a savepoint keeps the outer level's buffered rows
BEGIN;
INSERT INTO t VALUES ('2024-01-01', 'a', 1);
INSERT INTO h VALUES ('2024-01-01', 'a', 1);
SAVEPOINT s;
TRUNCATE t, h;
ROLLBACK TO s;
COMMIT;
SELECT * FROM both_counts();

-- ... also when rows of the outer level were written inside the savepoint before the TRUNCATE,
-- and when the savepoint commits before an outer ROLLBACK TO
BEGIN;
INSERT INTO t VALUES ('2024-01-02', 'a', 2);
INSERT INTO h VALUES ('2024-01-02', 'a', 2);
SAVEPOINT s1;
SAVEPOINT s2;
SELECT * FROM both_counts();
TRUNCATE t, h;
INSERT INTO t VALUES ('2024-01-03', 'b', 3);
INSERT INTO h VALUES ('2024-01-03', 'b', 3);
RELEASE s2;
SELECT * FROM both_counts();
ROLLBACK TO s1;
SELECT * FROM both_counts();
COMMIT;
SELECT * FROM both_counts();

-- a TRUNCATE that commits at the top level still drops the rows
BEGIN;
INSERT INTO t VALUES ('2024-01-04', 'c', 4);
INSERT INTO h VALUES ('2024-01-04', 'c', 4);
SAVEPOINT s;
TRUNCATE t, h;
RELEASE s;
COMMIT;
SELECT * FROM both_counts();

-- DROP TABLE and a rewrite (ALTER ... TYPE) rolled back to a savepoint
INSERT INTO t VALUES ('2024-01-05', 'd', 5);
INSERT INTO h VALUES ('2024-01-05', 'd', 5);
BEGIN;
INSERT INTO t VALUES ('2024-01-06', 'e', 6);
INSERT INTO h VALUES ('2024-01-06', 'e', 6);
SAVEPOINT s;
DROP TABLE t CASCADE;
ROLLBACK TO s;
SAVEPOINT s;
ALTER TABLE t ALTER COLUMN v TYPE numeric;
ROLLBACK TO s;
SAVEPOINT s;
ALTER TABLE t SET TABLESPACE pg_default;
ROLLBACK TO s;
COMMIT;
SELECT * FROM both_counts();
SELECT * FROM t EXCEPT ALL SELECT * FROM h;

-- a cursor sees the rows inserted before it was declared, not those after, however late the
-- buffer is written (a later read writes both INSERTs)
TRUNCATE t, h;
BEGIN;
INSERT INTO t VALUES ('2024-02-01', 'a', 1);
INSERT INTO h VALUES ('2024-02-01', 'a', 1);
DECLARE ct CURSOR FOR SELECT k, v FROM t ORDER BY time;
DECLARE ch CURSOR FOR SELECT k, v FROM h ORDER BY time;
INSERT INTO t VALUES ('2024-02-02', 'b', 2);
INSERT INTO h VALUES ('2024-02-02', 'b', 2);
SELECT * FROM both_counts();
FETCH ALL ct;
FETCH ALL ch;
-- declared after both: sees both
DECLARE ct2 CURSOR FOR SELECT k, v FROM t ORDER BY time;
INSERT INTO t VALUES ('2024-02-03', 'c', 3);
FETCH ALL ct2;
COMMIT;

-- WITH HOLD: materialized at commit with the snapshot of its declaration
BEGIN;
INSERT INTO t VALUES ('2024-02-04', 'd', 4);
DECLARE hold CURSOR WITH HOLD FOR SELECT k, v FROM t ORDER BY time;
INSERT INTO t VALUES ('2024-02-05', 'e', 5);
COMMIT;
FETCH ALL hold;
CLOSE hold;

-- INSERT ... SELECT from the same table does not see its own rows
INSERT INTO t SELECT time + interval '1 day', k || 'x', v FROM t;
SELECT count(*) FROM t;

-- a PL/pgSQL function reading the table inside the statement that inserts into it sees the
-- rows the statement inserted before the call (each of its statements has a newer snapshot)
TRUNCATE t, h;
CREATE FUNCTION count_t() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN RETURN (SELECT count(*) FROM t); END $$;
CREATE FUNCTION count_h() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN RETURN (SELECT count(*) FROM h); END $$;
BEGIN;
INSERT INTO t SELECT '2024-03-01'::timestamptz + i * interval '1 s', 'p', count_t() FROM generate_series(1, 4) i;
INSERT INTO h SELECT '2024-03-01'::timestamptz + i * interval '1 s', 'p', count_h() FROM generate_series(1, 4) i;
SELECT v FROM t ORDER BY time;
SELECT v FROM h ORDER BY time;
COMMIT;
SELECT * FROM both_counts();

-- ALTER TABLE's rewrite reads the chunks in a per-tuple memory context; dead chunk index entries
-- (rolled-back writes) make the index scan allocate state lazily, which must outlive that
-- context (this crashed the server)
CREATE TABLE cr (time timestamptz, k text, v float8, n int4) USING observe_ts;
BEGIN;
SAVEPOINT s1;
DO $$ DECLARE c bigint; BEGIN INSERT INTO cr VALUES ('2030-01-01 00:00:08+00', 'a', '-0', '3'); BEGIN INSERT INTO cr VALUES ('2030-01-01 00:00:16+00', 'a', '-0', '2'), ('2030-01-01 00:00:06+00', NULL, '2.5', '5'); TRUNCATE cr; SELECT count(*) INTO c FROM cr; INSERT INTO cr VALUES ('2030-01-01 00:00:18+00', 'b', 'Infinity', '5'); RAISE EXCEPTION 'undo'; EXCEPTION WHEN raise_exception THEN NULL; END; END $$;
DO $$ DECLARE c bigint; BEGIN INSERT INTO cr VALUES ('-infinity', 'ninf', '-0', '-3'); BEGIN INSERT INTO cr VALUES ('2030-01-01 00:00:03+00', NULL, '-1', NULL), ('2030-01-01 00:00:15+00', 'c', '2.5', '-2'); TRUNCATE cr; EXCEPTION WHEN raise_exception THEN NULL; END; SELECT count(*) INTO c FROM cr; END $$;
ROLLBACK;
INSERT INTO cr VALUES ('2030-01-01 00:00:06+00', 'b', '0.5', '2'), ('2030-01-01 00:00:03+00', 'a', '-1', '-3'), ('2001-01-01 00:00:10+00', 'o1', '1', '-4'), ('2030-01-01 00:00:16+00', 'c', '-7.25', '-5');
ALTER TABLE cr ALTER COLUMN n TYPE int8;
SELECT * FROM cr ORDER BY time;

DROP SCHEMA ts_txn CASCADE;
