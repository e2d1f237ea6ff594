-- The PromQL functions read a table through the access method, not through a query: they must
-- check what a SELECT would, or any role could read any metrics table through them.
CREATE TABLE perm_t (time timestamptz, name text, labels jsonb, value float8) USING observe_ts;
INSERT INTO perm_t VALUES ('2026-01-01 00:00:00+00', 'up', '{"job": "a"}', 1);
CREATE ROLE perm_nobody;
CREATE ROLE perm_columns;
CREATE ROLE perm_reader IN ROLE observe_reader;
GRANT USAGE ON SCHEMA observe TO perm_nobody, perm_columns;
GRANT SELECT (time, name, labels, value) ON perm_t TO perm_columns;
GRANT SELECT ON perm_t TO perm_reader;

SET ROLE perm_nobody;
SELECT * FROM observe.promql('up', '2026-01-01 00:00:00+00', 'perm_t');
SELECT * FROM observe.promql_range('up', '2026-01-01 00:00:00+00', '2026-01-01 00:01:00+00', '1 minute', 'perm_t');
SELECT * FROM observe.promql_range_series('up', '2026-01-01 00:00:00+00', '2026-01-01 00:01:00+00', '1 minute', 'perm_t');
-- observe.metrics is readable by observe_reader only, not by everyone
SELECT count(*) FROM observe.promql('up', '2026-01-01 00:00:00+00');
RESET ROLE;

-- SELECT on every column is as good as on the table
SET ROLE perm_columns;
SELECT * FROM observe.promql('up', '2026-01-01 00:00:00+00', 'perm_t');
RESET ROLE;
REVOKE SELECT (value) ON perm_t FROM perm_columns;
SET ROLE perm_columns;
SELECT * FROM observe.promql('up', '2026-01-01 00:00:00+00', 'perm_t');
RESET ROLE;

-- a member of observe_reader reads observe.metrics, and perm_t where granted
SET ROLE perm_reader;
SELECT count(*) FROM observe.promql('up', '2026-01-01 00:00:00+00');
SELECT * FROM observe.promql_range_series('up', '2026-01-01 00:00:00+00', '2026-01-01 00:01:00+00', '1 minute', 'perm_t');
RESET ROLE;

-- row-level security: policies cannot be applied to what the engine reads, so a role subject to
-- them is refused; the owner (not subject to them) reads as before
ALTER TABLE perm_t ENABLE ROW LEVEL SECURITY;
CREATE POLICY perm_only_b ON perm_t USING (labels->>'job' = 'b');
SET ROLE perm_reader;
SELECT * FROM observe.promql('up', '2026-01-01 00:00:00+00', 'perm_t');
RESET ROLE;
SELECT * FROM observe.promql('up', '2026-01-01 00:00:00+00', 'perm_t');

DROP TABLE perm_t;
DROP OWNED BY perm_nobody, perm_columns, perm_reader;
DROP ROLE perm_nobody, perm_columns, perm_reader;
