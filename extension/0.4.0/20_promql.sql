-- PromQL from SQL: staleness markers, series strings, and (with the engine) promql/promql_range.

CREATE FUNCTION observe.stale_marker() RETURNS float8
  AS 'MODULE_PATHNAME', 'observe_stale_marker'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.stale_marker() IS
  'Prometheus''s staleness marker: the NaN with bits 0x7ff0000000000002';

CREATE FUNCTION observe.is_stale(value float8) RETURNS bool
  AS 'MODULE_PATHNAME', 'observe_is_stale'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.is_stale(float8) IS
  'true when value is the staleness marker (and not any other NaN)';

CREATE FUNCTION observe.labels(metric text) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'observe_labels'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.labels(text) IS
  'parses a series string such as up{job="api"} into {"__name__":"up","job":"api"}';

CREATE FUNCTION observe.promql(query text, at timestamptz DEFAULT now(),
                               source regclass DEFAULT 'observe.metrics')
  RETURNS TABLE ("time" timestamptz, metric text, value float8)
  AS 'MODULE_PATHNAME', 'observe_promql'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION observe.promql(text, timestamptz, regclass) IS
  'PromQL instant query at a time, on observe.metrics or another observe_ts table of its shape';

CREATE FUNCTION observe.promql_range(query text, start_time timestamptz, end_time timestamptz,
                                     step interval, source regclass DEFAULT 'observe.metrics')
  RETURNS TABLE ("time" timestamptz, metric text, value float8)
  AS 'MODULE_PATHNAME', 'observe_promql_range'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 1000;
COMMENT ON FUNCTION observe.promql_range(text, timestamptz, timestamptz, interval, regclass) IS
  'PromQL range query, rows ordered by time, on observe.metrics or another observe_ts table';

CREATE FUNCTION observe.promql_range_series(query text, start_time timestamptz, end_time timestamptz,
                                            step interval, source regclass DEFAULT 'observe.metrics')
  RETURNS TABLE (metric text, first_time timestamptz, time_step interval, value float8[])
  AS 'MODULE_PATHNAME', 'observe_promql_range_series'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION observe.promql_range_series(text, timestamptz, timestamptz, interval, regclass) IS
  'PromQL range query, one row per series: value[k] is the point at first_time + (k-1) * time_step, NULL where none';
