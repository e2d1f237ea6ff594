-- A series' labels as written by the scrape and ingest path (jsonb encoded directly from the
-- label set) and by INSERT (jsonb_in) are the same bytes: both key one series, and the
-- _ts_series labels column is what jsonb_in makes of its text. Label sets cover key order
-- (jsonb sorts keys by length, then bytes), multi-byte UTF-8, an empty set, and more than 16
-- labels (every 32nd JEntry stores an offset instead of a length).
BEGIN;
-- ingested first, then inserted
SELECT observe.ingest_prometheus_text(
  E'jsonb_a{zz="1",b="22",aa="333",ab="x",c="\u00fc\u20ac"} 1\n' ||
  E'jsonb_b 1\n' ||
  'jsonb_c{' || (SELECT string_agg(format('l%s="%s"', i, repeat('v', i)), ',') FROM generate_series(1, 20) i) || E'} 1\n' ||
  E'jsonb_d{a="",b="\\"q\\" \\\\ \u00e9"} 1\n',
  '{}', '2024-01-01 00:00:00+00');
INSERT INTO observe.metrics VALUES
  ('2024-01-01 00:00:15+00', 'jsonb_a', '{"c":"\u00fc\u20ac","ab":"x","aa":"333","b":"22","zz":"1"}', 2),
  ('2024-01-01 00:00:15+00', 'jsonb_b', '{}', 2),
  ('2024-01-01 00:00:15+00', 'jsonb_c', (SELECT jsonb_object_agg('l' || i, repeat('v', i)) FROM generate_series(1, 20) i), 2),
  ('2024-01-01 00:00:15+00', 'jsonb_d', '{"b":"\"q\" \\ \u00e9"}', 2);
-- inserted first, then ingested
INSERT INTO observe.metrics VALUES
  ('2024-01-01 00:00:00+00', 'jsonb_e', '{"instance":"h:1","job":"j","le":"+Inf","a":"b","ba":"c","ab":"d"}', 1),
  ('2024-01-01 00:00:00+00', 'jsonb_f', (SELECT jsonb_object_agg(chr(96 + i) || repeat('k', i % 3), i::text) FROM generate_series(1, 26) i), 1);
SELECT observe.ingest_prometheus_text(
  E'jsonb_e{ab="d",ba="c",a="b",le="+Inf",job="j",instance="h:1"} 2\n' ||
  'jsonb_f{' || (SELECT string_agg(format('%s="%s"', chr(96 + i) || repeat('k', i % 3), i), ',') FROM generate_series(1, 26) i) || E'} 2\n',
  '{}', '2024-01-01 00:00:15+00');
-- two samples per series, one series each
SELECT name, count(*) AS samples, count(DISTINCT labels) AS label_sets FROM observe.metrics
 WHERE name LIKE 'jsonb\_%' GROUP BY name ORDER BY name;
SELECT s.labels->>'__name__' AS name, count(*) AS series
  FROM observe._ts_series s
 WHERE s.storage_id = (SELECT relfilenode FROM pg_class WHERE oid = 'observe.metrics'::regclass)
   AND s.labels->>'__name__' LIKE 'jsonb\_%'
 GROUP BY 1 ORDER BY 1;
-- the labels column holds jsonb_in's own bytes: the same text, and the same stored size as
-- its text parsed again and stored in a table (the key images above are compared byte for byte)
CREATE TEMP TABLE reparsed AS
SELECT s.series_id, s.labels::text::jsonb AS labels
  FROM observe._ts_series s
 WHERE s.storage_id = (SELECT relfilenode FROM pg_class WHERE oid = 'observe.metrics'::regclass)
   AND s.labels->>'__name__' LIKE 'jsonb\_%';
SELECT s.labels->>'__name__' AS name, s.labels::text = r.labels::text AS same_text,
       pg_column_size(s.labels) = pg_column_size(r.labels) AS same_size, s.labels = r.labels AS equal
  FROM observe._ts_series s JOIN reparsed r USING (series_id)
 WHERE s.storage_id = (SELECT relfilenode FROM pg_class WHERE oid = 'observe.metrics'::regclass)
 ORDER BY 1;
SELECT labels FROM observe.metrics WHERE name = 'jsonb_a' LIMIT 1;
ROLLBACK;
