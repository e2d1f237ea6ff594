-- observe.delete_logs: removing the lines a LogQL log query selects in a time window (both ends
-- included), by rewriting the chunks that hold them. Checked side by side with a heap table
-- holding the same rows and the equivalent SQL DELETE: after every step both tables hold the
-- same rows, and delete_logs returns the count the DELETE does.
CREATE SCHEMA ld;
SET search_path = ld, public;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE logs (time timestamptz NOT NULL, labels jsonb NOT NULL DEFAULT '{}', line text NOT NULL,
                   metadata jsonb) USING observe_log;
CREATE TABLE heap (time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb);

-- Rows in every shape the engine stores: L0 batches (40 streams, a few lines each per
-- statement), per-stream chunks of single statements, and compacted chunks; a big stream in
-- several chunks; metadata on some lines.
SELECT setseed(0.42);
CREATE TEMP TABLE gen AS
SELECT '2026-01-01'::timestamptz + (s * 1000 + i) * interval '1 second' AS time,
       jsonb_build_object('app', 's' || k, 'env', CASE WHEN k % 2 = 0 THEN 'prod' ELSE 'dev' END) AS labels,
       format('req id=%s user=%s status=%s', (random() * 100)::int,
              (ARRAY['alice', 'bob', 'carol', 'eve'])[1 + (random() * 3)::int],
              (ARRAY[200, 200, 404, 500, 503])[1 + (random() * 4)::int]) AS line,
       CASE WHEN i = 2 THEN jsonb_build_object('trace', 't' || s) END AS metadata,
       s
FROM generate_series(0, 5) s, generate_series(1, 40) k, generate_series(1, 3) i;
INSERT INTO gen
SELECT '2026-01-01'::timestamptz + (s * 1000 + i) * interval '1 second' + interval '1 ms',
       '{"app": "big", "env": "prod"}', format('req id=%s user=bob status=200 path=/p/%s', i % 100, i), NULL, s
FROM generate_series(0, 5) s, generate_series(1, 900) i;
DO $$
BEGIN
  FOR n IN 0..5 LOOP
    INSERT INTO ld.logs SELECT time, labels, line, metadata FROM gen WHERE gen.s = n ORDER BY time;
    IF n = 2 THEN PERFORM observe.compact('ld.logs'); END IF;
  END LOOP;
END $$;
INSERT INTO heap SELECT time, labels, line, metadata FROM gen;
SELECT count(*) AS lines, count(DISTINCT labels) AS streams FROM logs;
SELECT rows, series, chunks > series AS several_chunks_a_stream FROM observe.storage_stats('ld.logs');

-- rows in one table and not the other (0 when they agree)
CREATE FUNCTION diff() RETURNS bigint LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM (SELECT * FROM ld.logs EXCEPT ALL SELECT * FROM ld.heap) a)
       + (SELECT count(*) FROM (SELECT * FROM ld.heap EXCEPT ALL SELECT * FROM ld.logs) b)
$$;
SELECT diff();

-- a whole stream
SELECT observe.delete_logs('{app="s3"}', NULL, NULL, NULL, 'ld.logs');
WITH d AS (DELETE FROM heap WHERE labels->>'app' = 's3' RETURNING 1) SELECT count(*) FROM d;
SELECT diff();

-- a line filter in a window whose ends are times of lines (both included)
SELECT observe.delete_logs('{env="prod"}', '2026-01-01 00:16:41', '2026-01-01 01:06:42', '|= "user=bob"', 'ld.logs');
WITH d AS (DELETE FROM heap WHERE labels->>'env' = 'prod' AND time BETWEEN '2026-01-01 00:16:41' AND '2026-01-01 01:06:42'
                                  AND strpos(line, 'user=bob') > 0 RETURNING 1)
SELECT count(*) FROM d;
SELECT diff();

-- a regular expression and a negative filter, from a start on
SELECT observe.delete_logs('{app=~"s1.*"}', '2026-01-01 00:30:00', NULL, '|~ "status=5\\d\\d" != "user=eve"', 'ld.logs');
WITH d AS (DELETE FROM heap WHERE labels->>'app' ~ '^(?:s1.*)$' AND time >= '2026-01-01 00:30:00'
                                  AND line ~ 'status=5\d\d' AND strpos(line, 'user=eve') = 0 RETURNING 1)
SELECT count(*) FROM d;
SELECT diff();

-- a parser and label filters (the whole log pipeline decides), a selector holding the filter
SELECT observe.delete_logs('{env="dev"} | logfmt | status >= 500 and user="carol"', NULL, NULL, NULL, 'ld.logs');
WITH d AS (DELETE FROM heap WHERE labels->>'env' = 'dev' AND substring(line FROM 'status=(\d+)')::int >= 500
                                  AND substring(line FROM 'user=(\w+)') = 'carol' RETURNING 1)
SELECT count(*) FROM d;
SELECT diff();

-- structured metadata in a label filter
SELECT observe.delete_logs('{env="dev"}', NULL, NULL, '| trace="t4"', 'ld.logs');
WITH d AS (DELETE FROM heap WHERE labels->>'env' = 'dev' AND metadata->>'trace' = 't4' RETURNING 1) SELECT count(*) FROM d;
SELECT diff();

-- a needle in the big stream's chunks
SELECT observe.delete_logs('{app="big"}', NULL, NULL, '|= "path=/p/77" |= "id=77 "', 'ld.logs');
WITH d AS (DELETE FROM heap WHERE labels->>'app' = 'big' AND strpos(line, 'path=/p/77') > 0
                                  AND strpos(line, 'id=77 ') > 0 RETURNING 1)
SELECT count(*) FROM d;
SELECT diff();

-- nothing matches: nothing changes
SELECT observe.delete_logs('{app="nope"}', NULL, NULL, NULL, 'ld.logs');
SELECT observe.delete_logs('{app="big"}', NULL, NULL, '|= "no such text"', 'ld.logs');
SELECT observe.delete_logs('{app="big"}', '2030-01-01', '2030-01-02', NULL, 'ld.logs');
SELECT diff();

-- a rollback keeps every line
BEGIN;
SELECT observe.delete_logs('{env="prod"}', NULL, NULL, NULL, 'ld.logs');
SELECT count(*) FROM logs WHERE labels->>'env' = 'prod';
ROLLBACK;
SELECT diff();

-- lines this transaction inserted (still in its write buffer) are seen and deleted
BEGIN;
INSERT INTO logs VALUES ('2026-01-01 03:00:00', '{"app": "s3", "env": "dev"}', 'fresh user=bob', NULL),
                        ('2026-01-01 03:00:01', '{"app": "s3", "env": "dev"}', 'fresh user=eve', NULL);
SELECT observe.delete_logs('{app="s3"}', NULL, NULL, '|= "bob"', 'ld.logs');
SELECT line FROM logs WHERE labels->>'app' = 's3';
COMMIT;
INSERT INTO heap VALUES ('2026-01-01 03:00:01', '{"app": "s3", "env": "dev"}', 'fresh user=eve', NULL);
SELECT diff();

-- compaction after deletions keeps the same rows
SELECT observe.compact('ld.logs') >= 0 AS compacted;
SELECT diff();

-- errors: a parse error with its position, a metric query, a reversed window, NULLs
SELECT observe.delete_logs('{app="s1"', NULL, NULL, NULL, 'ld.logs');
SELECT observe.delete_logs('{app="s1"}', NULL, NULL, '|~ "("', 'ld.logs');
SELECT observe.delete_logs('count_over_time({app="s1"}[1m])', NULL, NULL, NULL, 'ld.logs');
SELECT observe.delete_logs('{app="s1"}', '2026-01-02', '2026-01-01', NULL, 'ld.logs');
SELECT observe.delete_logs(NULL, NULL, NULL, NULL, 'ld.logs');
SELECT observe.delete_logs('{app="s1"}', NULL, NULL, NULL, 'ld.heap');

-- privileges: DELETE and SELECT both needed; read-only transactions and row-level security refused
CREATE ROLE ld_user IN ROLE observe_reader;
GRANT USAGE ON SCHEMA ld TO ld_user;
GRANT SELECT ON logs TO ld_user;
SET ROLE ld_user;
SELECT observe.delete_logs('{app="s1"}', NULL, NULL, NULL, 'ld.logs');
RESET ROLE;
REVOKE SELECT ON logs FROM ld_user;
GRANT DELETE ON logs TO ld_user;
SET ROLE ld_user;
SELECT observe.delete_logs('{app="s1"}', NULL, NULL, NULL, 'ld.logs');
RESET ROLE;
GRANT SELECT ON logs TO ld_user;
SET ROLE ld_user;
SELECT observe.delete_logs('{app="s1"}', NULL, NULL, '|= "user=alice"', 'ld.logs') > 0 AS deleted;
RESET ROLE;
ALTER TABLE logs ENABLE ROW LEVEL SECURITY;
SET ROLE ld_user;
SELECT observe.delete_logs('{app="s1"}', NULL, NULL, NULL, 'ld.logs');
RESET ROLE;
ALTER TABLE logs DISABLE ROW LEVEL SECURITY;
DELETE FROM heap WHERE labels->>'app' = 's1' AND strpos(line, 'user=alice') > 0;
SELECT diff();
BEGIN READ ONLY;
SELECT observe.delete_logs('{app="s1"}', NULL, NULL, NULL, 'ld.logs');
ROLLBACK;

-- the table's storage after the rewrites: every line still readable through LogQL
SELECT value = (SELECT count(*) FROM heap) AS same_count
FROM observe.logql_instant('sum(count_over_time({env=~".+"}[1d]))', '2026-01-02', 'ld.logs');

REVOKE ALL ON logs FROM ld_user;
REVOKE ALL ON SCHEMA ld FROM ld_user;
DROP ROLE ld_user;
DROP SCHEMA ld CASCADE;
