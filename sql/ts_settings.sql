-- observe_ts settings (time column, series key, retention) are mirrored into a security label
-- of provider "observe", which pg_dump writes before the table's data and which applies them
-- again on restore (test/integration/ts_dump.sh does the round trip).
CREATE TABLE settings_t (ts timestamptz, host text, note text, v float8) USING observe_ts;
SELECT observe.set_series_key('settings_t', 'ts', ARRAY['host']);
SELECT observe.set_retention('settings_t', '30 days');
SELECT label FROM pg_seclabels WHERE objoid = 'settings_t'::regclass;

-- a restore: the label on a new, empty table applies the settings
CREATE TABLE restored (ts timestamptz, host text, note text, v float8) USING observe_ts;
SECURITY LABEL FOR observe ON TABLE restored IS '{"retention": "7 days", "series_key": ["host"], "time_column": "ts"}';
SELECT time_column, key_columns, retention FROM observe._ts_options WHERE relid = 'restored'::regclass;
INSERT INTO restored VALUES ('2024-01-01', 'a', 'x', 1), ('2024-01-01', 'a', 'y', 2);
SELECT series FROM observe.storage_stats('restored');  -- one series: note is not in the key

-- once it has rows, the key cannot change (the same label again is fine), retention can
SECURITY LABEL FOR observe ON TABLE restored IS '{"series_key": ["host", "note"], "time_column": "ts"}';
SECURITY LABEL FOR observe ON TABLE restored IS '{"retention": "1 day", "series_key": ["host"], "time_column": "ts"}';
SELECT time_column, key_columns, retention FROM observe._ts_options WHERE relid = 'restored'::regclass;

-- bad labels
SECURITY LABEL FOR observe ON TABLE restored IS '{"bogus": 1}';
SECURITY LABEL FOR observe ON TABLE restored IS '["ts"]';
SECURITY LABEL FOR observe ON TABLE restored IS '{"series_key": ["host"]}';
SECURITY LABEL FOR observe ON TABLE restored IS '{"retention": "soon"}';
CREATE TABLE plain_heap (x int);
SECURITY LABEL FOR observe ON TABLE plain_heap IS '{}';
SECURITY LABEL FOR observe ON COLUMN restored.host IS '{}';
-- a key column that does not exist fails like set_series_key
CREATE TABLE fresh (ts timestamptz, host text, v float8) USING observe_ts;
SECURITY LABEL FOR observe ON TABLE fresh IS '{"series_key": ["nope"], "time_column": "ts"}';

DROP TABLE settings_t, restored, plain_heap, fresh;
SELECT count(*) FROM pg_seclabels WHERE provider = 'observe' AND objtype <> 'role';  -- roles: 00_schema.sql

-- observe.metrics belongs to the extension: pg_dump writes no label for it, so its settings are
-- also a row of observe._member_ts_options (dumped), whose restore sets the label again
SELECT observe.set_retention('observe.metrics', '90 days');
SELECT relation, settings::jsonb FROM observe._member_ts_options;
SELECT observe.set_retention('observe.metrics', NULL);
SELECT relation, settings::jsonb FROM observe._member_ts_options;
-- a restore: the row comes back by COPY/INSERT and its trigger applies the settings
DELETE FROM observe._ts_options WHERE relid = 'observe.metrics'::regclass;
DELETE FROM observe._member_ts_options;
INSERT INTO observe._member_ts_options VALUES ('observe.metrics', '{"retention": "30 days", "series_key": ["name", "labels"], "time_column": "time"}');
SELECT time_column, key_columns, retention FROM observe._ts_options WHERE relid = 'observe.metrics'::regclass;
SELECT label::jsonb FROM pg_seclabels WHERE provider = 'observe' AND objname = 'observe.metrics';
-- back to no settings
SELECT observe.set_retention('observe.metrics', NULL);
DELETE FROM observe._ts_options WHERE relid = 'observe.metrics'::regclass;
DELETE FROM observe._member_ts_options;
SECURITY LABEL FOR observe ON TABLE observe.metrics IS NULL;
