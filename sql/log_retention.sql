-- Retention per table and per stream selector (Loki's retention_period and retention_stream):
-- observe.set_retention(table, retention, selector, priority) and observe.apply_retention, which
-- the maintenance worker runs. A stream takes the highest-priority matching rule, the shortest
-- retention among equal priorities, else the table's; whole chunks go once their newest line is
-- past the horizon.
CREATE SCHEMA lr;
SET search_path = lr, public;
SET timezone = 'UTC';

CREATE TABLE rt (time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb)
  USING observe_log;
-- five streams, lines 2, 10, 40 and 400 days old, one transaction (so one chunk a stream) per age
CREATE TABLE streams AS
  SELECT s::jsonb AS labels FROM unnest(ARRAY['{"app": "web", "env": "dev"}', '{"app": "web", "env": "prod"}',
                                               '{"app": "audit", "env": "prod"}', '{"app": "db", "env": "dev"}',
                                               '{"app": "cache", "env": "prod"}']) s;
INSERT INTO rt SELECT now() - interval '400 days', labels, 'line 400', NULL FROM streams;
INSERT INTO rt SELECT now() - interval '40 days', labels, 'line 40', NULL FROM streams;
INSERT INTO rt SELECT now() - interval '10 days', labels, 'line 10', NULL FROM streams;
INSERT INTO rt SELECT now() - interval '2 days', labels, 'line 2', NULL FROM streams;
CREATE VIEW ages AS
  SELECT labels->>'app' AS app, labels->>'env' AS env,
         array_agg(extract(day FROM now() - time)::int ORDER BY time) AS days_old
  FROM lr.rt GROUP BY 1, 2 ORDER BY 1, 2;
SELECT * FROM ages;

SELECT observe.set_retention('rt', '30 days');
SELECT observe.set_retention('rt', '7 days', '{env="dev"}');
SELECT observe.set_retention('rt', '3 days', '{app="web"}');          -- same priority: shorter wins
SELECT observe.set_retention('rt', '730 days', '{app="audit"}', 10);  -- a higher priority wins
SELECT observe.set_retention('rt', '60 days', '{app=~"d.*"}', 5);
SELECT relation, selector, priority, retention FROM observe.retention_policies
 WHERE relation = 'rt'::regclass ORDER BY selector NULLS FIRST;

-- web/dev 3 days (3d and 7d at priority 0), web/prod 3 days, audit 730 days (priority 10),
-- db 60 days (priority 5 over 7 days), cache the table's 30 days
SELECT observe.apply_retention('rt');
SELECT * FROM ages;
SELECT observe.apply_retention('rt');  -- nothing left to drop

-- the settings travel in the table's security label (pg_dump writes it before the data); a
-- restore applies it to the new table
SELECT label::jsonb->'stream_retention' AS label_rules FROM pg_seclabel
 WHERE objoid = 'rt'::regclass AND provider = 'observe';
CREATE TABLE rt2 (time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb)
  USING observe_log;
DO $$
BEGIN
  EXECUTE format('SECURITY LABEL FOR observe ON TABLE lr.rt2 IS %L',
                 (SELECT label FROM pg_seclabel WHERE objoid = 'lr.rt'::regclass AND provider = 'observe'));
END $$;
SELECT (SELECT array_agg(row(selector, priority, retention)::text ORDER BY selector NULLS FIRST)
          FROM observe.retention_policies WHERE relation = 'rt2'::regclass)
     = (SELECT array_agg(row(selector, priority, retention)::text ORDER BY selector NULLS FIRST)
          FROM observe.retention_policies WHERE relation = 'rt'::regclass) AS same_policies;
SECURITY LABEL FOR observe ON TABLE rt2 IS '{"stream_retention": [{"selector": "{app=\"x\""}]}';
SECURITY LABEL FOR observe ON TABLE rt2 IS '{"stream_retention": [{"selector": "{app=\"x\"}", "retention": "soon"}]}';
SECURITY LABEL FOR observe ON TABLE rt2 IS '{"stream_retention": {"selector": "{app=\"x\"}"}}';

-- removing rules: NULL removes the selector's rule, the table's retention stays
SELECT observe.set_retention('rt', NULL, '{app="web"}');
SELECT observe.set_retention('rt', NULL, '{app="nothing"}');
SELECT selector, retention FROM observe.retention_policies WHERE relation = 'rt'::regclass ORDER BY 1 NULLS FIRST;

-- errors: a selector that does not parse (with its position), a pipeline, a zero retention,
-- NULLs, not the owner
SELECT observe.set_retention('rt', '1 day', '{app="web"');
SELECT observe.set_retention('rt', '1 day', '{app="web"} |= "x"');
SELECT observe.set_retention('rt', '0 days', '{app="web"}');
SELECT observe.set_retention('rt', '-1 days', '{app="web"}');
SELECT observe.set_retention('rt', '1 day', NULL);
CREATE ROLE lr_user;
GRANT USAGE ON SCHEMA lr TO lr_user;
GRANT USAGE ON SCHEMA observe TO lr_user;
SET ROLE lr_user;
SELECT observe.set_retention('lr.rt', '1 day', '{app="web"}');
SELECT observe.apply_retention('lr.rt');
RESET ROLE;

-- L0 batches hold many streams' lines: one goes only when every stream in it is past its horizon
CREATE TABLE rb (time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb)
  USING observe_log;
INSERT INTO rb SELECT now() - interval '40 days', jsonb_build_object('k', k::text), 'old', NULL
FROM generate_series(1, 40) k;
SELECT observe.set_retention('rb', '1 day', '{k="1"}');
SELECT observe.apply_retention('rb');  -- the other streams have no retention: the batch stays
SELECT count(*) FROM rb;
SELECT observe.compact('rb') > 0 AS compacted;  -- the lines move into their streams' chunks
SELECT observe.apply_retention('rb');  -- now k=1's chunk can go alone
SELECT count(*), bool_and(labels->>'k' <> '1') AS k1_gone FROM rb;
TRUNCATE rb;
INSERT INTO rb SELECT now() - interval '40 days', jsonb_build_object('k', k::text), 'old', NULL
FROM generate_series(1, 40) k;
SELECT observe.set_retention('rb', '30 days');  -- every stream past its horizon: the batch goes
SELECT observe.apply_retention('rb');
SELECT count(*) FROM rb;

REVOKE ALL ON SCHEMA lr FROM lr_user;
REVOKE ALL ON SCHEMA observe FROM lr_user;
DROP ROLE lr_user;
DROP SCHEMA lr CASCADE;
