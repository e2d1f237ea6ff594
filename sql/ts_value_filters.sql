-- Row scans test comparisons of value columns with constants on decoded columns and skip the
-- chunks whose zone maps (per-chunk min/max, null count) rule them out; every qual is still
-- rechecked, so results equal a heap table's.
CREATE TABLE vf (time timestamptz, host text, v float8) USING observe_ts;
-- host h<k> holds values in [1000 k, 1000 k + 999]; NaN and NULL rows in h1
INSERT INTO vf SELECT '2024-01-01'::timestamptz + (g % 1000) * interval '1 s', 'h' || (g / 1000), g
  FROM generate_series(0, 4999) g;
INSERT INTO vf VALUES ('2024-01-02', 'h1', 'NaN'), ('2024-01-02 00:00:01', 'h1', NULL),
                      ('2024-01-02 00:00:02', 'h1', '-Infinity');
SELECT observe.compact('vf') >= 0 AS compacted;
CREATE TEMP TABLE vf_heap AS SELECT * FROM vf;
CREATE FUNCTION vf_same(cond text) RETURNS TABLE (rows bigint, same bool) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*) FROM vf WHERE %s', cond) INTO rows;
  EXECUTE format('SELECT NOT EXISTS ((SELECT * FROM vf WHERE %1$s EXCEPT ALL SELECT * FROM vf_heap WHERE %1$s)
                  UNION ALL (SELECT * FROM vf_heap WHERE %1$s EXCEPT ALL SELECT * FROM vf WHERE %1$s))', cond) INTO same;
  RETURN NEXT;
END $$;
SELECT c, (vf_same(c)).* FROM (VALUES ('v < 1000'), ('v <= 999'), ('v = 2500'), ('v = ''NaN'''),
  ('v > 4990'), ('v >= ''Infinity'''), ('v <> 3'), ('v IS NULL'), ('v IS NOT NULL AND v < 0'),
  ('v < 2000 AND v > 1500'), ('1000 > v'), ('v < ''NaN'' AND host = ''h1''')) t(c);
-- value filters alone, time and key filters beside them
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM vf WHERE v < 500;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM vf WHERE v = 3500 AND time >= '2024-01-01';
EXPLAIN (COSTS OFF) SELECT * FROM vf WHERE v > 4990 AND host = 'h4';
-- > skips chunks without NaN whose maximum is not above; h1's chunk holds a NaN (which passes
-- > in PostgreSQL) and is read
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM vf WHERE v > 3990;
DROP TABLE vf;
DROP FUNCTION vf_same(text);
