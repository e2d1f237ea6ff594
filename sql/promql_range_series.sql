-- observe.promql_range_series: a range query's answer one row per series, values on the step
-- grid; unnested it must give exactly observe.promql_range's rows.
CREATE TABLE series_t (time timestamptz, name text, labels jsonb, value float8) USING observe_ts;
-- three series over 20 minutes at 1 minute: one with a 5-minute gap in the middle (NULLs in
-- its array), one that only starts at minute 12 (a later first_time), one with NaN/-0/Inf
INSERT INTO series_t
SELECT '2026-01-01 00:00:00+00'::timestamptz + i * interval '1 minute', 'm',
       jsonb_build_object('s', s), CASE WHEN s = 'c' THEN (ARRAY['NaN', '-0', 'Infinity', '1.5'])[i / 2 % 4 + 1]::float8 ELSE i END
  FROM generate_series(0, 20) i, (VALUES ('a'), ('b'), ('c')) AS v(s)
 WHERE NOT (s = 'a' AND i BETWEEN 5 AND 12) AND NOT (s = 'b' AND i < 12);

SELECT metric, first_time, time_step, value
  FROM observe.promql_range_series('m', '2026-01-01 00:00:00+00', '2026-01-01 00:20:00+00', '2 minutes', 'series_t');

-- unnested, the same rows as promql_range for several shapes of query
CREATE FUNCTION series_rows(q text, s timestamptz, e timestamptz, st interval)
  RETURNS TABLE ("time" timestamptz, metric text, value float8) LANGUAGE sql AS $$
  SELECT r.first_time + (u.k - 1) * r.time_step, r.metric, u.v
    FROM observe.promql_range_series(q, s, e, st, 'series_t') r,
         unnest(r.value) WITH ORDINALITY AS u(v, k)
   WHERE u.v IS NOT NULL $$;
CREATE FUNCTION same_as_rows(q text, s timestamptz, e timestamptz, st interval) RETURNS text
  LANGUAGE sql AS $$
  SELECT format('%s: %s rows, %s differ', q, (SELECT count(*) FROM observe.promql_range(q, s, e, st, 'series_t')),
    (SELECT count(*) FROM ((SELECT time, metric, value::text FROM observe.promql_range(q, s, e, st, 'series_t')
                             EXCEPT ALL SELECT time, metric, value::text FROM series_rows(q, s, e, st))
                            UNION ALL
                            (SELECT time, metric, value::text FROM series_rows(q, s, e, st)
                             EXCEPT ALL SELECT time, metric, value::text FROM observe.promql_range(q, s, e, st, 'series_t'))) d)) $$;
SELECT same_as_rows(q, '2026-01-01 00:00:00+00', '2026-01-01 00:25:00+00', st)
  FROM (VALUES ('m'), ('m{s="a"}'), ('rate(m[3m])'), ('sum(m)'), ('m > 10'), ('changes(m[5m])'),
               ('time()'), ('1 + 1'), ('absent(nothing)'), ('m offset 3m')) AS q(q),
       (VALUES (interval '1 minute'), (interval '45 seconds'), (interval '7 minutes')) AS st(st)
 ORDER BY 1;

-- a scalar has one series with the empty label set; no points, no rows
SELECT metric, cardinality(value) FROM observe.promql_range_series('time()', '2026-01-01 00:00+00', '2026-01-01 00:10+00', '1 minute', 'series_t');
SELECT count(*) FROM observe.promql_range_series('nothing', '2026-01-01 00:00+00', '2026-01-01 00:10+00', '1 minute', 'series_t');
-- the step is a fixed duration even when given in days: first_time + k * time_step stays on it
SET TimeZone = 'Europe/Berlin';
SELECT first_time, time_step, cardinality(value)
  FROM observe.promql_range_series('vector(1)', '2026-03-28 00:00+01', '2026-03-31 00:00+02', '1 day', 'series_t');
RESET TimeZone;
-- the same argument checks and errors as promql_range
SELECT * FROM observe.promql_range_series('up', '2026-01-02', '2026-01-01', '1 minute', 'series_t');
SELECT * FROM observe.promql_range_series('up', '2026-01-01', '2026-02-01', '1 second', 'series_t');
SELECT * FROM observe.promql_range_series('up', '2026-01-01', '2026-01-02', '0 seconds', 'series_t');
SELECT * FROM observe.promql_range_series('sum(m', '2026-01-01', '2026-01-02', '1 minute', 'series_t');
SELECT * FROM observe.promql_range_series('m[5m]', '2026-01-01', '2026-01-02', '1 minute', 'series_t');
-- annotations come as notices, as for promql_range
SELECT count(*) FROM observe.promql_range_series('quantile_over_time(2, m[5m])', '2026-01-01 00:00+00', '2026-01-01 00:20+00', '5 minutes', 'series_t');
DROP FUNCTION same_as_rows, series_rows;
DROP TABLE series_t;
