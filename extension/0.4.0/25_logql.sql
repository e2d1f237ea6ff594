-- LogQL from SQL on observe.logs or another observe_log table of its shape.

CREATE FUNCTION observe.logql(query text, start_time timestamptz, end_time timestamptz,
                              max_lines int DEFAULT 1000, direction text DEFAULT 'backward',
                              source regclass DEFAULT 'observe.logs')
  RETURNS TABLE ("time" timestamptz, labels text, line text)
  AS 'MODULE_PATHNAME', 'observe_logql'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 1000;
COMMENT ON FUNCTION observe.logql(text, timestamptz, timestamptz, int, text, regclass) IS
  'LogQL log query: lines with start_time <= time < end_time after the pipeline, the max_lines newest (backward) or oldest (forward), in that order';

CREATE FUNCTION observe.logql_range(query text, start_time timestamptz, end_time timestamptz,
                                    step interval, source regclass DEFAULT 'observe.logs')
  RETURNS TABLE ("time" timestamptz, metric text, value float8)
  AS 'MODULE_PATHNAME', 'observe_logql_range'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 1000;
COMMENT ON FUNCTION observe.logql_range(text, timestamptz, timestamptz, interval, regclass) IS
  'LogQL metric query over a range, rows ordered by time (as observe.promql_range)';

CREATE FUNCTION observe.logql_range_series(query text, start_time timestamptz, end_time timestamptz,
                                           step interval, source regclass DEFAULT 'observe.logs')
  RETURNS TABLE (metric text, first_time timestamptz, time_step interval, value float8[])
  AS 'MODULE_PATHNAME', 'observe_logql_range_series'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION observe.logql_range_series(text, timestamptz, timestamptz, interval, regclass) IS
  'LogQL metric query over a range, one row per series: value[k] is the point at first_time + (k-1) * time_step, NULL where none';

CREATE FUNCTION observe.logql_instant(query text, at timestamptz DEFAULT now(),
                                      source regclass DEFAULT 'observe.logs')
  RETURNS TABLE ("time" timestamptz, metric text, value float8)
  AS 'MODULE_PATHNAME', 'observe_logql_instant'
  LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION observe.logql_instant(text, timestamptz, regclass) IS
  'LogQL metric query at one time (as observe.promql)';
