#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# The rules worker sends alerts to a real Alertmanager (Debian's prometheus-alertmanager) over
# the v2 API as Prometheus does: the firing alert shows in Alertmanager's /api/v2/alerts with
# its labels, annotations, startsAt (when it fired), an endsAt in the future (valid_until) and
# a generatorURL on observe.rules_external_url; when the condition ends, the resolution (endsAt
# = the resolution time) takes it out of Alertmanager's active alerts. A webhook
# (observe.rules_webhook_urls) gets Alertmanager's webhook JSON for the firing alert, with the
# fingerprint Alertmanager computes for it, and then for the resolution.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$(mktemp -d /tmp/rules_am.XXXXXX)
chmod 755 "$DIR"
DATA=$DIR/data
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
AMPORT=$("$ROOT/scripts/pg_server.sh" free-port)
HOOKPORT=$("$ROOT/scripts/pg_server.sh" free-port)
AM=""
HOOK=""
cleanup() {
  [ -n "$AM" ] && kill "$AM" 2>/dev/null || true
  [ -n "$HOOK" ] && kill "$HOOK" 2>/dev/null || true
  "$ROOT/scripts/pg_server.sh" stop "$DATA" || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$DIR/am.yml" <<'YML'
route:
  receiver: "null"
receivers:
  - name: "null"
YML
# no cluster listener (it would bind 0.0.0.0:9094)
prometheus-alertmanager --config.file="$DIR/am.yml" --storage.path="$DIR/am" \
  --web.listen-address="127.0.0.1:$AMPORT" --cluster.listen-address= >"$DIR/am.log" 2>&1 &
AM=$!
for _ in $(seq 1 40); do curl -sf "http://127.0.0.1:$AMPORT/-/ready" >/dev/null && break; sleep 0.25; done
curl -sf "http://127.0.0.1:$AMPORT/-/ready" >/dev/null || { cat "$DIR/am.log"; fail "alertmanager did not start"; }

python3 "$ROOT/test/integration/rules/webhook_receiver.py" "$HOOKPORT" "$DIR/hook.jsonl" &
HOOK=$!
"$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT" \
  "observe.rules_alertmanager_urls = 'http://127.0.0.1:$AMPORT'" \
  "observe.rules_webhook_urls = 'http://127.0.0.1:$HOOKPORT/hook'" \
  "observe.rules_external_url = 'http://pg.example:9090'"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
[ -f "$DATA.pgpass" ] && export PGPASSFILE=$DATA.pgpass
q() { psql -X -qtA -v ON_ERROR_STOP=1 -c "$1"; }

q "CREATE EXTENSION pg_observe"
# prometheus.yml's global.external_labels: added to the alerts sent unless the alert has the
# label itself (severity stays the rule's), never to the ALERTS series stored here.
q "INSERT INTO observe.scrape_global (external_labels) VALUES ('{\"replica\": \"a\", \"severity\": \"from-global\"}')"
psql -X -qtA -v ON_ERROR_STOP=1 <<'SQL'
SELECT observe.load_rule_file($yaml$
groups:
  - name: am_test
    interval: 1s
    rules:
      - alert: SwitchOff
        expr: absent(am_switch_on)
        labels: {severity: ticket}
        annotations: {summary: "switch is off ({{ $value }})"}
$yaml$, 'am.yml');
SQL

am_alerts() { curl -sf "http://127.0.0.1:$AMPORT/api/v2/alerts"; }
for _ in $(seq 1 100); do am_alerts | grep -q SwitchOff && break; sleep 0.25; done
am_alerts | grep -q SwitchOff || fail "Alertmanager never received the alert: $(am_alerts)"
fired=$(q "SELECT to_char(fired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') FROM observe.alerts WHERE alertname = 'SwitchOff'")
am_alerts | python3 -c '
import json, sys, datetime
fired = sys.argv[1]
alerts = [a for a in json.load(sys.stdin) if a["labels"].get("alertname") == "SwitchOff"]
assert len(alerts) == 1, alerts
a = alerts[0]
assert a["labels"] == {"alertname": "SwitchOff", "severity": "ticket", "replica": "a"}, a["labels"]
assert a["annotations"] == {"summary": "switch is off (1)"}, a["annotations"]
assert a["status"]["state"] == "active", a["status"]
assert a["startsAt"].startswith(fired), (a["startsAt"], fired)
ends = datetime.datetime.fromisoformat(a["endsAt"].replace("Z", "+00:00")[:23] + "+00:00")
assert ends > datetime.datetime.now(datetime.timezone.utc), a["endsAt"]
assert a["generatorURL"] == "http://pg.example:9090/graph?g0.expr=absent%28am_switch_on%29&g0.tab=1", a["generatorURL"]
print("alertmanager has", a["labels"], a["annotations"], a["startsAt"], a["endsAt"])
' "$fired"

[ "$(q "SELECT count(*) FROM observe.metrics WHERE name = 'ALERTS' AND labels ? 'replica'")" = 0 ] ||
  fail "external labels reached the stored ALERTS series"
# the webhook: Alertmanager's webhook JSON, Alertmanager's fingerprint
am_alerts >"$DIR/am.json"
python3 - "$DIR/hook.jsonl" "$DIR/am.json" <<'PY'
import json, sys
hooks = [json.loads(l) for l in open(sys.argv[1])]
am = [a for a in json.load(open(sys.argv[2])) if a["labels"]["alertname"] == "SwitchOff"][0]
h = hooks[0]
assert h["version"] == "4" and h["status"] == "firing" and h["receiver"] == "pg_observe", h
assert h["commonLabels"] == {"alertname": "SwitchOff", "severity": "ticket", "replica": "a"}, h["commonLabels"]
assert h["externalURL"] == "http://pg.example:9090", h
a = h["alerts"][0]
assert a["status"] == "firing" and a["endsAt"] == "0001-01-01T00:00:00Z", a
assert a["labels"] == am["labels"] and a["annotations"] == am["annotations"], (a, am)
assert a["fingerprint"] == am["fingerprint"], (a["fingerprint"], am["fingerprint"])
assert a["startsAt"] == am["startsAt"], (a["startsAt"], am["startsAt"])
assert a["generatorURL"] == am["generatorURL"], a
print("webhook got", a["fingerprint"], "as Alertmanager:", am["fingerprint"])
PY

# the condition ends: the resolved alert leaves Alertmanager's active alerts
q "INSERT INTO observe.metrics VALUES (now(), 'am_switch_on', '{}', 1)"
for _ in $(seq 1 40); do am_alerts | grep -q SwitchOff || break; sleep 0.25; done
am_alerts | grep -q SwitchOff && fail "Alertmanager still has the alert after its resolution: $(am_alerts)"
[ "$(q "SELECT state FROM observe._alert_state WHERE alertname = 'SwitchOff'")" = inactive ] ||
  fail "the alert is not resolved in observe._alert_state"
python3 - "$DIR/hook.jsonl" <<'PY'
import json, sys
hooks = [json.loads(l) for l in open(sys.argv[1])]
resolved = [h for h in hooks if h["status"] == "resolved"]
assert resolved, [h["status"] for h in hooks]
a = resolved[0]["alerts"][0]
assert a["status"] == "resolved" and a["endsAt"] != "0001-01-01T00:00:00Z", a
print("webhook got the resolution, endsAt", a["endsAt"])
PY
echo "rules_alertmanager: ok"
