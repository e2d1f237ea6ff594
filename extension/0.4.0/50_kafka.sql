-- Kafka ingestion (docs/kafka.md): the sources the Kafka workers consume, the offsets they
-- commit in the same transaction as the rows (exactly once), the dead letters, and health.

CREATE TABLE observe.kafka_sources (
  name               text    PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,100}$'),
  brokers            text    NOT NULL CHECK (brokers <> ''),
  -- Either a list of topics or one librdkafka subscription pattern (a regex, '^' added if missing).
  topics             text[]  CHECK (topics IS NULL OR (cardinality(topics) > 0 AND array_position(topics, NULL) IS NULL)),
  topic_pattern      text    CHECK (topic_pattern <> ''),
  -- NULL: 'pg_observe.' || name
  group_id           text    CHECK (group_id <> ''),
  format             text    NOT NULL CHECK (format IN ('loki_push', 'json_lines', 'logfmt', 'raw',
                               'prometheus_text', 'prometheus_json', 'prometheus_remote_write')),
  -- The decoder's settings (docs/kafka.md "Formats"): time_field, time_format, line_field, labels...
  format_options     jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(format_options) = 'object'),
  -- NULL: observe.logs for a log format, observe.metrics for a metrics format.
  target             regclass,
  -- librdkafka consumer properties (strings), e.g. {"security.protocol": "SASL_SSL", "sasl.password": "..."}.
  options            jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(options) = 'object'),
  -- Consumers of this source in its group, spread over the observe.kafka_workers processes.
  consumers          int     NOT NULL DEFAULT 1 CHECK (consumers BETWEEN 1 AND 64),
  -- Where a partition without a row in observe.kafka_offsets starts.
  start_offset       text    NOT NULL DEFAULT 'earliest' CHECK (start_offset IN ('earliest', 'latest')),
  batch_max_messages int     NOT NULL DEFAULT 20000 CHECK (batch_max_messages BETWEEN 1 AND 1000000),
  batch_max_bytes    int     NOT NULL DEFAULT 16777216 CHECK (batch_max_bytes BETWEEN 1024 AND 268435456),
  batch_max_wait     interval NOT NULL DEFAULT '200 milliseconds'
                     CHECK (batch_max_wait >= '1 millisecond' AND batch_max_wait <= '1 minute'),
  -- Also commit the offsets to Kafka after each batch (only a copy, for lag tools).
  commit_to_kafka    bool    NOT NULL DEFAULT false,
  enabled            bool    NOT NULL DEFAULT true,
  CONSTRAINT kafka_sources_topics_or_pattern CHECK ((topics IS NULL) <> (topic_pattern IS NULL))
);
COMMENT ON TABLE observe.kafka_sources IS
  'Kafka topics consumed by the pg_observe Kafka workers; changes apply within seconds, enabled = false releases the partitions';
SELECT pg_catalog.pg_extension_config_dump('observe.kafka_sources', '');
REVOKE ALL ON observe.kafka_sources FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON observe.kafka_sources TO observe_ingest_admin;

-- The worker writes the target as the superuser it runs as: whoever names a target must be
-- allowed to INSERT into it.
CREATE FUNCTION observe._kafka_sources_check() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.target IS NOT NULL AND NOT has_table_privilege(NEW.target, 'INSERT') THEN
    RAISE EXCEPTION 'permission denied to make Kafka source "%" write table %', NEW.name, NEW.target
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER kafka_sources_check BEFORE INSERT OR UPDATE ON observe.kafka_sources
  FOR EACH ROW EXECUTE FUNCTION observe._kafka_sources_check();

-- A source's options with every secret-looking property's value replaced: what readers see.
CREATE FUNCTION observe._kafka_redact(options jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT
  SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(jsonb_object_agg(key, CASE WHEN key ~* '(passw|secret|token|credential|private|\.key($|\.)|sasl\.jaas|sasl\.oauthbearer\.config|ssl\.key)'
                                               THEN '"REDACTED"'::jsonb ELSE value END), '{}'::jsonb)
    FROM jsonb_each(options)
$$;

CREATE VIEW observe.kafka_sources_redacted AS
SELECT name, brokers, topics, topic_pattern, coalesce(group_id, 'pg_observe.' || name) AS group_id,
       format, format_options, target, observe._kafka_redact(options) AS options, consumers,
       start_offset, batch_max_messages, batch_max_bytes, batch_max_wait, commit_to_kafka, enabled
  FROM observe.kafka_sources;
COMMENT ON VIEW observe.kafka_sources_redacted IS
  'observe.kafka_sources with the values of secret-looking librdkafka options (passwords, keys, secrets, tokens) replaced by REDACTED';
GRANT SELECT ON observe.kafka_sources_redacted TO observe_reader, observe_ingest_admin;

-- Each partition's next offset, updated in the same transaction as the rows of the batch that
-- consumed it (compare-and-set on next_offset: a consumer that lost the partition to a
-- rebalance cannot commit over its new owner). An ingest admin may rewind or skip by updating it.
CREATE TABLE observe.kafka_offsets (
  -- No foreign key: pg_dump restores these rows before observe.kafka_sources' (name order);
  -- a trigger on observe.kafka_sources follows a source's renaming and deletion instead.
  source       text   NOT NULL,
  topic        text   NOT NULL,
  "partition"  int    NOT NULL CHECK ("partition" >= 0),
  next_offset  bigint NOT NULL CHECK (next_offset >= 0),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, topic, "partition")
);
COMMENT ON TABLE observe.kafka_offsets IS
  'per source and partition, the offset of the next message to store; written with the rows, read on every assignment';
SELECT pg_catalog.pg_extension_config_dump('observe.kafka_offsets', '');
REVOKE ALL ON observe.kafka_offsets FROM PUBLIC;
GRANT SELECT, UPDATE, DELETE ON observe.kafka_offsets TO observe_ingest_admin;
GRANT SELECT ON observe.kafka_offsets TO observe_reader;

CREATE FUNCTION observe._kafka_sources_follow() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM observe.kafka_offsets WHERE source = OLD.name;
  ELSIF NEW.name <> OLD.name THEN
    UPDATE observe.kafka_offsets SET source = NEW.name WHERE source = OLD.name;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER kafka_sources_follow AFTER DELETE OR UPDATE OF name ON observe.kafka_sources
  FOR EACH ROW EXECUTE FUNCTION observe._kafka_sources_follow();

-- Messages that could not be decoded or stored, written in their batch's transaction.
CREATE TABLE observe.kafka_dead_letters (
  source       text   NOT NULL,
  topic        text   NOT NULL,
  "partition"  int    NOT NULL,
  "offset"     bigint NOT NULL,
  key          bytea,
  payload      bytea,
  error        text   NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  message_time timestamptz,
  PRIMARY KEY (source, topic, "partition", "offset")
);
COMMENT ON TABLE observe.kafka_dead_letters IS
  'Kafka messages that could not be decoded or stored, with the error; the partition moves on';
SELECT pg_catalog.pg_extension_config_dump('observe.kafka_dead_letters', '');
REVOKE ALL ON observe.kafka_dead_letters FROM PUBLIC;
GRANT SELECT, DELETE ON observe.kafka_dead_letters TO observe_ingest_admin;

-- Health, written by each consumer about once a second (not in the batches' transactions).
CREATE TABLE observe._kafka_consumer_status (
  source          text   NOT NULL,
  consumer        int    NOT NULL,
  pid             int    NOT NULL,
  state           text   NOT NULL,
  assigned        text[] NOT NULL DEFAULT '{}',
  messages        bigint NOT NULL DEFAULT 0,
  bytes           bigint NOT NULL DEFAULT 0,
  dead_letters    bigint NOT NULL DEFAULT 0,
  errors          bigint NOT NULL DEFAULT 0,
  rebalances      bigint NOT NULL DEFAULT 0,
  batches         bigint NOT NULL DEFAULT 0,
  messages_per_second float8 NOT NULL DEFAULT 0,
  bytes_per_second    float8 NOT NULL DEFAULT 0,
  last_error      text,
  last_error_at   timestamptz,
  last_commit     timestamptz,
  started_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (source, consumer)
);
REVOKE ALL ON observe._kafka_consumer_status FROM PUBLIC;

CREATE TABLE observe._kafka_partition_status (
  source          text   NOT NULL,
  topic           text   NOT NULL,
  "partition"     int    NOT NULL,
  consumer        int    NOT NULL,
  high_watermark  bigint,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (source, topic, "partition")
);
REVOKE ALL ON observe._kafka_partition_status FROM PUBLIC;

-- Per consumer: its state, assigned partitions, total lag, throughput and errors. No options.
CREATE VIEW observe.kafka_status AS
SELECT s.name AS source, c.consumer, c.pid, s.enabled,
       CASE WHEN NOT s.enabled THEN 'disabled'
            WHEN c.updated_at < now() - interval '30 seconds' THEN 'stale'
            ELSE coalesce(c.state, 'starting') END AS state,
       c.assigned,
       (SELECT sum(greatest(p.high_watermark - coalesce(o.next_offset, 0), 0))::bigint
          FROM observe._kafka_partition_status p
          LEFT JOIN observe.kafka_offsets o USING (source, topic, "partition")
         WHERE p.source = s.name AND p.consumer = c.consumer) AS lag,
       c.messages_per_second, c.bytes_per_second, c.messages, c.bytes, c.dead_letters,
       c.errors, c.rebalances, c.batches, left(c.last_error, 256) AS last_error, c.last_error_at,
       c.last_commit, c.started_at, c.updated_at
  FROM observe.kafka_sources s
  LEFT JOIN observe._kafka_consumer_status c ON c.source = s.name;
COMMENT ON VIEW observe.kafka_status IS
  'per Kafka source and consumer: state, assigned partitions, lag, messages/s, bytes/s, dead letters, errors, last error, last commit';
GRANT SELECT ON observe.kafka_status TO observe_reader, observe_ingest_admin;

-- Per assigned partition: its owner, stored next offset, the broker's high watermark and lag.
CREATE VIEW observe.kafka_partition_status AS
SELECT p.source, p.topic, p."partition", p.consumer, o.next_offset, p.high_watermark,
       greatest(p.high_watermark - coalesce(o.next_offset, 0), 0) AS lag, o.updated_at AS last_commit,
       p.updated_at
  FROM observe._kafka_partition_status p
  LEFT JOIN observe.kafka_offsets o USING (source, topic, "partition");
COMMENT ON VIEW observe.kafka_partition_status IS
  'per assigned Kafka partition: consumer, stored next offset, high watermark, lag, last commit';
GRANT SELECT ON observe.kafka_partition_status TO observe_reader, observe_ingest_admin;
