-- What the owner of an observe_ts table may do without being a superuser or having any grant on
-- observe's internal tables, and what others may not (issue 11, case 4).
CREATE ROLE ts_owner;
CREATE ROLE ts_other;
GRANT USAGE ON SCHEMA observe TO ts_owner, ts_other;
GRANT CREATE ON SCHEMA public TO ts_owner;

SET ROLE ts_owner;
CREATE TABLE owned_ts (time timestamptz NOT NULL, host text, v float8) USING observe_ts;
SELECT observe.set_series_key('owned_ts', 'time', ARRAY['host']::name[]);
SELECT observe.set_retention('owned_ts', '30 days');
INSERT INTO owned_ts SELECT '2026-01-01'::timestamptz + i * interval '1 minute', 'h' || (i % 3), i
  FROM generate_series(0, 99) i;
SELECT observe.compact('owned_ts') >= 0 AS compacted;
SELECT rows, series FROM observe.storage_stats('owned_ts');
SELECT observe.drop_chunks('owned_ts', '2025-01-01') AS dropped;
SELECT observe.set_retention('owned_ts', NULL);
-- the settings the owner wrote are the table's (read back by its layout and by pg_dump's label)
SELECT label FROM pg_seclabel WHERE objoid = 'owned_ts'::regclass AND provider = 'observe';
-- the internal tables stay closed to the owner
SELECT count(*) FROM observe._ts_options;
SELECT count(*) FROM observe._ts_chunks;
RESET ROLE;

-- another role may neither change the settings nor compact; it may read with SELECT and drop
-- chunks with DELETE, as with a heap table's rows
SET ROLE ts_other;
SELECT observe.set_retention('owned_ts', '1 day');
SELECT observe.set_series_key('owned_ts', 'time', ARRAY['host']::name[]);
SELECT observe.compact('owned_ts');
SELECT rows FROM observe.storage_stats('owned_ts');
SELECT observe.drop_chunks('owned_ts', '2027-01-01');
RESET ROLE;
SET ROLE ts_owner;
GRANT SELECT, DELETE ON owned_ts TO ts_other;
RESET ROLE;
SET ROLE ts_other;
SELECT rows FROM observe.storage_stats('owned_ts');
SELECT count(*) FROM owned_ts;
SELECT observe.drop_chunks('owned_ts', '2026-01-01 00:30:00+00') >= 0 AS dropped;
RESET ROLE;

-- The settings writes run as the extension's owner with a pinned search_path: an operator or
-- function of the caller's schema is never picked up with those privileges.
CREATE SCHEMA ts_trap;
GRANT USAGE, CREATE ON SCHEMA ts_trap TO ts_owner;
SET ROLE ts_owner;
CREATE FUNCTION ts_trap.jsonb_strip_nulls(jsonb) RETURNS jsonb
  LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap function ran as %', current_user; END $$;
SET search_path = ts_trap, pg_catalog, public;
SELECT observe.set_retention('owned_ts', '2 days');
RESET search_path;
SELECT label FROM pg_seclabel WHERE objoid = 'owned_ts'::regclass AND provider = 'observe';
RESET ROLE;

-- Functions that read observe_ts tables never run in a parallel worker: the worker would not
-- see the transaction's buffered rows (case 5).
SELECT p.proname, p.proparallel FROM pg_proc p
 WHERE p.pronamespace = 'observe'::regnamespace
   AND p.proname IN ('promql', 'promql_range', 'promql_range_series', 'label_names', 'label_values')
 ORDER BY 1;
CREATE TABLE par_ts (time timestamptz NOT NULL, name text, labels jsonb, value float8) USING observe_ts;
INSERT INTO par_ts VALUES ('2026-02-01 00:00:00+00', 'up', '{"job": "committed"}', 1);
BEGIN;
SET LOCAL force_parallel_mode = on;
INSERT INTO par_ts VALUES ('2026-02-01 00:00:00+00', 'up', '{"job": "buffered"}', 1);
SELECT * FROM observe.label_values('job', NULL, 'par_ts');
SELECT metric, value FROM observe.promql('up', '2026-02-01 00:00:00+00', 'par_ts') ORDER BY 1;
-- a function a user wrongly marks PARALLEL SAFE gets an error, not an answer without the
-- buffered rows
CREATE FUNCTION ts_count_owned() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT count(*) FROM par_ts $$;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SELECT ts_count_owned() FROM generate_series(1, 1);
ROLLBACK;
DROP TABLE par_ts;

-- observe_ts rows live in the internal tables of the database's default tablespace; a table of
-- its own tablespace could share a relfilenode number with another table's (case 7).
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE ts_elsewhere LOCATION '';
CREATE TABLE ts_spc (time timestamptz NOT NULL, v float8) USING observe_ts TABLESPACE ts_elsewhere;
SET default_tablespace = ts_elsewhere;
CREATE TABLE ts_spc (time timestamptz NOT NULL, v float8) USING observe_ts;
RESET default_tablespace;
CREATE TABLE ts_spc (time timestamptz NOT NULL, v float8) USING observe_ts;
ALTER TABLE ts_spc SET TABLESPACE ts_elsewhere;
ALTER TABLE ts_spc SET TABLESPACE pg_default;
DROP TABLE ts_spc;
DROP TABLESPACE ts_elsewhere;

-- drop_chunks on a `timestamp` (without time zone) column compares as PostgreSQL compares
-- timestamp with timestamptz: in the session's time zone (case 7).
SET TimeZone = 'America/New_York';
CREATE TABLE ts_local (time timestamp NOT NULL, v float8) USING observe_ts;
CREATE TABLE heap_local (time timestamp NOT NULL, v float8);
-- two statements: two chunks (drop_chunks removes whole chunks)
INSERT INTO ts_local VALUES ('2026-01-01 10:00', 1);
INSERT INTO ts_local VALUES ('2026-01-01 12:00', 2);
INSERT INTO heap_local SELECT * FROM ts_local;
-- 11:00 New York is 16:00 UTC: only the 10:00 row is older
SELECT observe.drop_chunks('ts_local', '2026-01-01 11:00:00-05');
DELETE FROM heap_local WHERE time < '2026-01-01 11:00:00-05'::timestamptz;
SELECT (SELECT array_agg(v ORDER BY v) FROM ts_local) AS observe_ts,
       (SELECT array_agg(v ORDER BY v) FROM heap_local) AS heap;
RESET TimeZone;
DROP TABLE ts_local, heap_local;

DROP TABLE owned_ts;
DROP SCHEMA ts_trap CASCADE;
REVOKE CREATE ON SCHEMA public FROM ts_owner;
REVOKE USAGE ON SCHEMA observe FROM ts_owner, ts_other;
DROP ROLE ts_owner;
DROP ROLE ts_other;
