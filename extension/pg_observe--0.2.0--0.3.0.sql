-- pg_observe 0.2.0 -> 0.3.0 (ALTER EXTENSION pg_observe UPDATE).
\echo Use "ALTER EXTENSION pg_observe UPDATE" to load this file. \quit

-- Functions that read observe_ts tables run in the leader only: a parallel worker does not have
-- the transaction's buffered rows (issue 11, case 5).
ALTER FUNCTION observe.promql(text, timestamptz, regclass) PARALLEL RESTRICTED;
ALTER FUNCTION observe.promql_range(text, timestamptz, timestamptz, interval, regclass) PARALLEL RESTRICTED;
ALTER FUNCTION observe.promql_range_series(text, timestamptz, timestamptz, interval, regclass) PARALLEL RESTRICTED;
ALTER FUNCTION observe.label_values(text, text, regclass) PARALLEL RESTRICTED;
ALTER FUNCTION observe.label_names(text, regclass) PARALLEL RESTRICTED;
