-- observe.series_dictionary_max_mb bounds the memory one backend's series dictionary of a table
-- takes (every series' labels, about 1 kB a series): past it a statement fails with SQLSTATE
-- 54000 and a message naming the table and the setting, instead of the backend growing until
-- the kernel kills the server (seen with 8 million series: 9 GB in one query backend).
CREATE TABLE dict_t (ts timestamptz, region text, host text, service text, v float8) USING observe_ts;
SELECT observe.set_series_key('dict_t', 'ts', ARRAY['region', 'host', 'service']);
INSERT INTO dict_t
SELECT '2024-01-01', 'region-of-the-world-' || (i % 7), 'a-rather-long-host-name-' || i || '.example.internal',
       'service-with-a-descriptive-name-' || (i % 13), i
FROM generate_series(1, 60000) i;
-- a second statement: every series gets a second chunk, for compaction to merge
INSERT INTO dict_t SELECT '2024-01-02', 'region-of-the-world-' || (i % 7),
       'a-rather-long-host-name-' || i || '.example.internal', 'service-with-a-descriptive-name-' || (i % 13), -i
FROM generate_series(1, 60000) i;
SELECT series, chunks FROM observe.storage_stats('dict_t');
\c
-- a new backend loads the dictionary on its first read: over 16 MB, a clear error
SET observe.series_dictionary_max_mb = 16;
DO $$
BEGIN
  PERFORM count(*) FROM dict_t WHERE host = 'a-rather-long-host-name-7.example.internal';
  RAISE NOTICE 'no error';
EXCEPTION WHEN program_limit_exceeded THEN
  RAISE NOTICE '%: %', SQLSTATE, regexp_replace(SQLERRM, '[0-9]+ series loaded so far, [0-9]+ MB', 'N series loaded so far, M MB');
END $$;
-- maintenance never loads labels: compaction (which merges chunks and rewrites L0 batches) and a
-- table's retention run within the bound (the maintenance worker did load every series' labels)
SELECT observe.compact('dict_t') > 0 AS compacted;
SELECT observe.set_retention('dict_t', interval '100 years');
SELECT observe.apply_retention('dict_t');
-- the failed load was forgotten, not kept half-made: with room, the same backend answers
RESET observe.series_dictionary_max_mb;
SELECT count(*), sum(v) FROM dict_t;
SELECT rows, series, chunks FROM observe.storage_stats('dict_t');
SELECT count(*), sum(v) FROM dict_t WHERE host = 'a-rather-long-host-name-7.example.internal';
SELECT count(*) FROM dict_t WHERE service = 'service-with-a-descriptive-name-3';
-- only a superuser may change it: a reader must not lift the bound on its own memory
CREATE ROLE dict_reader;
GRANT SELECT ON dict_t TO dict_reader;
SET ROLE dict_reader;
SET observe.series_dictionary_max_mb = 100000;
SELECT count(*) FROM dict_t WHERE region = 'region-of-the-world-3';
RESET ROLE;
DROP TABLE dict_t;
DROP ROLE dict_reader;
