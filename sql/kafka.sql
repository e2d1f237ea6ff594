-- Kafka sources: checks, the privilege on the target, secrets hidden from readers.
-- (Consuming is tested against a mock cluster by test/integration/kafka_ingest.sh.)
\set VERBOSITY terse
-- disabled: the worker does not connect
INSERT INTO observe.kafka_sources (name, brokers, topics, format, options, enabled)
VALUES ('k1', '127.0.0.1:9', '{logs}', 'json_lines',
        '{"security.protocol": "SASL_SSL", "sasl.username": "u", "sasl.password": "hunter2",
          "ssl.key.password": "pw2", "ssl.key.pem": "KEY", "oauth.client.secret": "s3", "fetch.wait.max.ms": "50"}', false);
-- neither or both of topics and topic_pattern
INSERT INTO observe.kafka_sources (name, brokers, format, enabled) VALUES ('k2', 'b:9', 'raw', false);
INSERT INTO observe.kafka_sources (name, brokers, topics, topic_pattern, format, enabled) VALUES ('k2', 'b:9', '{a}', 'a.*', 'raw', false);
INSERT INTO observe.kafka_sources (name, brokers, topic_pattern, format, enabled) VALUES ('k2', 'b:9', '^logs-.*', 'xml', false);
INSERT INTO observe.kafka_sources (name, brokers, topic_pattern, format, consumers, enabled) VALUES ('k2', 'b:9', '^logs-.*', 'raw', 0, false);
INSERT INTO observe.kafka_sources (name, brokers, topic_pattern, format, enabled) VALUES ('k2', 'b:9', '^logs-.*', 'prometheus_text', false);
SELECT name, group_id, format, target, options, consumers, start_offset, batch_max_messages, batch_max_wait
  FROM observe.kafka_sources_redacted ORDER BY name;

CREATE ROLE kafka_reader_user IN ROLE observe_reader;
CREATE ROLE kafka_admin_user IN ROLE observe_ingest_admin;
SET ROLE kafka_reader_user;
SELECT options FROM observe.kafka_sources;
SELECT name, options->>'sasl.password' AS password FROM observe.kafka_sources_redacted;
SELECT source, state, assigned, lag FROM observe.kafka_status ORDER BY 1;
SELECT count(*) FROM observe.kafka_offsets;
SELECT count(*) FROM observe.kafka_dead_letters;
INSERT INTO observe.kafka_sources (name, brokers, topics, format) VALUES ('r', 'b:9', '{a}', 'raw');
RESET ROLE;
-- no column of the status views carries options
SELECT attname FROM pg_attribute WHERE attrelid IN ('observe.kafka_status'::regclass, 'observe.kafka_partition_status'::regclass)
   AND attname LIKE '%option%';

-- an ingest admin changes sources, but names only targets it may INSERT into
CREATE TABLE kafka_private (time timestamptz, labels jsonb, line text, metadata jsonb) USING observe_log;
SET ROLE kafka_admin_user;
UPDATE observe.kafka_sources SET batch_max_messages = 1000 WHERE name = 'k1';
INSERT INTO observe.kafka_sources (name, brokers, topics, format, target, enabled)
VALUES ('k3', 'b:9', '{a}', 'raw', 'kafka_private', false);
RESET ROLE;
GRANT INSERT ON kafka_private TO kafka_admin_user;
SET ROLE kafka_admin_user;
INSERT INTO observe.kafka_sources (name, brokers, topics, format, target, enabled)
VALUES ('k3', 'b:9', '{a}', 'raw', 'kafka_private', false);
UPDATE observe.kafka_offsets SET next_offset = 0;
DELETE FROM observe.kafka_dead_letters;
RESET ROLE;

-- offsets follow their source's renaming and deletion (as an admin)
INSERT INTO observe.kafka_offsets VALUES ('k1', 'logs', 0, 42), ('k2', 'logs', 0, 7);
SET ROLE kafka_admin_user;
UPDATE observe.kafka_sources SET name = 'k1b' WHERE name = 'k1';
SELECT source, topic, "partition", next_offset FROM observe.kafka_offsets ORDER BY 1;
DELETE FROM observe.kafka_sources WHERE name = 'k1b';
SELECT source, topic, "partition", next_offset FROM observe.kafka_offsets ORDER BY 1;
RESET ROLE;
DELETE FROM observe.kafka_sources;
DROP TABLE kafka_private;
DROP ROLE kafka_reader_user;
DROP ROLE kafka_admin_user;
