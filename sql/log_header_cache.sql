-- The server-wide cache of chunk headers (observe.chunk_header_cache, shared memory): a needle
-- run in one connection leaves the chunks' headers there, and a new connection tests the token
-- filters from it instead of reading TOAST. Checked here: new connections (\c) skip the same
-- chunks and give the same answers as the connection that filled it, including after the chunks
-- were rewritten (delete_logs, compaction: new TOAST values) and after TRUNCATE and a new load.
CREATE SCHEMA lhc;
SET search_path = lhc, public;

CREATE TABLE logs (time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb)
  USING observe_log;
-- 8 streams of 6,000 lines, a few needles in some of them; compacted: one TOASTed chunk a stream.
INSERT INTO logs
SELECT '2026-01-01'::timestamptz + i * interval '1 ms', jsonb_build_object('app', 'a' || k),
       format('GET /api/v1/orders/%s status=%s took=%sms', k * 100000 + i, 200 + i % 3, i % 97)
         || CASE WHEN i % 2000 = 7 AND k % 3 = 0 THEN format(' needle-%s-%s', k, i) ELSE '' END,
       NULL
FROM generate_series(1, 8) k, generate_series(1, 6000) i;
SELECT observe.compact('lhc.logs') >= 0 AS compacted;

CREATE FUNCTION lhc.probe(needle text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; out text := ''; n bigint;
BEGIN
  FOR l IN EXECUTE format('EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM lhc.logs WHERE line LIKE %L', '%' || needle || '%') LOOP
    IF l ~ 'Chunks:' THEN out := out || btrim(l) || '; '; END IF;
  END LOOP;
  EXECUTE format('SELECT count(*) FROM lhc.logs WHERE line LIKE %L', '%' || needle || '%') INTO n;
  RETURN out || n || ' rows';
END $$;

SELECT n, lhc.probe(n) FROM unnest(ARRAY['needle-3-2007', 'needle-6-4007', 'needle-4-7', 'orders/300007', 'no-such-token']) n;
\c
SET search_path = lhc, public;
-- a new backend: the same chunks skipped, the same answers
SELECT n, lhc.probe(n) FROM unnest(ARRAY['needle-3-2007', 'needle-6-4007', 'needle-4-7', 'orders/300007', 'no-such-token']) n;
SELECT lhc.probe('needle-3-2007') AS again;

-- Rewrite the chunks holding a needle: their new TOAST values are new keys.
SELECT observe.delete_logs('{app="a3"}', NULL, NULL, '|= "needle-3-2007"', 'lhc.logs') AS deleted;
INSERT INTO logs VALUES ('2026-01-01 00:00:10', '{"app": "a5"}', 'late needle-3-2007 line', NULL);
SELECT observe.compact('lhc.logs') >= 0 AS compacted;
\c
SET search_path = lhc, public;
SELECT n, lhc.probe(n) FROM unnest(ARRAY['needle-3-2007', 'needle-6-4007', 'late needle', 'no-such-token']) n;

-- TRUNCATE and other lines: nothing of the old chunks answers.
TRUNCATE logs;
INSERT INTO logs
SELECT '2026-01-02'::timestamptz + i * interval '1 ms', jsonb_build_object('app', 'b' || k),
       format('POST /v2/items/%s', k * 1000 + i), NULL
FROM generate_series(1, 4) k, generate_series(1, 6000) i;
SELECT observe.compact('lhc.logs') >= 0 AS compacted;
\c
SET search_path = lhc, public;
SELECT n, lhc.probe(n) FROM unnest(ARRAY['needle-6-4007', 'items/2007', 'orders/']) n;

SELECT current_setting('observe.chunk_header_cache') AS cache_setting;
DROP SCHEMA lhc CASCADE;
