-- observe_log: the log table access method on the observe_ts engine (src/pg/engine/, profile
-- observe_log in engine/profile.cpp). Lines of a stream (labels) in time order, nanosecond
-- times inside, 4 MiB chunks of lines in the log-lines codec with a token filter each.
CREATE SCHEMA la;
SET search_path = la, public;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- the AM and observe.logs exist; the reader role may read it
SELECT amname, amtype FROM pg_am WHERE amname = 'observe_log';
SELECT c.relname, a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam
 WHERE c.oid = 'observe.logs'::regclass;
SELECT has_table_privilege('observe_reader', 'observe.logs', 'SELECT') AS reader_select,
       has_table_privilege('observe_reader', 'observe.logs', 'INSERT') AS reader_insert;

-- create/insert/select on observe.logs: labels are the stream, metadata is not part of it
INSERT INTO observe.logs VALUES
  ('2024-01-01 00:00:00+00', '{"app": "api", "env": "prod"}', 'GET /a 200', NULL),
  ('2024-01-01 00:00:01+00', '{"app": "api", "env": "prod"}', 'GET /b 500', '{"trace_id": "t1"}'),
  ('2024-01-01 00:00:02+00', '{"app": "db"}', 'checkpoint complete', '{}');
SELECT time, labels, line, metadata FROM observe.logs ORDER BY time;
SELECT rows, series, chunks FROM observe.storage_stats('observe.logs');
TRUNCATE observe.logs;
SELECT count(*) FROM observe.logs;

CREATE TABLE logs (time timestamptz NOT NULL, labels jsonb NOT NULL DEFAULT '{}', line text NOT NULL,
                   metadata jsonb) USING observe_log;

-- multi-stream, order within a stream: lines inserted out of time order come back sorted by
-- time within their stream (each stream's chunk is in time order)
INSERT INTO logs VALUES
  ('2024-01-01 00:00:03+00', '{"s": "a"}', 'a3', NULL),
  ('2024-01-01 00:00:01+00', '{"s": "a"}', 'a1', NULL),
  ('2024-01-01 00:00:02+00', '{"s": "b"}', 'b2', NULL),
  ('2024-01-01 00:00:02+00', '{"s": "a"}', 'a2', NULL),
  ('2024-01-01 00:00:01+00', '{"s": "b"}', 'b1', NULL);
SELECT labels->>'s' AS s, string_agg(line, ',') AS lines_in_scan_order FROM logs GROUP BY 1 ORDER BY 1;

-- same-µs ordering: lines of a stream sharing a microsecond keep their insertion order
-- (stored ns = µs * 1000 + seq), whatever their text
TRUNCATE logs;
INSERT INTO logs VALUES
  ('2024-01-01 00:00:00.000001+00', '{"s": "a"}', 'zz first', NULL),
  ('2024-01-01 00:00:00.000001+00', '{"s": "a"}', 'aa second', NULL),
  ('2024-01-01 00:00:00.000001+00', '{"s": "a"}', 'mm third', NULL),
  ('2024-01-01 00:00:00+00', '{"s": "a"}', 'earlier', NULL);
SELECT time, line FROM logs;
-- inside, times are ns since 1970: µs * 1000 + 0, 1, 2 for the three lines of one µs
SELECT min_time, max_time, max_time - min_time AS span_ns, row_count FROM observe._ts_chunks
 WHERE storage_id = (SELECT relfilenode FROM pg_class WHERE oid = 'logs'::regclass);
SELECT (extract(epoch FROM timestamptz '2024-01-01 00:00:00.000001+00') * 1e9)::int8 + 2 AS expected_max_ns;
-- 1,500 lines in one µs (beyond the 1,000 sequence numbers: they share the last ns and still
-- keep their order)
TRUNCATE logs;
INSERT INTO logs SELECT '2024-01-01 00:00:00.000001+00', '{"s": "many"}', i::text, NULL
  FROM generate_series(1, 1500) i;
SELECT bool_and(line::int = n) AS in_insertion_order, count(*)
  FROM (SELECT line, row_number() OVER () AS n FROM logs) x;

-- empty line, NULL metadata vs '{}', a NULL line is refused (NOT NULL) and a NULL time too
TRUNCATE logs;
INSERT INTO logs VALUES ('2024-01-01', '{"s": "e"}', '', NULL), ('2024-01-01 00:00:01', '{"s": "e"}', '', '{}'),
                        ('2024-01-01 00:00:02', '{"s": "e"}', 'x', '{"k": "v"}');
SELECT line = '' AS empty, length(line), metadata IS NULL AS meta_null, metadata FROM logs ORDER BY time;
INSERT INTO logs VALUES ('2024-01-01', '{"s": "e"}', NULL, NULL);
CREATE TABLE logs_nullable (time timestamptz, labels jsonb, line text, metadata jsonb) USING observe_log;
INSERT INTO logs_nullable VALUES (NULL, '{}', 'x', NULL);
-- invalid UTF-8 never reaches the AM: text input rejects it
INSERT INTO logs VALUES ('2024-01-01', '{}', convert_from('\xc328'::bytea, 'UTF8'), NULL);

-- ±infinity are kept as observe_ts keeps them; finite times outside the ns range (1677-09-21 to
-- 2262-04-11) are refused
INSERT INTO logs VALUES ('infinity', '{"s": "inf"}', 'end', NULL), ('-infinity', '{"s": "inf"}', 'begin', NULL);
SELECT time, line FROM logs WHERE labels @> '{"s": "inf"}' ORDER BY time;
SELECT line FROM logs WHERE time = 'infinity';
SELECT line FROM logs WHERE time > '2262-01-01' AND labels @> '{"s": "inf"}';
INSERT INTO logs VALUES ('3000-01-01', '{"s": "inf"}', 'far', NULL);

-- a 16 MiB line round-trips exactly (and one of random, incompressible text)
TRUNCATE logs;
INSERT INTO logs SELECT '2024-01-01', '{"s": "big"}', repeat('0123456789abcdef', 1024 * 1024), NULL;
CREATE TEMP TABLE big_src AS
  SELECT string_agg(md5(i::text || 'salt'), '') || 'tail' AS line FROM generate_series(1, 16 * 1024 * 1024 / 32) i;
INSERT INTO logs SELECT '2024-01-01 00:00:01', '{"s": "big"}', line, NULL FROM big_src;
SELECT length(line), md5(line) = md5(repeat('0123456789abcdef', 1024 * 1024)) AS same
  FROM logs WHERE time = '2024-01-01';
SELECT length(l.line), md5(l.line) = md5(b.line) AS same
  FROM logs l, big_src b WHERE l.time = '2024-01-01 00:00:01';
DROP TABLE big_src;

-- COPY in text and csv (the COPY fast path serves observe_log too); duplicates are kept
TRUNCATE logs;
COPY logs FROM stdin;
2024-01-01 00:00:00+00	{"app": "web"}	GET /index.html 200	\N
2024-01-01 00:00:00+00	{"app": "web"}	GET /index.html 200	\N
2024-01-01 00:00:01+00	{"app": "web"}	tab\there and a backslash \\ too	{"user": "u1"}
\.
\echo :ROW_COUNT
COPY logs FROM stdin (FORMAT csv);
2024-01-01 00:00:02+00,"{""app"": ""web""}","csv, with ""quotes""
and a newline",
2024-01-01 00:00:03+00,"{""app"": ""job""}","",{}
\.
\echo :ROW_COUNT
SELECT time, labels, line, metadata FROM logs ORDER BY time, line;

-- rollback and savepoints
TRUNCATE logs;
BEGIN;
INSERT INTO logs VALUES ('2024-01-01', '{"s": "t"}', 'kept', NULL);
SAVEPOINT sp;
INSERT INTO logs VALUES ('2024-01-01 00:00:01', '{"s": "t"}', 'rolled back', NULL);
SELECT line FROM logs ORDER BY time;
ROLLBACK TO sp;
INSERT INTO logs VALUES ('2024-01-01 00:00:02', '{"s": "t"}', 'after savepoint', NULL);
COMMIT;
BEGIN;
INSERT INTO logs VALUES ('2024-01-01 00:00:03', '{"s": "t"}', 'whole transaction rolled back', NULL);
ROLLBACK;
SELECT line FROM logs ORDER BY time;

-- row changes are refused as on observe_ts
UPDATE logs SET line = 'x';
DELETE FROM logs;

-- TRUNCATE in a transaction that rolls back keeps the rows
BEGIN;
TRUNCATE logs;
SELECT count(*) FROM logs;
ROLLBACK;
SELECT count(*) FROM logs;

-- label filter: the label index (series dictionary) answers, EXPLAIN shows it; chunk pruning
-- on time skips the chunks outside the range
TRUNCATE logs;
INSERT INTO logs SELECT '2024-01-01'::timestamptz + i * interval '1 second', '{"app": "api"}', 'line ' || i, NULL
  FROM generate_series(0, 9) i;
INSERT INTO logs SELECT '2024-01-02'::timestamptz + i * interval '1 second', '{"app": "api"}', 'line ' || i, NULL
  FROM generate_series(0, 9) i;
INSERT INTO logs SELECT '2024-01-03'::timestamptz + i * interval '1 second', '{"app": "api"}', 'line ' || i, NULL
  FROM generate_series(0, 9) i;
INSERT INTO logs SELECT '2024-01-01'::timestamptz + i * interval '1 second', '{"app": "db"}', 'db ' || i, NULL
  FROM generate_series(0, 9) i;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT line FROM logs WHERE labels @> '{"app": "api"}';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT line FROM logs WHERE labels->>'app' = 'db';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT line FROM logs WHERE labels @> '{"app": "api"}' AND time >= '2024-01-02' AND time < '2024-01-03';
SELECT count(*), min(time), max(time) FROM logs
 WHERE labels @> '{"app": "api"}' AND time >= '2024-01-02' AND time < '2024-01-03';
-- a time bound inside a microsecond's nanoseconds still finds its lines
SELECT count(*) FROM logs WHERE time = '2024-01-02 00:00:05+00';
SELECT count(*) FROM logs WHERE time > '2024-01-02 00:00:04.999999+00' AND time <= '2024-01-02 00:00:05+00';
-- the GROUP BY aggregate custom scan stays observe_ts-only: a plain aggregate, same answer
EXPLAIN (COSTS OFF) SELECT labels, count(*) FROM logs GROUP BY labels;
SELECT labels, count(*) FROM logs GROUP BY labels ORDER BY labels::text;
-- PromQL reads observe_ts tables only
SELECT * FROM observe.promql('up', '2024-01-01', 'la.logs');

-- compaction merges a stream's small chunks; the rows are the same afterwards
SELECT chunks AS chunks_before FROM observe.storage_stats('logs');
CREATE TEMP TABLE before_compact AS SELECT time, labels, line, metadata FROM logs;
SELECT observe.compact('logs') > 0 AS compacted;
SELECT chunks AS chunks_after, rows FROM observe.storage_stats('logs');
SELECT count(*) AS differing FROM (
  (SELECT time, labels, line, metadata::text FROM logs EXCEPT ALL SELECT time, labels, line, metadata::text FROM before_compact)
  UNION ALL
  (SELECT time, labels, line, metadata::text FROM before_compact EXCEPT ALL SELECT time, labels, line, metadata::text FROM logs)) d;
SELECT labels->>'app' AS app, string_agg(line, ',') AS lines_in_scan_order FROM logs GROUP BY 1 ORDER BY 1;

-- many small streams in one flush (L0 batches), then compacted into their own chunks
TRUNCATE logs;
INSERT INTO logs SELECT '2024-01-01', jsonb_build_object('pod', 'p' || i), 'hello from ' || i, NULL
  FROM generate_series(1, 50) i;
SELECT rows, series, chunks FROM observe.storage_stats('logs');
SELECT observe.compact('logs') > 0 AS compacted;
SELECT rows, series, chunks FROM observe.storage_stats('logs');
SELECT line FROM logs WHERE labels @> '{"pod": "p42"}';

-- every chunk the write buffer writes, a full one (4 MiB of lines) included, is compressed at
-- the fast level (kTsFastLevel, 2) until compaction encodes it again at the profile's; rows
-- unchanged
TRUNCATE logs;
SELECT relfilenode AS logs_storage FROM pg_class WHERE oid = 'logs'::regclass \gset
INSERT INTO logs SELECT '2024-01-01'::timestamptz + i * interval '1 ms', '{"s": "big"}',
                        i || ' ' || repeat(md5(i::text), 8), NULL
  FROM generate_series(1, 20000) i;
SELECT level, count(*) AS chunks, sum(row_count) AS rows FROM observe._ts_chunks
 WHERE storage_id = :logs_storage GROUP BY level ORDER BY level;
SELECT count(*), sum(octet_length(line)), md5(string_agg(line, ',' ORDER BY time)) FROM logs;
SELECT observe.compact('logs') AS rewritten;
SELECT level, count(*) AS chunks, sum(row_count) AS rows FROM observe._ts_chunks
 WHERE storage_id = :logs_storage GROUP BY level ORDER BY level;
SELECT count(*), sum(octet_length(line)), md5(string_agg(line, ',' ORDER BY time)) FROM logs;
SELECT observe.compact('logs') AS rewritten_again;

-- retention: set_retention and drop_chunks accept observe_log tables; the label carries the
-- setting through pg_dump
TRUNCATE logs;
INSERT INTO logs VALUES ('2024-01-01', '{"s": "r"}', 'old', NULL);
INSERT INTO logs VALUES ('2024-01-03', '{"s": "r"}', 'new', NULL);
SELECT observe.set_retention('logs', '7 days');
SELECT label FROM pg_seclabel WHERE objoid = 'logs'::regclass AND provider = 'observe';
SELECT observe.drop_chunks('logs', '2024-01-02');
SELECT line FROM logs;
SELECT observe.set_retention('logs', NULL);

-- VACUUM and ANALYZE
VACUUM logs;
ANALYZE logs;
SELECT reltuples FROM pg_class WHERE oid = 'logs'::regclass;

-- DROP removes the rows from the internal tables
CREATE TABLE logs_drop (LIKE logs) USING observe_log;
INSERT INTO logs_drop VALUES ('2024-01-01', '{"s": "d"}', 'x', NULL);
SELECT 'logs_drop'::regclass::oid AS drop_oid \gset
SELECT relfilenode AS drop_storage FROM pg_class WHERE oid = :drop_oid \gset
SELECT count(*) AS chunks_before_drop FROM observe._ts_chunks WHERE storage_id = :drop_storage;
DROP TABLE logs_drop;
SELECT count(*) AS chunks_after_drop FROM observe._ts_chunks WHERE storage_id = :drop_storage;
SELECT count(*) AS series_after_drop FROM observe._ts_series WHERE storage_id = :drop_storage;

-- ---- log_store.h from SQL: the push/LogQL API, through self-test entry points ----------------
-- (src/pg/log/log_selftest.cpp; not extension objects, created here in the suite's schema)
CREATE FUNCTION la.append(rel regclass, labels jsonb, ts_ns int8[], lines text[],
                          metadata jsonb[] DEFAULT NULL, drop_duplicates bool DEFAULT true)
  RETURNS int8 AS '$libdir/pg_observe', 'observe_log_selftest_append' LANGUAGE C;
CREATE FUNCTION la.scan(rel regclass, query text, from_ns int8, to_ns int8, backward bool DEFAULT false)
  RETURNS jsonb AS '$libdir/pg_observe', 'observe_log_selftest_scan' LANGUAGE C;
SET search_path = la, public;
TRUNCATE logs;
-- nanosecond times are kept exactly; SQL shows their µs
SELECT append('logs', '{"app": "api"}', ARRAY[1704067200000000999, 1704067200000000001]::int8[],
              ARRAY['late ns', 'early ns'], ARRAY['{"trace": "t9"}', NULL]::jsonb[]);
SELECT time, line, metadata FROM logs;
SELECT scan('logs', '{app="api"}', 0, 9223372036854775807);
-- duplicates (stream, ts_ns, line) are dropped: earlier in the call, in the table (committed),
-- in this transaction's buffer, and in rows this transaction already wrote; other streams,
-- times or lines are not duplicates
SELECT append('logs', '{"app": "api"}', ARRAY[1704067200000000999, 5, 5, 5]::int8[],
              ARRAY['late ns', 'x', 'x', 'y']);
BEGIN;
SELECT append('logs', '{"app": "api"}', ARRAY[6]::int8[], ARRAY['in this transaction']);
SELECT append('logs', '{"app": "api"}', ARRAY[6, 6]::int8[], ARRAY['in this transaction', 'other line']);
SELECT append('logs', '{"app": "db"}', ARRAY[6]::int8[], ARRAY['in this transaction']);
SET LOCAL observe.write_buffer_size = '1MB';
SELECT append('logs', '{"app": "bulk"}', array_agg(i), array_agg(repeat('b', 1000) || i)) FROM generate_series(1, 3000) i;
SELECT append('logs', '{"app": "bulk"}', ARRAY[1, 3000, 3001]::int8[],
              ARRAY[repeat('b', 1000) || 1, repeat('b', 1000) || 3000, repeat('b', 1000) || 3001]);
COMMIT;
SELECT labels->>'app' AS app, count(*) FROM logs GROUP BY 1 ORDER BY 1;
-- plain INSERT keeps duplicates; so does append without drop_duplicates
SELECT append('logs', '{"app": "db"}', ARRAY[6]::int8[], ARRAY['in this transaction'], NULL, false);
SELECT count(*) FROM logs WHERE labels @> '{"app": "db"}';
-- a rolled-back savepoint takes its appends with it
BEGIN;
SAVEPOINT s;
SELECT append('logs', '{"app": "gone"}', ARRAY[7]::int8[], ARRAY['rolled back']);
ROLLBACK TO s;
SELECT append('logs', '{"app": "kept"}', ARRAY[7]::int8[], ARRAY['kept']);
COMMIT;
SELECT labels, line FROM logs WHERE labels @> '{"app": "gone"}' OR labels @> '{"app": "kept"}';
-- select() answers from the label index: regex and negative matchers, several streams
SELECT scan('logs', '{app=~"d.|ke.*"}', 0, 100)->'streams';
SELECT jsonb_array_length(scan('logs', '{app=~".+", app!="bulk"}', 0, 9223372036854775807)->'entries');
-- scan(): time range [from, to), forward and backward, ties in insertion order
SELECT scan('logs', '{app="api"}', 5, 7);
SELECT scan('logs', '{app="api"}', 5, 7, true);
-- chunks outside the range are not read; a `|=` literal skips chunks whose token filter rules
-- it out. One chunk per day, each line two words of the day's own 50-word vocabulary. The
-- filter is sized to 5 % of the chunk's compressed bytes (here ~250 bytes a chunk), so on chunks
-- this small it still passes some chunks that do not hold the needle.
TRUNCATE logs;
SELECT format($$SELECT append('logs', '{"app": "web"}', array_agg(86400000000000 * %s + i),
   array_agg('day%s ' || substr(md5('%s-' || (i %% 50)), 1, 8) || ' ' || substr(md5('%s-' || ((i * 7) %% 50)), 1, 8) || ' status=ok'))
   FROM generate_series(1, 1000) i$$, d, d, d, d)
  FROM generate_series(1, 5) d \gexec
SELECT chunks FROM observe.storage_stats('logs');
SELECT s->'chunks_read' AS read, s->'chunks_skipped' AS skipped, jsonb_array_length(s->'entries') AS entries
  FROM scan('logs', '{app="web"}', 86400000000000 * 2, 86400000000000 * 4) s;
-- a needle of day 3 (two words of one line): found in its 20 lines
SELECT substr(md5('3-' || (42 % 50)), 1, 8) || ' ' || substr(md5('3-' || ((42 * 7) % 50)), 1, 8) AS needle \gset
SELECT s->'chunks_read' AS read, s->'chunks_skipped' AS skipped, jsonb_array_length(s->'entries') AS entries,
       (SELECT bool_and(e->>2 LIKE 'day3 %' || :'needle' || '%') FROM jsonb_array_elements(s->'entries') e) AS all_match
  FROM scan('logs', format('{app="web"} |= %s', to_json(:'needle'::text)), 0, 9223372036854775807) s;
-- the same needle with a time range of days 3 and 4: the range first, then the filter
SELECT s->'chunks_read' AS read, s->'chunks_skipped' AS skipped, jsonb_array_length(s->'entries') AS entries
  FROM scan('logs', format('{app="web"} |= %s', to_json(:'needle'::text)), 86400000000000 * 3, 86400000000000 * 5) s;
SELECT s->'chunks_read' AS read, s->'chunks_skipped' AS skipped, jsonb_array_length(s->'entries') AS entries
  FROM scan('logs', '{app="web"} |= "absent-needle"', 0, 9223372036854775807) s;
-- `or`: a chunk is read when it may hold either operand
SELECT s->'chunks_read' AS read, s->'chunks_skipped' AS skipped, jsonb_array_length(s->'entries') AS entries
  FROM scan('logs', '{app="web"} |= "day2 " or "day5 "', 0, 9223372036854775807) s;
-- a filter the token filter cannot serve (regex, negative) reads every chunk
SELECT s->'chunks_read' AS read, s->'chunks_skipped' AS skipped
  FROM scan('logs', '{app="web"} != "word3" |~ "word[0-9]"', 0, 9223372036854775807) s;
-- SQL predicates on line use the same token filters: LIKE/ILIKE (each literal run of 3+ bytes),
-- ~ / ~* with a pattern without metacharacters, position()/strpos() > 0. EXPLAIN shows them as
-- "Line Filter" and the chunks skipped; every row is still rechecked, so the answers equal a
-- heap table's
CREATE TEMP TABLE heap_logs AS SELECT * FROM logs;
CREATE FUNCTION la.chunks_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; out text := '';
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query LOOP
    IF l ~ '(Line Filter|Chunks):' THEN out := out || btrim(l) || '; '; END IF;
  END LOOP;
  RETURN out;
END $$;
CREATE FUNCTION la.count_of(query text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE query INTO n;
  RETURN n;
END $$;
SELECT q AS predicate, chunks_of(format('SELECT * FROM logs WHERE %s', q)) AS plan,
       count_of(format('SELECT count(*) FROM logs WHERE %s', q)) AS rows,
       count_of(format('SELECT count(*) FROM heap_logs WHERE %s', q)) AS heap_rows
  FROM (VALUES (format('line LIKE %L', '%' || :'needle' || '%')),
               (format('line ILIKE %L', '%' || upper(:'needle') || '%')),
               (format('line ~ %L', :'needle')),
               (format('line ~* %L', upper(:'needle'))),
               (format('position(%L in line) > 0', :'needle')),
               (format('strpos(line, %L) >= 1', :'needle')),
               ('line LIKE ''%absent-needle%'''),
               ('line LIKE ''day3 %status=ok'''),
               ('line LIKE ''%absent\_needle%'''),
               ('line ILIKE ''%ÄBSENT-NEEDLE%'''),
               ('line ~ ''absent.needle'''),
               ('line NOT LIKE ''%absent-needle%''')) v(q);
-- A predicate that is exactly byte containment (case-sensitive LIKE '%lit%', ~ 'lit',
-- position()/strpos() > 0, with a literal of 3+ bytes) is decided by the scan on every row: the
-- plan has no executor Filter for it, and count(*) makes no line values. The rest keep theirs.
CREATE FUNCTION la.filter_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; out text := '';
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF l ~ '^ *Filter:' THEN out := out || btrim(l) || '; '; END IF;
  END LOOP;
  RETURN out;
END $$;
CREATE FUNCTION la.sig_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
  EXECUTE 'SELECT count(*) || '' '' || md5(coalesce(string_agg(x, E''\n'' ORDER BY x), '''')) FROM (' || query || ') q(x)' INTO s;
  RETURN s;
END $$;
SELECT q AS predicate, filter_of(format('SELECT count(*) FROM logs WHERE %s', q)) AS executor_filter,
       count_of(format('SELECT count(*) FROM logs WHERE %s', q)) = count_of(format('SELECT count(*) FROM heap_logs WHERE %s', q)) AS same_count,
       sig_of(format('SELECT time::text || line FROM logs WHERE %s', q)) = sig_of(format('SELECT time::text || line FROM heap_logs WHERE %s', q)) AS same_rows,
       count_of(format('SELECT count(*) FROM logs WHERE %s', q)) AS rows
  FROM (VALUES (format('line LIKE %L', '%' || :'needle' || '%')),
               ('line LIKE ''%status=ok%'''),
               ('line LIKE ''%%day3 %%'''),
               ('line LIKE ''%absent\_needle%'''),
               ('line ~ ''status=ok'''),
               ('strpos(line, ''status=ok'') > 0'),
               ('position(''day2 '' in line) <> 0'),
               ('line LIKE ''%status=ok%'' AND line LIKE ''%day3 %'''),
               ('line LIKE ''%day3 %'' AND time < ''1970-01-04''::timestamptz'),
               ('line LIKE ''day3 %status=ok'''),
               ('line LIKE ''%day3\%'''),
               ('line LIKE ''%ok'''),
               ('line ILIKE ''%STATUS=OK%'''),
               ('line LIKE ''%status=ok%'' COLLATE "C"')) v(q);
-- rows of the write path (L0 batches), a needle across two lines, and NULL lines of a table
-- whose line is nullable
CREATE TABLE la.edge (time timestamptz, labels jsonb, line text) USING observe_log;
INSERT INTO la.edge VALUES ('2020-01-01 00:00:01+00', '{"a":"1"}', 'xxab'), ('2020-01-01 00:00:02+00', '{"a":"1"}', 'cdyy'),
  ('2020-01-01 00:00:03+00', '{"a":"1"}', NULL), ('2020-01-01 00:00:04+00', '{"a":"1"}', 'abcd'),
  ('2020-01-01 00:00:05+00', '{"a":"2"}', 'zabcdz'), ('2020-01-01 00:00:06+00', '{"a":"2"}', '');
SELECT filter_of('SELECT count(*) FROM la.edge WHERE line LIKE ''%abcd%''') AS executor_filter,
       (SELECT count(*) FROM la.edge WHERE line LIKE '%abcd%') AS abcd,
       (SELECT string_agg(line, ',' ORDER BY time) FROM la.edge WHERE line LIKE '%abcd%') AS abcd_lines,
       (SELECT count(*) FROM la.edge WHERE strpos(line, 'bcd') > 0) AS bcd,
       (SELECT count(*) FROM la.edge WHERE line LIKE '%xxa%') AS xxa;
DROP TABLE la.edge;
DROP FUNCTION la.filter_of(text);
DROP FUNCTION la.sig_of(text);
DROP FUNCTION la.chunks_of(text);
DROP FUNCTION la.count_of(text);
-- wrong tables
SELECT append('observe.metrics', '{}', ARRAY[1]::int8[], ARRAY['x']);
CREATE TABLE odd (time timestamptz, labels jsonb, line text) USING observe_log;
SELECT append('odd', '{}', ARRAY[1]::int8[], ARRAY['x']);
SELECT scan('odd', '{a="b"}', 0, 1);

-- leaves nothing behind for the suites after it
RESET search_path;
DROP SCHEMA la CASCADE;
SELECT count(*) FROM pg_seclabels WHERE provider = 'observe' AND objtype <> 'role';
