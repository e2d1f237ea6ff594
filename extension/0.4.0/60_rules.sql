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
