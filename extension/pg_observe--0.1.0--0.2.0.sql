-- pg_observe 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION pg_observe UPDATE TO '0.2.0'" to load this file. \quit

-- A range query's answer one row per series (an array of values on the step grid), for clients
-- that read many points: PostgreSQL's cost per returned row dominates promql_range at fine steps.
CREATE FUNCTION observe.promql_range_series(query text, start_time timestamptz, end_time timestamptz,
                                            step interval, source regclass DEFAULT 'observe.metrics')
  RETURNS TABLE (metric text, first_time timestamptz, time_step interval, value float8[])
  AS 'MODULE_PATHNAME', 'observe_promql_range_series'
  LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION observe.promql_range_series(text, timestamptz, timestamptz, interval, regclass) IS
  'PromQL range query, one row per series: value[k] is the point at first_time + (k-1) * time_step, NULL where none';
-- read side of the contract, as 40_grafana.sql grants it on a fresh install
GRANT EXECUTE ON FUNCTION observe.promql_range_series(text, timestamptz, timestamptz, interval, regclass)
  TO observe_reader;

-- observe.metrics' settings through pg_dump (its security label is never dumped)
CREATE TABLE observe._member_ts_options (
  relation text PRIMARY KEY,  -- schema-qualified, quoted name
  settings text NOT NULL      -- the table's "observe" security label
);
SELECT pg_catalog.pg_extension_config_dump('observe._member_ts_options', '');
REVOKE ALL ON observe._member_ts_options FROM PUBLIC;

CREATE FUNCTION observe._apply_member_ts_options() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  EXECUTE format('SECURITY LABEL FOR observe ON TABLE %s IS %L', NEW.relation, NEW.settings);
  RETURN NULL;
END
$$;
CREATE TRIGGER apply_settings AFTER INSERT OR UPDATE ON observe._member_ts_options
  FOR EACH ROW EXECUTE FUNCTION observe._apply_member_ts_options();
-- a retention set under 0.1.0 (the trigger sets the same label again)
INSERT INTO observe._member_ts_options
SELECT 'observe.metrics', label FROM pg_catalog.pg_seclabel
 WHERE classoid = 'pg_catalog.pg_class'::regclass AND objoid = 'observe.metrics'::regclass
   AND objsubid = 0 AND provider = 'observe';
