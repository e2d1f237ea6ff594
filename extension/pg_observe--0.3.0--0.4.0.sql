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

-- Bearer tokens for the HTTP API (docs/http.md): `Authorization: Bearer <token>` makes a request
-- run as the token's role, as basic auth does with a password. Only SHA-256 digests are kept;
-- the token itself is shown once, by create_http_token. A login role manages the tokens of the
-- roles it is a member of (its own included), no others: row-level security below.
CREATE TABLE observe.http_tokens (
  role          regrole     NOT NULL,
  name          text        NOT NULL CHECK (name <> '' AND length(name) <= 200),
  token_sha256  bytea       NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
  created_by    name        NOT NULL DEFAULT current_user,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  PRIMARY KEY (role, name)
);
COMMENT ON TABLE observe.http_tokens IS
  'HTTP API bearer tokens: the role a token acts as, a name, the SHA-256 of the token (never the token), expiry';
SELECT pg_catalog.pg_extension_config_dump('observe.http_tokens', '');
ALTER TABLE observe.http_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY http_tokens_of_my_roles ON observe.http_tokens
  USING (pg_catalog.pg_has_role(current_user, role, 'MEMBER'))
  WITH CHECK (pg_catalog.pg_has_role(current_user, role, 'MEMBER') AND created_by = current_user);
-- The digests stay unreadable (only the HTTP worker, a superuser, matches them); the rest of a
-- row is its owner's to see, and deleting a row revokes the token at once.
REVOKE ALL ON observe.http_tokens FROM PUBLIC;
GRANT SELECT (role, name, created_by, created_at, expires_at), INSERT, DELETE ON observe.http_tokens TO PUBLIC;

CREATE FUNCTION observe.create_http_token(name text, role regrole DEFAULT current_user::regrole,
                                          valid_for interval DEFAULT NULL)
  RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY INVOKER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- 244 random bits from the server's strong random source (gen_random_uuid).
  token text := 'pgo_' || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '');
BEGIN
  IF name IS NULL OR role IS NULL THEN
    RAISE EXCEPTION 'a token needs a name and a role' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT pg_has_role(current_user, role, 'MEMBER') THEN
    RAISE EXCEPTION 'only members of role % may make tokens acting as it', role
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT (SELECT rolcanlogin FROM pg_roles WHERE oid = role) THEN
    RAISE EXCEPTION 'role % cannot log in, so no token can act as it', role
      USING ERRCODE = 'invalid_authorization_specification';
  END IF;
  INSERT INTO observe.http_tokens (role, name, token_sha256, expires_at)
  VALUES (role, name, sha256(convert_to(token, 'UTF8')), now() + valid_for);
  RETURN token;
END
$$;
COMMENT ON FUNCTION observe.create_http_token(text, regrole, interval) IS
  'creates an HTTP API bearer token acting as role (default: the current user; you must be a member), valid for the interval (NULL: until deleted); returns the token, shown only this once';

CREATE FUNCTION observe.drop_http_token(name text, role regrole DEFAULT current_user::regrole)
  RETURNS boolean
  LANGUAGE sql VOLATILE SECURITY INVOKER
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH gone AS (DELETE FROM observe.http_tokens t
                 WHERE t.role = drop_http_token.role AND t.name = drop_http_token.name RETURNING 1)
  SELECT count(*) > 0 FROM gone
$$;
COMMENT ON FUNCTION observe.drop_http_token(text, regrole) IS
  'revokes the HTTP API bearer token of that name and role at once; true when there was one';

-- Prometheus scrape configuration (extension/0.4.0/55_scrape_config.sql)
-- Prometheus's scrape configuration: observe.load_prometheus_config(prometheus.yml) fills
-- observe.scrape_global and observe.scrape_jobs (one row per scrape_config, editable with
-- SQL, every row checked by the same loader); the scrape worker discovers each job's targets
-- (static_configs, file_sd_configs, dns_sd_configs), relabels them, scrapes them and applies
-- metric_relabel_configs. What it discovered is in observe.scrape_targets_discovered.

CREATE TABLE observe.scrape_global (
  singleton            bool     PRIMARY KEY DEFAULT true CHECK (singleton),
  scrape_interval      interval NOT NULL DEFAULT '1 minute',
  scrape_timeout       interval NOT NULL DEFAULT '10 seconds',
  evaluation_interval  interval NOT NULL DEFAULT '1 minute',
  -- Kept for the record: Prometheus attaches them only to data leaving it (remote write,
  -- federation, alerts), never to stored series.
  external_labels      jsonb    NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(external_labels) = 'object')
);
COMMENT ON TABLE observe.scrape_global IS
  'the global block of the last prometheus.yml loaded (its intervals are already applied to each job)';
SELECT pg_catalog.pg_extension_config_dump('observe.scrape_global', '');
REVOKE ALL ON observe.scrape_global FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON observe.scrape_global TO observe_ingest_admin;
GRANT SELECT ON observe.scrape_global TO observe_reader;

-- Column names are Prometheus's; the nested blocks are jsonb in prometheus.yml's shape:
-- static_configs [{"targets": [...], "labels": {...}}], file_sd_configs [{"files": [...],
-- "refresh_interval": "5m"}], dns_sd_configs [{"names": [...], "type": "SRV", "port": 9100,
-- "refresh_interval": "30s"}], relabel_configs / metric_relabel_configs [{"source_labels": [...],
-- "regex": ..., "action": ...}], params {"name": ["value", ...]}.
CREATE TABLE observe.scrape_jobs (
  job_name                   text     PRIMARY KEY CHECK (job_name <> ''),
  scrape_interval            interval NOT NULL DEFAULT '1 minute',
  -- NULL means Prometheus's default: min(10s, scrape_interval)
  scrape_timeout             interval,
  metrics_path               text     NOT NULL DEFAULT '/metrics',
  scheme                     text     NOT NULL DEFAULT 'http' CHECK (scheme IN ('http', 'https')),
  params                     jsonb    NOT NULL DEFAULT '{}',
  honor_labels               bool     NOT NULL DEFAULT false,
  honor_timestamps           bool     NOT NULL DEFAULT true,
  -- basic_auth is set when basic_auth_username is not NULL ('' for an empty user name)
  basic_auth_username        text,
  basic_auth_password        text,    -- secret: observe_reader sees observe.scrape_jobs_redacted
  -- authorization is set when authorization_type is not NULL (bearer_token becomes Bearer)
  authorization_type         text,
  authorization_credentials  text,    -- secret
  tls_ca_file                text,
  tls_cert_file              text,
  tls_key_file               text,
  tls_insecure_skip_verify   bool     NOT NULL DEFAULT false,
  sample_limit               bigint   NOT NULL DEFAULT 0 CHECK (sample_limit >= 0),
  label_limit                bigint   NOT NULL DEFAULT 0 CHECK (label_limit >= 0),
  label_name_length_limit    bigint   NOT NULL DEFAULT 0 CHECK (label_name_length_limit >= 0),
  label_value_length_limit   bigint   NOT NULL DEFAULT 0 CHECK (label_value_length_limit >= 0),
  target_limit               bigint   NOT NULL DEFAULT 0 CHECK (target_limit >= 0),
  static_configs             jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(static_configs) = 'array'),
  file_sd_configs            jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(file_sd_configs) = 'array'),
  dns_sd_configs             jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(dns_sd_configs) = 'array'),
  relabel_configs            jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(relabel_configs) = 'array'),
  metric_relabel_configs     jsonb    NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(metric_relabel_configs) = 'array'),
  enabled                    bool     NOT NULL DEFAULT true
);
COMMENT ON TABLE observe.scrape_jobs IS
  'Prometheus scrape_configs, one row per job: loaded by observe.load_prometheus_config or written with SQL; changes apply within seconds';
SELECT pg_catalog.pg_extension_config_dump('observe.scrape_jobs', '');
REVOKE ALL ON observe.scrape_jobs FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON observe.scrape_jobs TO observe_ingest_admin;

-- A Prometheus duration for an interval (whole milliseconds, which model.ParseDuration reads).
CREATE FUNCTION observe._prom_duration(i interval) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN round(extract(epoch FROM i) * 1000)::bigint::text || 'ms';

-- One row as the scrape_config block of prometheus.yml (JSON is YAML): what the worker loads,
-- what the row check loads and what observe.prometheus_config() exports.
CREATE FUNCTION observe._scrape_job_document(j observe.scrape_jobs) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  RETURN jsonb_strip_nulls(jsonb_build_object(
    'job_name', j.job_name,
    'scrape_interval', observe._prom_duration(j.scrape_interval),
    'scrape_timeout', observe._prom_duration(coalesce(j.scrape_timeout,
                                                      least(interval '10 seconds', j.scrape_interval))),
    'metrics_path', j.metrics_path,
    'scheme', j.scheme,
    'params', j.params,
    'honor_labels', j.honor_labels,
    'honor_timestamps', j.honor_timestamps,
    'basic_auth', CASE WHEN j.basic_auth_username IS NOT NULL THEN
                    jsonb_build_object('username', j.basic_auth_username, 'password', j.basic_auth_password) END,
    'authorization', CASE WHEN j.authorization_type IS NOT NULL THEN
                       jsonb_build_object('type', j.authorization_type, 'credentials', j.authorization_credentials) END,
    'tls_config', jsonb_build_object('ca_file', j.tls_ca_file, 'cert_file', j.tls_cert_file,
                                     'key_file', j.tls_key_file,
                                     'insecure_skip_verify', j.tls_insecure_skip_verify),
    'sample_limit', j.sample_limit,
    'label_limit', j.label_limit,
    'label_name_length_limit', j.label_name_length_limit,
    'label_value_length_limit', j.label_value_length_limit,
    'target_limit', j.target_limit,
    'static_configs', j.static_configs,
    'file_sd_configs', j.file_sd_configs,
    'dns_sd_configs', j.dns_sd_configs,
    'relabel_configs', j.relabel_configs,
    'metric_relabel_configs', j.metric_relabel_configs));
REVOKE ALL ON FUNCTION observe._scrape_job_document(observe.scrape_jobs) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe._scrape_job_document(observe.scrape_jobs) TO observe_ingest_admin;

-- Parses prometheus.yml as Prometheus 2.42 does and returns the rows to store:
-- {"global": {...}, "scrape_configs": [rows of observe.scrape_jobs]}. A configuration
-- Prometheus refuses fails with 22023 and the line; a key we cannot import with 0A000 and the
-- line; keys outside scraping (rule_files, alerting, remote_write, ...) give a WARNING.
CREATE FUNCTION observe._parse_prometheus_config(config text) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'observe_parse_prometheus_config'
  LANGUAGE C STABLE STRICT;
REVOKE ALL ON FUNCTION observe._parse_prometheus_config(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe._parse_prometheus_config(text) TO observe_ingest_admin;

-- Every row written with SQL goes through the loader, so a row the worker would refuse cannot
-- be stored (the message names the field; its line is that of the one-line JSON document).
CREATE FUNCTION observe._scrape_jobs_check() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM observe._parse_prometheus_config(
    jsonb_build_object('scrape_configs', jsonb_build_array(observe._scrape_job_document(NEW)))::text);
  RETURN NEW;
END $$;
CREATE TRIGGER scrape_jobs_check BEFORE INSERT OR UPDATE ON observe.scrape_jobs
  FOR EACH ROW EXECUTE FUNCTION observe._scrape_jobs_check();

CREATE FUNCTION observe.load_prometheus_config(config text) RETURNS integer
  LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  parsed jsonb := observe._parse_prometheus_config(config);
  n integer;
BEGIN
  DELETE FROM observe.scrape_jobs;
  INSERT INTO observe.scrape_jobs
    SELECT * FROM jsonb_populate_recordset(NULL::observe.scrape_jobs, parsed->'scrape_configs');
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO observe.scrape_global
    SELECT * FROM jsonb_populate_record(NULL::observe.scrape_global, parsed->'global')
  ON CONFLICT (singleton) DO UPDATE
    SET scrape_interval = EXCLUDED.scrape_interval, scrape_timeout = EXCLUDED.scrape_timeout,
        evaluation_interval = EXCLUDED.evaluation_interval,
        external_labels = EXCLUDED.external_labels;
  RETURN n;
END $$;
COMMENT ON FUNCTION observe.load_prometheus_config(text) IS
  'replaces observe.scrape_jobs and observe.scrape_global with the scrape configuration of a prometheus.yml; returns the number of jobs';
REVOKE ALL ON FUNCTION observe.load_prometheus_config(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.load_prometheus_config(text) TO observe_ingest_admin;

-- The stored configuration as a prometheus.yml (JSON), secrets included: Prometheus loads it,
-- and so does observe.load_prometheus_config (a round trip).
CREATE FUNCTION observe.prometheus_config() RETURNS text
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
  RETURN jsonb_pretty(jsonb_build_object(
    'global', coalesce((SELECT jsonb_strip_nulls(jsonb_build_object(
                                 'scrape_interval', observe._prom_duration(g.scrape_interval),
                                 'scrape_timeout', observe._prom_duration(g.scrape_timeout),
                                 'evaluation_interval', observe._prom_duration(g.evaluation_interval),
                                 'external_labels', g.external_labels))
                          FROM observe.scrape_global g), '{}'),
    'scrape_configs', coalesce((SELECT jsonb_agg(observe._scrape_job_document(j) ORDER BY j.job_name)
                                  FROM observe.scrape_jobs j), '[]')));
REVOKE ALL ON FUNCTION observe.prometheus_config() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.prometheus_config() TO observe_ingest_admin;

-- What observe_reader may see of the jobs: the secrets replaced.
CREATE VIEW observe.scrape_jobs_redacted AS
SELECT job_name, scrape_interval, scrape_timeout, metrics_path, scheme, params, honor_labels,
       honor_timestamps, basic_auth_username,
       CASE WHEN basic_auth_password IS NOT NULL THEN 'REDACTED' END AS basic_auth_password,
       authorization_type,
       CASE WHEN authorization_credentials IS NOT NULL THEN 'REDACTED' END AS authorization_credentials,
       tls_ca_file, tls_cert_file, tls_key_file, tls_insecure_skip_verify, sample_limit,
       label_limit, label_name_length_limit, label_value_length_limit, target_limit,
       static_configs, file_sd_configs, dns_sd_configs, relabel_configs, metric_relabel_configs, enabled
  FROM observe.scrape_jobs;
COMMENT ON VIEW observe.scrape_jobs_redacted IS
  'observe.scrape_jobs with the basic_auth password and the authorization credentials replaced by REDACTED';
GRANT SELECT ON observe.scrape_jobs_redacted TO observe_reader, observe_ingest_admin;

-- Written by the scrape worker whenever a job's discovered targets change: every target of
-- every group, before relabeling (discovered, __meta_* included) and after (labels, NULL when
-- relabeling dropped it), or why it failed.
CREATE TABLE observe._scrape_discovered (
  job         text  NOT NULL,
  source      text  NOT NULL,   -- the group: "0" for static_configs[0], "<file>:<index>" for file_sd, the name for dns_sd
  discovered  jsonb NOT NULL,
  labels      jsonb,            -- after relabeling, __ labels included (__address__, __scheme__, ...)
  url         text,
  error       text
);
CREATE INDEX ON observe._scrape_discovered (job);
REVOKE ALL ON observe._scrape_discovered FROM PUBLIC;

-- The __param_* labels whose names look secret (the scrape URL's query), redacted for readers.
CREATE FUNCTION observe._redact_param_labels(labels jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN (SELECT jsonb_object_agg(key, CASE WHEN key ~* '^__param_.*(token|secret|passw|pwd|key|auth|sig|credential|session|jwt|bearer|private)'
                                            THEN to_jsonb('REDACTED'::text) ELSE value END)
            FROM jsonb_each(labels));

-- Prometheus's /targets and /service-discovery pages: every discovered target, its labels
-- before and after relabeling, dropped or not, and its last scrape.
CREATE VIEW observe.scrape_targets_discovered AS
SELECT d.job, d.source,
       coalesce(observe._redact_param_labels(d.discovered), '{}') AS discovered_labels,
       CASE WHEN d.labels IS NOT NULL THEN
         (SELECT coalesce(jsonb_object_agg(key, value), '{}') FROM jsonb_each(d.labels)
           WHERE key NOT LIKE '\_\_%') END AS labels,  -- NULL when dropped
       observe._redact_param_labels(d.labels) AS labels_with_internal,
       d.labels IS NULL AND d.error IS NULL AS dropped,
       d.error AS discovery_error,
       regexp_replace(regexp_replace(d.url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@', '\1'),
                      '([?&;][^=&#;]*(token|secret|passw|pwd|key|auth|sig|credential|session|jwt|bearer|private)[^=&#;]*=)[^&#;]*',
                      '\1REDACTED', 'gi') AS scrape_url,
       s.up, s.last_scrape, s.last_duration AS last_duration_seconds, s.samples_scraped,
       left(s.last_error, 256) AS last_error
  FROM observe._scrape_discovered d
  LEFT JOIN observe._scrape_status s ON s.job = d.job AND s.url = d.url AND d.labels IS NOT NULL;
COMMENT ON VIEW observe.scrape_targets_discovered IS
  'per discovered target of observe.scrape_jobs: labels before and after relabeling, dropped or not, and its last scrape';
GRANT SELECT ON observe.scrape_targets_discovered TO observe_reader, observe_ingest_admin;

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
  -- The observe_log table (shaped as observe.logs) the group's LogQL rules query.
  log_source    regclass NOT NULL DEFAULT 'observe.logs',
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
  -- promql (a Prometheus rule file), logql (a Loki rule file: its group's log_source is queried)
  language         text     NOT NULL DEFAULT 'promql' CHECK (language IN ('promql', 'logql')),
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
-- SELECT and INSERT it, and SELECT another log_source than observe.logs.
CREATE FUNCTION observe._rule_groups_check() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.target <> 'observe.metrics'::regclass
     AND (TG_OP = 'INSERT' OR NEW.target IS DISTINCT FROM OLD.target)
     AND NOT (has_table_privilege(NEW.target, 'INSERT') AND has_table_privilege(NEW.target, 'SELECT')) THEN
    RAISE EXCEPTION 'permission denied to make rule group "%" query and write table %', NEW.name, NEW.target
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.log_source <> 'observe.logs'::regclass
     AND (TG_OP = 'INSERT' OR NEW.log_source IS DISTINCT FROM OLD.log_source)
     AND NOT has_table_privilege(NEW.log_source, 'SELECT') THEN
    RAISE EXCEPTION 'permission denied to make rule group "%" query table %', NEW.name, NEW.log_source
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

-- Imports a Prometheus rule file (language 'promql') or a Loki rule file ('logql'): every group
-- of the file replaces the group of that name (its rules and alert state); other groups are
-- left alone. Errors are promtool check rules' (LogQL's parse errors are Loki's).
CREATE FUNCTION observe.load_rule_file(content text, file text DEFAULT '', language text DEFAULT 'promql')
  RETURNS int
  AS 'MODULE_PATHNAME', 'observe_load_rule_file'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION observe.load_rule_file(text, text, text) IS
  'imports a Prometheus rule file (YAML; language ''logql'': a Loki rule file), validated as promtool check rules '
  'validates it; each of its groups replaces the stored group of that name; returns the number of rules loaded';
REVOKE ALL ON FUNCTION observe.load_rule_file(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.load_rule_file(text, text, text) TO observe_ingest_admin;

-- Exports groups as a Prometheus rule file (NULL: every group, by name).
CREATE FUNCTION observe.rule_file(group_name text DEFAULT NULL)
  RETURNS text
  AS 'MODULE_PATHNAME', 'observe_rule_file'
  LANGUAGE C STABLE;
COMMENT ON FUNCTION observe.rule_file(text) IS
  'the stored rule group (NULL: every group) as a Prometheus rule file (YAML)';
REVOKE ALL ON FUNCTION observe.rule_file(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.rule_file(text) TO observe_ingest_admin, observe_reader;

-- Backfills a group's recording rules over the past as `promtool tsdb create-blocks-from rules`
-- does: per rule and per block (2 h, or the largest compatible size up to max_block_duration)
-- one range query from the group's first slot, step the group's interval; the series go into
-- the group's target. Alerting rules are skipped. Returns the samples written.
CREATE FUNCTION observe.backfill_rules(group_name text, start_time timestamptz,
                                       end_time timestamptz DEFAULT now() - interval '3 hours',
                                       max_block_duration interval DEFAULT '2 hours')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_backfill_rules'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION observe.backfill_rules(text, timestamptz, timestamptz, interval) IS
  'evaluates the recording rules of a group over [start_time, end_time] as promtool tsdb create-blocks-from rules '
  'does and writes their series into the group''s target; returns the number of samples written';
REVOKE ALL ON FUNCTION observe.backfill_rules(text, timestamptz, timestamptz, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION observe.backfill_rules(text, timestamptz, timestamptz, interval) TO observe_ingest_admin;

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
       s.group_name, s.evaluated_at, s.rule AS rule_position
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

-- observe._ts_series loses its GIN index on labels (extension/0.4.0/10_ts_storage.sql): nothing
-- reads it (series are matched in each backend's series dictionary) and it cost a tenth of the
-- CPU of creating a series.
DROP INDEX observe._ts_series_labels;

-- observe.series_gc (extension/0.4.0/19_series_gc.sql).
CREATE FUNCTION observe.series_gc(tbl regclass) RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_ts_series_gc' LANGUAGE C STRICT;
COMMENT ON FUNCTION observe.series_gc(regclass) IS
  'removes the next observe.series_gc_slice series without chunks (as compaction does at its end); returns how many';
