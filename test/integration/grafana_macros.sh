#!/usr/bin/env bash
# The shipped Grafana dashboards work through Grafana's PostgreSQL data source: every variable
# and panel query of docs/grafana/*.json, expanded as Grafana expands it (several ranges, max
# data points and min intervals), runs as a login role in observe_reader on generated node data
# (observe.metrics) and application logs (observe.logs) and returns what Grafana can turn into
# frames, logs panels included (test/integration/grafana/check_dashboards.py).
# First the expander itself is checked against Grafana's own examples.
#
# Needs PGHOST/PGPORT/PGUSER of a server with pg_observe installable (test/run.sh exports them).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$ROOT/test/integration/grafana
PY=/usr/bin/python3   # Debian's, with python3-psycopg2 (scripts/install-deps.sh)

echo "--- expander unit checks"
"$PY" "$HERE/grafana_expand_test.py"

DB=grafana_test_$$
VIEWER=regress_grafana_viewer_$$
VIEWER_PASSWORD=viewer_$RANDOM$RANDOM   # logins over TCP need a password (scripts/pg_server.sh)
cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" || true
  psql -X -q -d postgres -c "DROP ROLE IF EXISTS $VIEWER" || true
}
trap cleanup EXIT

echo "--- database $DB with generated node data and logs"
createdb "$DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" <<SQL
CREATE EXTENSION pg_observe;
-- what a Grafana data source logs in as (docs/grafana.md)
CREATE ROLE $VIEWER LOGIN PASSWORD '$VIEWER_PASSWORD' IN ROLE observe_reader;
-- a target for the health view; disabled, and the scrape worker works in observe.database only
INSERT INTO observe.scrape_targets (job, url, enabled) VALUES ('node', 'http://127.0.0.1:9100/metrics', false);
-- the health dashboard's rule and Kafka panels: a rule group, an alert as the rules worker
-- stores it, and a Kafka source (disabled: no worker runs in this database)
SELECT observe.load_rule_file('groups: [{name: node, rules: [{alert: HighLoad, expr: "node_load1 > 4", for: 5m}]}]', 'node.yml');
INSERT INTO observe._alert_state (group_name, rule, alertname, labels, annotations, state, value, active_at, evaluated_at)
VALUES ('node', 1, 'HighLoad', '{"alertname": "HighLoad", "instance": "a"}', '{"summary": "load 5"}', 'pending', 5, now(), now());
INSERT INTO observe.kafka_sources (name, brokers, topics, format, target, enabled)
VALUES ('app_logs', '127.0.0.1:9092', '{app}', 'loki_push', 'observe.logs', false);
SQL
# logs first: the CPU check wants the node data's last sample within a scrape step of the checks
"$PY" "$HERE/gen_log_data.py" --dsn "dbname=$DB" --hours 6
"$PY" "$HERE/gen_node_data.py" --dsn "dbname=$DB" --instances 3 --hours 6 --step 15

echo "--- metric dashboards"
metric_dashboards=()
for f in "$ROOT"/docs/grafana/*.json; do
  case $(basename "$f") in logs-*) ;; *) metric_dashboards+=("$f") ;; esac
done
"$PY" "$HERE/check_dashboards.py" --dsn "dbname=$DB user=$VIEWER password=$VIEWER_PASSWORD" \
  --expect-var job=node --expect-var instance=127.0.0.1:9100 \
  "${metric_dashboards[@]}"

echo "--- logs dashboards"
"$PY" "$HERE/check_dashboards.py" --dsn "dbname=$DB user=$VIEWER password=$VIEWER_PASSWORD" \
  --expect-var job=api --expect-var job=nginx --expect-var app=checkout \
  "$ROOT"/docs/grafana/logs-*.json

echo "--- the checker catches each defect of a broken dashboard (so its passes mean something)"
"$PY" "$HERE/check_dashboards.py" --dsn "dbname=$DB user=$VIEWER password=$VIEWER_PASSWORD" --expect-fail \
  "$HERE/broken-panels.json"
