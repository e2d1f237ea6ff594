-- pg_observe 0.3.0 -> 0.4.0 (ALTER EXTENSION pg_observe UPDATE).
\echo Use "ALTER EXTENSION pg_observe UPDATE" to load this file. \quit

-- observe_log and observe.logs (extension/0.4.0/15_log_storage.sql).
CREATE FUNCTION observe.log_am_handler(internal) RETURNS table_am_handler
  AS 'MODULE_PATHNAME', 'observe_log_am_handler' LANGUAGE C STRICT;
CREATE ACCESS METHOD observe_log TYPE TABLE HANDLER observe.log_am_handler;
COMMENT ON ACCESS METHOD observe_log IS 'pg_observe compressed log storage (Loki-style streams)';
CREATE TABLE observe.logs (
  time timestamptz NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  line text NOT NULL,
  metadata jsonb
) USING observe_log;
COMMENT ON TABLE observe.logs IS
  'Loki-style log lines: stream key labels; metadata holds structured metadata (not in the key)';
SELECT pg_catalog.pg_extension_config_dump('observe.logs', '');
GRANT SELECT ON observe.logs TO observe_reader;

-- observe.push_loki (extension/0.4.0/17_push_loki.sql).

CREATE FUNCTION observe.push_loki(payload text, target regclass DEFAULT 'observe.logs')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_push_loki'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION observe.push_loki(text, regclass) IS
  'stores a Loki push request in JSON ({"streams": [{"stream": {...}, "values": [["<ns>", "line", {metadata}?]]}]}); returns the lines stored (exact duplicates of stored lines are dropped, as Loki drops them); needs INSERT on target';

-- content_encoding has no default: push_loki('...', 'tbl') must resolve to the text form.
CREATE FUNCTION observe.push_loki(payload bytea, content_type text, content_encoding text,
                                  target regclass DEFAULT 'observe.logs')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_push_loki_request'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION observe.push_loki(bytea, text, text, regclass) IS
  'stores a Loki push request body as HTTP carries it: application/json or snappy-compressed protobuf (any other content type), content encoding gzip, deflate, snappy or none';

-- LogQL from SQL (extension/0.4.0/25_logql.sql); observe_reader's grants as 40_grafana.sql gives them.

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
GRANT EXECUTE ON FUNCTION observe.logql(text, timestamptz, timestamptz, int, text, regclass) TO observe_reader;
GRANT EXECUTE ON FUNCTION observe.logql_range(text, timestamptz, timestamptz, interval, regclass) TO observe_reader;
GRANT EXECUTE ON FUNCTION observe.logql_range_series(text, timestamptz, timestamptz, interval, regclass) TO observe_reader;
GRANT EXECUTE ON FUNCTION observe.logql_instant(text, timestamptz, regclass) TO observe_reader;

-- observe.delete_logs and per-stream retention (extension/0.4.0/18_delete_retention.sql).
ALTER TABLE observe._ts_options ADD COLUMN stream_retention jsonb;
CREATE FUNCTION observe.delete_logs(selector text, start_time timestamptz, end_time timestamptz,
    line_filter text DEFAULT NULL, target regclass DEFAULT 'observe.logs')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_delete_logs'
  LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION observe.delete_logs(text, timestamptz, timestamptz, text, regclass) IS
  'removes the lines the LogQL log query "selector line_filter" returns with start_time <= time <= end_time (NULL: unbounded) by rewriting the chunks that hold them; returns the lines removed; needs DELETE and SELECT on target';

-- Retention per stream selector (Loki's retention_stream), applied with the table's retention
-- by the maintenance worker through observe.apply_retention.
CREATE FUNCTION observe.set_retention(tbl regclass, retention interval, selector text, priority int DEFAULT 0)
  RETURNS void AS 'MODULE_PATHNAME', 'observe_set_stream_retention' LANGUAGE C;
COMMENT ON FUNCTION observe.set_retention(regclass, interval, text, int) IS
  'keeps the rows of the series matching a stream selector ({app="api"}) for this long (NULL: removes the rule); of several matching rules the highest priority wins, then the shortest retention; applied by the maintenance worker';

CREATE FUNCTION observe.apply_retention(tbl regclass) RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_apply_retention' LANGUAGE C STRICT;
COMMENT ON FUNCTION observe.apply_retention(regclass) IS
  'drops the chunks whose rows every retention rule of the table (per stream selector, then the table''s) has expired; returns the rows dropped';

-- Retention settings of the tables the user may read: the table's (selector NULL) and per stream.
CREATE VIEW observe.retention_policies AS
  SELECT o.relid::regclass AS relation, NULL::text AS selector, NULL::int AS priority, o.retention
  FROM observe._ts_options o
  WHERE o.retention IS NOT NULL AND has_table_privilege(o.relid, 'SELECT')
  UNION ALL
  SELECT o.relid::regclass, r.selector, r.priority, r.retention::interval
  FROM observe._ts_options o,
       jsonb_to_recordset(coalesce(o.stream_retention, '[]')) AS r(selector text, priority int, retention text)
  WHERE has_table_privilege(o.relid, 'SELECT');
GRANT SELECT ON observe.retention_policies TO observe_reader;

-- Kafka ingestion (extension/0.4.0/50_kafka.sql)
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

-- Recording and alerting rules (extension/0.4.0/60_rules.sql)
-- Recording and alerting rules (issue 17): rule groups and rules as Prometheus's rule files hold
-- them, evaluated by the pg_observe rules worker; alert state, the active alerts, and the
-- evaluation health. observe_ingest_admin edits rules (they write series), observe_reader reads.

CREATE TABLE observe.rule_groups (
  name          text     PRIMARY KEY CHECK (name <> ''),
  -- The rule file the group came from: Prometheus offsets a group's evaluations inside the
  -- interval by a hash of {file, name}, so groups spread over the interval.
  file          text     NOT NULL DEFAULT '',
  -- NULL: the global evaluation interval, observe.rules_evaluation_interval (1 minute).
  "interval"    interval CHECK ("interval" >= '1 second'),
  -- NULL: not set (0).
  query_offset  interval CHECK (query_offset >= '0'),
  "limit"       bigint   NOT NULL DEFAULT 0 CHECK ("limit" >= 0),
  labels        jsonb    NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
  -- The observe_ts table (shaped as observe.metrics) the rules query and write into.
  target        regclass NOT NULL DEFAULT 'observe.metrics',
  enabled       bool     NOT NULL DEFAULT true
);
COMMENT ON TABLE observe.rule_groups IS
  'Prometheus rule groups evaluated by the pg_observe rules worker; changes apply within seconds';

CREATE TABLE observe.rules (
  group_name       text     NOT NULL REFERENCES observe.rule_groups (name) ON DELETE CASCADE ON UPDATE CASCADE,
  position         int      NOT NULL CHECK (position >= 1),  -- evaluation order in the group
  kind             text     NOT NULL CHECK (kind IN ('record', 'alert')),
  name             text     NOT NULL,  -- the recorded metric or the alert name
  expr             text     NOT NULL,
  language         text     NOT NULL DEFAULT 'promql' CHECK (language IN ('promql')),
  "for"            interval NOT NULL DEFAULT '0' CHECK ("for" >= '0'),
  keep_firing_for  interval NOT NULL DEFAULT '0' CHECK (keep_firing_for >= '0'),
  labels           jsonb    NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
  annotations      jsonb    NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(annotations) = 'object'),
  PRIMARY KEY (group_name, position),
  CONSTRAINT recording_rules_have_no_alert_fields
    CHECK (kind = 'alert' OR ("for" = '0' AND keep_firing_for = '0' AND annotations = '{}'))
);
COMMENT ON TABLE observe.rules IS
  'the rules of each observe.rule_groups group, in evaluation order';

-- The worker queries and writes the target as the superuser it runs as: whoever names another
-- table than observe.metrics (the ingest admin's, as for scrape targets) must be allowed to
-- SELECT and INSERT it.
CREATE FUNCTION observe._rule_groups_check() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.target <> 'observe.metrics'::regclass
     AND (TG_OP = 'INSERT' OR NEW.target IS DISTINCT FROM OLD.target)
     AND NOT (has_table_privilege(NEW.target, 'INSERT') AND has_table_privilege(NEW.target, 'SELECT')) THEN
    RAISE EXCEPTION 'permission denied to make rule group "%" query and write table %', NEW.name, NEW.target
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER rule_groups_check BEFORE INSERT OR UPDATE ON observe.rule_groups
  FOR EACH ROW EXECUTE FUNCTION observe._rule_groups_check();

SELECT pg_catalog.pg_extension_config_dump('observe.rule_groups', '');
SELECT pg_catalog.pg_extension_config_dump('observe.rules', '');
REVOKE ALL ON observe.rule_groups, observe.rules FROM PUBLIC;
GRANT USAGE ON SCHEMA observe TO observe_ingest_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON observe.rule_groups, observe.rules TO observe_ingest_admin;
GRANT SELECT ON observe.rule_groups, observe.rules TO observe_reader;

-- Imports a Prometheus rule file: every group of the file replaces the group of that name
-- (its rules and alert state); other groups are left alone. Errors are promtool check rules'.
CREATE FUNCTION observe.load_rule_file(content text, file text DEFAULT '')
  RETURNS int
  AS 'MODULE_PATHNAME', 'observe_load_rule_file'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION observe.load_rule_file(text, text) IS
  'imports a Prometheus rule file (YAML), validated as promtool check rules validates it; each of its groups '
  'replaces the stored group of that name; returns the number of rules loaded';
REVOKE ALL ON FUNCTION observe.load_rule_file(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.load_rule_file(text, text) TO observe_ingest_admin;

-- Exports groups as a Prometheus rule file (NULL: every group, by name).
CREATE FUNCTION observe.rule_file(group_name text DEFAULT NULL)
  RETURNS text
  AS 'MODULE_PATHNAME', 'observe_rule_file'
  LANGUAGE C STABLE;
COMMENT ON FUNCTION observe.rule_file(text) IS
  'the stored rule group (NULL: every group) as a Prometheus rule file (YAML)';
REVOKE ALL ON FUNCTION observe.rule_file(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.rule_file(text) TO observe_ingest_admin, observe_reader;

-- Alert state, written by the rules worker in the transaction that writes the evaluation's
-- ALERTS samples: every alert the evaluator holds (pending, firing, and resolved ones kept
-- 15 minutes as Prometheus keeps them for Alertmanager).
CREATE TABLE observe._alert_state (
  group_name    text        NOT NULL REFERENCES observe.rule_groups (name) ON DELETE CASCADE ON UPDATE CASCADE,
  rule          int         NOT NULL,
  alertname     text        NOT NULL,
  labels        jsonb       NOT NULL,
  annotations   jsonb       NOT NULL,
  state         text        NOT NULL CHECK (state IN ('pending', 'firing', 'inactive')),
  value         float8,
  active_at     timestamptz NOT NULL,
  fired_at      timestamptz,
  resolved_at   timestamptz,
  last_sent_at  timestamptz,
  valid_until   timestamptz,
  evaluated_at  timestamptz NOT NULL,
  PRIMARY KEY (group_name, rule, labels)
);
REVOKE ALL ON observe._alert_state FROM PUBLIC;

-- NOTIFY observe_alerts on every state change: {"group", "alertname", "state", "previous",
-- "labels", "annotations", "value", "activeAt", "firedAt", "resolvedAt"}; "state" is
-- "inactive" for a resolved alert and for a pending one that went away. A payload above
-- NOTIFY's limit drops the annotations, then the labels.
CREATE FUNCTION observe._alert_notify() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  r observe._alert_state;
  prev text;
  payload jsonb;
BEGIN
  IF TG_OP = 'DELETE' THEN
    r := OLD;
    IF OLD.state = 'inactive' THEN RETURN NULL; END IF;  -- resolved earlier, notified then
    prev := OLD.state;
    r.state := 'inactive';
  ELSE
    r := NEW;
    prev := CASE WHEN TG_OP = 'UPDATE' THEN OLD.state END;
    IF prev IS NOT DISTINCT FROM NEW.state THEN RETURN NULL; END IF;
  END IF;
  payload := jsonb_build_object('group', r.group_name, 'alertname', r.alertname, 'state', r.state,
                                'previous', prev, 'labels', r.labels, 'annotations', r.annotations,
                                'value', r.value::text, 'activeAt', r.active_at, 'firedAt', r.fired_at,
                                'resolvedAt', r.resolved_at);
  IF octet_length(payload::text) >= 7900 THEN payload := payload - 'annotations'; END IF;
  IF octet_length(payload::text) >= 7900 THEN payload := payload - 'labels'; END IF;
  PERFORM pg_notify('observe_alerts', payload::text);
  RETURN NULL;
END
$fn$;
CREATE TRIGGER alert_notify AFTER INSERT OR UPDATE OR DELETE ON observe._alert_state
  FOR EACH ROW EXECUTE FUNCTION observe._alert_notify();

-- Active alerts (pending or firing), one row per alert, as Prometheus's /api/v1/alerts lists them.
CREATE VIEW observe.alerts AS
SELECT s.alertname, s.labels, s.annotations, s.state, s.active_at, s.fired_at, s.value,
       s.group_name, s.evaluated_at
  FROM observe._alert_state s
 WHERE s.state <> 'inactive';
COMMENT ON VIEW observe.alerts IS
  'active alerts (pending or firing): labels, annotations, state, activeAt, value, as the rules worker last evaluated them';
GRANT SELECT ON observe.alerts TO observe_reader, observe_ingest_admin;

-- Evaluation health, written by the rules worker after each evaluation of a group (the
-- self metrics Prometheus exports as prometheus_rule_group_*).
CREATE TABLE observe._rule_group_status (
  group_name          text PRIMARY KEY REFERENCES observe.rule_groups (name) ON DELETE CASCADE ON UPDATE CASCADE,
  last_evaluation     timestamptz,
  last_duration       float8,
  iterations_total    bigint NOT NULL DEFAULT 0,
  iterations_missed   bigint NOT NULL DEFAULT 0,
  evaluation_failures bigint NOT NULL DEFAULT 0,
  samples             bigint,
  last_error          text
);
REVOKE ALL ON observe._rule_group_status FROM PUBLIC;

CREATE TABLE observe._rule_status (
  group_name  text NOT NULL REFERENCES observe.rule_groups (name) ON DELETE CASCADE ON UPDATE CASCADE,
  position    int  NOT NULL,
  health      text NOT NULL CHECK (health IN ('ok', 'err')),
  last_error  text,
  samples     bigint NOT NULL,
  PRIMARY KEY (group_name, position)
);
REVOKE ALL ON observe._rule_status FROM PUBLIC;

CREATE VIEW observe.rule_group_health AS
SELECT g.name AS group_name, g.enabled, coalesce(g."interval", interval '1 minute') AS "interval",
       s.last_evaluation, s.last_duration AS last_duration_seconds, coalesce(s.iterations_total, 0) AS iterations_total,
       coalesce(s.iterations_missed, 0) AS iterations_missed,
       coalesce(s.evaluation_failures, 0) AS evaluation_failures, s.samples, left(s.last_error, 512) AS last_error
  FROM observe.rule_groups g
  LEFT JOIN observe._rule_group_status s ON s.group_name = g.name;
COMMENT ON VIEW observe.rule_group_health IS
  'per rule group: last evaluation, its duration, iterations (total, missed), failures, samples written, the last error '
  '(a group whose rules do not validate, a failed transaction)';
GRANT SELECT ON observe.rule_group_health TO observe_reader, observe_ingest_admin;

CREATE VIEW observe.rule_health AS
SELECT r.group_name, r.position, r.kind, r.name, coalesce(s.health, 'unknown') AS health,
       left(s.last_error, 512) AS last_error, s.samples
  FROM observe.rules r
  LEFT JOIN observe._rule_status s USING (group_name, position);
COMMENT ON VIEW observe.rule_health IS
  'per rule: health (ok, err, unknown before the first evaluation), the last error in Prometheus''s words, samples returned';
GRANT SELECT ON observe.rule_health TO observe_reader, observe_ingest_admin;
