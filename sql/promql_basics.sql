-- Staleness markers and series strings.
SELECT observe.is_stale(observe.stale_marker()) AS marker_is_stale,
       observe.is_stale('NaN'::float8) AS plain_nan_is_stale,
       observe.is_stale(1.0) AS number_is_stale,
       observe.stale_marker()::text AS marker_as_text;
-- the marker keeps its payload through a table and back
CREATE TEMP TABLE stale_roundtrip AS SELECT observe.stale_marker() AS v UNION ALL SELECT 'NaN';
SELECT observe.is_stale(v) FROM stale_roundtrip ORDER BY 1;

SELECT observe.labels('up{job="api", instance="h:9100"}');
SELECT observe.labels('node_cpu_seconds_total');
SELECT observe.labels('{__name__="up", job="a\"b\\c\nd"}');
SELECT observe.labels('up{job="api"}') ->> 'job' AS job;
-- malformed series strings are syntax errors that point into the text
SELECT observe.labels('up{job="api"');
SELECT observe.labels('up{job=~"a.*"}');
SELECT observe.labels(NULL) IS NULL AS null_in_null_out;
-- a result's annotations (Prometheus's warnings and infos) come as NOTICEs
SELECT * FROM observe.promql('quantile(2, vector(1))', 'epoch');
SELECT count(*) FROM observe.promql_range('quantile(-1, vector(1))', 'epoch', 'epoch'::timestamptz + interval '2 min', '1 min');
