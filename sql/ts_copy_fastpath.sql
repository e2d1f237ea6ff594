-- COPY FROM STDIN into an observe_ts table parses a repeated jsonb or timestamp field once
-- (src/pg/copy_fastpath.cpp, copy_input_memo.cpp). Every case loads the same input with
-- observe.copy_input_cache on and off: rows, errors and command tags must not differ.
CREATE SCHEMA cf;
SET search_path = cf, public;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE cf_on (time timestamptz, name text DEFAULT 'dflt', labels jsonb, value float8,
                    seen timestamp(0)) USING observe_ts;
CREATE TABLE cf_off (LIKE cf_on INCLUDING DEFAULTS) USING observe_ts;
-- rows of one table missing from the other (as text, duplicates counted), both ways
CREATE FUNCTION cf_diff(a regclass, b regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ((SELECT x::text FROM %s x EXCEPT ALL SELECT x::text FROM %s x)'
                 ' UNION ALL (SELECT x::text FROM %s x EXCEPT ALL SELECT x::text FROM %s x)) d',
                 a, b, b, a) INTO n;
  RETURN n;
END $$;

-- series-major (the same labels row after row), key order and whitespace that normalize to the
-- same jsonb, NULLs (\N) in every column but time; the COPY tag's count in ROW_COUNT
SET observe.copy_input_cache = on;
COPY cf_on FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a", "instance": "x"}	1	2024-01-01 00:00:00.4
2024-01-01 00:00:15+00	up	{"job": "a", "instance": "x"}	1	2024-01-01 00:00:00.6
2024-01-01 00:00:30+00	up	{"instance":"x","job":"a"}	0	\N
2024-01-01 00:00:45+00	up	{ "job" : "a" ,  "instance" : "x" }	\N	2024-01-01 00:00:00.6
2024-01-01 00:00:00+00	up	{"job": "b", "instance": "x"}	1	\N
2024-01-01 00:00:15+00	up	{"job": "b", "instance": "x"}	1	\N
2024-01-01 00:00:30+00	\N	\N	2	\N
2024-01-01 00:00:45+00	up	\N	3	\N
2024-01-01 00:00:45+00	up	{"job": "b", "instance": "x", "job": "c"}	4	\N
\.
\echo :ROW_COUNT
SET observe.copy_input_cache = off;
COPY cf_off FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a", "instance": "x"}	1	2024-01-01 00:00:00.4
2024-01-01 00:00:15+00	up	{"job": "a", "instance": "x"}	1	2024-01-01 00:00:00.6
2024-01-01 00:00:30+00	up	{"instance":"x","job":"a"}	0	\N
2024-01-01 00:00:45+00	up	{ "job" : "a" ,  "instance" : "x" }	\N	2024-01-01 00:00:00.6
2024-01-01 00:00:00+00	up	{"job": "b", "instance": "x"}	1	\N
2024-01-01 00:00:15+00	up	{"job": "b", "instance": "x"}	1	\N
2024-01-01 00:00:30+00	\N	\N	2	\N
2024-01-01 00:00:45+00	up	\N	3	\N
2024-01-01 00:00:45+00	up	{"job": "b", "instance": "x", "job": "c"}	4	\N
\.
\echo :ROW_COUNT
SELECT cf_diff('cf_on', 'cf_off');
SELECT * FROM cf_on ORDER BY time, labels::text NULLS FIRST, value;

-- time-major CSV (the series cycle at each timestamp), with FORCE_NULL and FORCE_NOT_NULL
TRUNCATE cf_on, cf_off;
SET observe.copy_input_cache = on;
COPY cf_on FROM stdin (FORMAT csv, FORCE_NULL (labels), FORCE_NOT_NULL (name));
2024-01-01 00:00:00+00,up,"{""job"": ""a""}",1,
2024-01-01 00:00:00+00,up,"{""job"": ""b""}",2,
2024-01-01 00:00:00+00,,"",3,
2024-01-01 00:00:15+00,up,"{""job"": ""a""}",4,
2024-01-01 00:00:15+00,up,"{""job"": ""b""}",5,
2024-01-01 00:00:15+00,"",,6,
2024-01-01 00:00:30+00,up,"{""job"": ""a""}",7,
2024-01-01 00:00:30+00,up,"{""job"":""b""}",8,
\.
SET observe.copy_input_cache = off;
COPY cf_off FROM stdin (FORMAT csv, FORCE_NULL (labels), FORCE_NOT_NULL (name));
2024-01-01 00:00:00+00,up,"{""job"": ""a""}",1,
2024-01-01 00:00:00+00,up,"{""job"": ""b""}",2,
2024-01-01 00:00:00+00,,"",3,
2024-01-01 00:00:15+00,up,"{""job"": ""a""}",4,
2024-01-01 00:00:15+00,up,"{""job"": ""b""}",5,
2024-01-01 00:00:15+00,"",,6,
2024-01-01 00:00:30+00,up,"{""job"": ""a""}",7,
2024-01-01 00:00:30+00,up,"{""job"":""b""}",8,
\.
SELECT cf_diff('cf_on', 'cf_off');
SELECT time, quote_nullable(name) AS name, labels, value FROM cf_on ORDER BY value;

-- a column list: the others take their defaults (name) or NULL
TRUNCATE cf_on, cf_off;
SET observe.copy_input_cache = on;
COPY cf_on (labels, time, value) FROM stdin;
{"k": 1}	2024-01-01 00:00:00+00	1
{"k": 1}	2024-01-01 00:00:00+00	2
\.
SET observe.copy_input_cache = off;
COPY cf_off (labels, time, value) FROM stdin;
{"k": 1}	2024-01-01 00:00:00+00	1
{"k": 1}	2024-01-01 00:00:00+00	2
\.
SELECT cf_diff('cf_on', 'cf_off');
SELECT * FROM cf_on ORDER BY value;

-- many distinct labels, past the cache's slots and byte cap, and labels too long to cache
TRUNCATE cf_on, cf_off;
SET observe.copy_input_cache = on;
\copy cf_on (time, labels, value) from program 'seq -f ''2024-01-01 00:00:00+00,"{""k"": ""%02000g""}",1'' 1 6000' (format csv)
\copy cf_on (time, labels, value) from program 'printf ''2024-01-01 00:00:00+00,"{""k"": ""%09000d""}",1\n'' 7 7 8 8 7' (format csv)
SET observe.copy_input_cache = off;
\copy cf_off (time, labels, value) from program 'seq -f ''2024-01-01 00:00:00+00,"{""k"": ""%02000g""}",1'' 1 6000' (format csv)
\copy cf_off (time, labels, value) from program 'printf ''2024-01-01 00:00:00+00,"{""k"": ""%09000d""}",1\n'' 7 7 8 8 7' (format csv)
SELECT cf_diff('cf_on', 'cf_off');
SELECT count(*), count(DISTINCT labels), min(length(labels->>'k')), max(length(labels->>'k'))
  FROM cf_on;

-- invalid jsonb, and an invalid timestamp after a repeated one: the same error and line
TRUNCATE cf_on, cf_off;
SET observe.copy_input_cache = on;
COPY cf_on FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:15+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:30+00	up	{"job": "a"	1	\N
\.
SET observe.copy_input_cache = off;
COPY cf_off FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:15+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:30+00	up	{"job": "a"	1	\N
\.
SET observe.copy_input_cache = on;
COPY cf_on FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:99+00	up	{"job": "a"}	1	\N
\.
SET observe.copy_input_cache = off;
COPY cf_off FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:99+00	up	{"job": "a"}	1	\N
\.
SELECT (SELECT count(*) FROM cf_on) AS on_rows, (SELECT count(*) FROM cf_off) AS off_rows;

-- rolled back: nothing stays
SET observe.copy_input_cache = on;
BEGIN;
COPY cf_on FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
\.
SELECT count(*) FROM cf_on;
ROLLBACK;
SELECT count(*) FROM cf_on;

-- a read-only transaction refuses it; COPY ... WHERE (the standard path) still works
BEGIN READ ONLY;
COPY cf_on FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
\.
ROLLBACK;
COPY cf_on FROM stdin WHERE value > 1;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:15+00	up	{"job": "a"}	2	\N
\.
SELECT time, labels, value FROM cf_on;

-- privileges: none, then INSERT on some columns only
TRUNCATE cf_on;
CREATE ROLE cf_writer;
GRANT USAGE ON SCHEMA cf TO cf_writer;
SET ROLE cf_writer;
COPY cf_on (time, name, value) FROM stdin;
2024-01-01 00:00:00+00	up	1
\.
RESET ROLE;
GRANT INSERT (time, name, value) ON cf_on TO cf_writer;
SET ROLE cf_writer;
COPY cf_on FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
\.
COPY cf_on (time, name, value) FROM stdin;
2024-01-01 00:00:00+00	up	1
\.
\echo :ROW_COUNT
RESET ROLE;
SELECT * FROM cf_on;

-- row-level security: refused for a user it applies to, as without pg_observe
GRANT INSERT, SELECT ON cf_on TO cf_writer;
ALTER TABLE cf_on ENABLE ROW LEVEL SECURITY;
CREATE POLICY cf_all ON cf_on USING (true) WITH CHECK (true);
SET ROLE cf_writer;
COPY cf_on FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
\.
RESET ROLE;
ALTER TABLE cf_on DISABLE ROW LEVEL SECURITY;

-- a heap table, and binary format, are unaffected
CREATE TABLE cf_heap (LIKE cf_on);
COPY cf_heap FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1	\N
2024-01-01 00:00:15+00	up	{"job":"a"}	2	\N
\.
SELECT * FROM cf_heap ORDER BY value;
TRUNCATE cf_off;
COPY cf_heap TO '/tmp/pg_observe_ts_copy_fastpath.bin' (FORMAT binary);
\copy cf_off from '/tmp/pg_observe_ts_copy_fastpath.bin' (format binary)
\! rm -f /tmp/pg_observe_ts_copy_fastpath.bin
SELECT cf_diff('cf_heap', 'cf_off');

RESET ROLE;

-- the cache at work: series-major, each distinct labels text is parsed once (reported at DEBUG1);
-- time-major, each timestamp once; with the cache off, no report
TRUNCATE cf_on;
SET client_min_messages = debug1;
COPY cf_on (time, name, labels, value) FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1
2024-01-01 00:00:15+00	up	{"job": "a"}	2
2024-01-01 00:00:30+00	up	{"job": "a"}	3
2024-01-01 00:00:00+00	up	{"job": "b"}	4
2024-01-01 00:00:15+00	up	{"job": "b"}	5
2024-01-01 00:00:30+00	up	{"job": "b"}	6
\.
COPY cf_on (time, name, labels, value) FROM stdin;
2024-01-01 00:01:00+00	up	{"job": "a"}	1
2024-01-01 00:01:00+00	up	{"job": "b"}	2
2024-01-01 00:01:15+00	up	{"job": "a"}	3
2024-01-01 00:01:15+00	up	{"job": "b"}	4
\.
SET observe.copy_input_cache = off;
COPY cf_on (time, name, labels, value) FROM stdin;
2024-01-01 00:02:00+00	up	{"job": "a"}	1
\.
RESET client_min_messages;
SELECT count(*) FROM cf_on;
DROP SCHEMA cf CASCADE;
DROP ROLE cf_writer;
