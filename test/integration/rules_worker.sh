#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# The rules worker end to end (issue 17): a rule file loaded with observe.load_rule_file is
# evaluated on its interval; the recorded samples and the alert (labels, annotations, pending
# then firing after `for`) are what `promtool test rules` confirms for the same rules and data
# (rules/rules_test.yml); evaluations sit on Prometheus's slots (build/.../rules_check --slot); ALERTS / ALERTS_FOR_STATE are
# written; NOTIFY observe_alerts reports pending, firing and the resolution; a server restart
# while the alert is pending keeps its `for` state (activeAt shifted by the downtime, as
# Prometheus restores it, instead of starting again); a series that goes away leaves staleness
# markers; a group whose rules do not validate reports promtool's error in rule_group_health.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX=$ROOT/test/integration/rules
DIR=$(mktemp -d /tmp/rules_worker.XXXXXX)
chmod 755 "$DIR"
DATA=$DIR/data
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
PIDS=()
cleanup() {
  rm -f "$DIR/feed" "$DIR/feed_b"
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  "$ROOT/scripts/pg_server.sh" stop "$DATA" || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Prometheus's own evaluator accepts the expectations checked below.
promtool test rules "$FIX/rules_test.yml"
read -r EXP_A EXP_B EXP_SUMMARY < <(python3 - "$FIX/rules_test.yml" <<'PY'
import sys, yaml
t = yaml.safe_load(open(sys.argv[1]))["tests"][0]
s = {x["labels"]: x["value"] for x in t["promql_expr_test"][0]["exp_samples"]}
firing = [a for a in t["alert_rule_test"] if a["exp_alerts"]][0]["exp_alerts"][0]
print(s['instance:temp:doubled{instance="a"}'], s['instance:temp:doubled{instance="b"}'],
      firing["exp_annotations"]["summary"].replace(" ", "_"))
PY
)
EXP_SUMMARY=${EXP_SUMMARY//_/ }

# for-state restore with Prometheus's semantics, the grace period shortened to fit a test.
"$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT" "observe.rules_for_grace_period = '1s'"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
[ -f "$DATA.pgpass" ] && export PGPASSFILE=$DATA.pgpass
source "$FIX/sql_helpers.sh"

q "CREATE EXTENSION pg_observe"
q "INSERT INTO observe.metrics SELECT now() - i * interval '1 s', 'temp', jsonb_build_object('instance', inst), v
     FROM generate_series(1, 60) i, (VALUES ('a', 5.0::float8), ('b', 50.0)) x(inst, v)"
touch "$DIR/feed" "$DIR/feed_b"
(
  while [ -e "$DIR/feed" ]; do
    if [ -e "$DIR/feed_b" ]; then
      q "INSERT INTO observe.metrics VALUES (now(), 'temp', '{\"instance\": \"a\"}', 5), (now(), 'temp', '{\"instance\": \"b\"}', 50)" 2>/dev/null || true
    else
      [ -e "$DIR/b_stale" ] || { q "INSERT INTO observe.metrics VALUES (now(), 'temp', '{\"instance\": \"b\"}', observe.stale_marker())" && touch "$DIR/b_stale"; } 2>/dev/null || true
      q "INSERT INTO observe.metrics VALUES (now(), 'temp', '{\"instance\": \"a\"}', 5)" 2>/dev/null || true
    fi
    sleep 1
  done
) &
PIDS+=($!)

# The worker looks for the extension every 10 s: the listener outlasts that, and ends before
# the restart below (psql prints the notifications when pg_sleep returns).
psql -X -c "LISTEN observe_alerts" -c "SELECT pg_sleep(14)" >"$DIR/notify1.log" 2>&1 &
LISTENER1=$!
PIDS+=($LISTENER1)
sleep 0.5
psql -X -qtA -v ON_ERROR_STOP=1 -v content="$(cat "$FIX/rules.yml")" <<'SQL'
SELECT observe.load_rule_file(:'content', 'rules.yml');
SQL

# The worker may have looked for the extension just before it was created: its next look is up
# to 10 s later, then the group's first slot; the listener above waits 14 s.
wait_for "SELECT EXISTS (SELECT FROM observe.alerts WHERE labels->>'instance' = 'b' AND state = 'pending')" 14 ||
  fail "no pending alert"
A=$(q "SELECT extract(epoch FROM active_at) FROM observe.alerts WHERE labels->>'instance' = 'b'")
[ "$(q "SELECT count(*) FROM observe.alerts WHERE labels->>'instance' = 'a'")" = 0 ] || fail "alert for instance a"
echo "pending since $A"

# recorded samples: the values promtool expects, on one slot offset inside the second
got=$(q "SELECT string_agg(labels->>'instance' || '=' || min || '..' || max, ' ' ORDER BY labels->>'instance') FROM (
           SELECT labels, min(value), max(value) FROM observe.metrics WHERE name = 'instance:temp:doubled'
            GROUP BY labels) s")
[ "$got" = "a=$EXP_A..$EXP_A b=$EXP_B..$EXP_B" ] || fail "recorded samples: $got, promtool expects a=$EXP_A b=$EXP_B"
offsets=$(q "SELECT count(DISTINCT (extract(epoch FROM time) * 1000)::int8 % 1000) FROM observe.metrics
              WHERE name IN ('instance:temp:doubled', 'ALERTS', 'ALERTS_FOR_STATE')")
[ "$offsets" = 1 ] || fail "evaluations on $offsets different sub-second offsets"
# ... and that offset is the slot Prometheus picks for group rw_temp of rules.yml (the core's
# slot, checked against a real Prometheus by rules_slots_vs_prometheus)
T=$(q "SELECT (extract(epoch FROM max(time)) * 1000)::int8 FROM observe.metrics WHERE name = 'instance:temp:doubled'")
slot=$("$ROOT/build/test/unit/rules/rules_check" --slot rw_temp rules.yml 1000000000 "${T}999999")
[ "$((slot / 1000000))" = "$T" ] || fail "sample at ${T} ms, Prometheus's slot ${slot} ns"
# ALERTS and ALERTS_FOR_STATE are written from the evaluation after the first one (as
# Prometheus, once the rule's for state is restored), so the alert can be pending one interval
# before its series appear.
wait_for "SELECT EXISTS (SELECT FROM observe.metrics WHERE name = 'ALERTS' AND labels = '{\"alertname\": \"TooHot\", \"alertstate\": \"pending\", \"instance\": \"b\", \"severity\": \"page\"}')" 5 ||
  fail "no ALERTS{alertstate=\"pending\"} sample"
fs=$(q "SELECT max(value) FROM observe.metrics WHERE name = 'ALERTS_FOR_STATE' AND labels->>'instance' = 'b'")
[ "$fs" = "$(printf '%.0f' "${A%.*}")" ] || fail "ALERTS_FOR_STATE $fs, activeAt $A"

# a rule sees the samples of the rules before it at the same timestamp (Prometheus appends each
# rule's output before the next runs): b is exactly 2 a at every evaluation, the first included
q "SELECT observe.load_rule_file(\$\$
groups:
- name: rw_chain
  interval: 1s
  rules:
  - record: rw_chain_a
    expr: vector(time())
  - record: rw_chain_b
    expr: rw_chain_a * 2
\$\$, 'chain.yml')" >/dev/null
wait_for "SELECT count(*) >= 3 FROM observe.metrics WHERE name = 'rw_chain_b'" 15 || fail "rw_chain never recorded"
chain=$(q "SELECT count(*) || ' ' || count(b.value) || ' ' || count(*) FILTER (WHERE b.value = 2 * a.value)
             FROM observe.metrics a LEFT JOIN observe.metrics b ON b.name = 'rw_chain_b' AND b.time = a.time
            WHERE a.name = 'rw_chain_a' AND a.time <= (SELECT max(time) FROM observe.metrics WHERE name = 'rw_chain_b')")
read -r n_a n_b n_same <<<"$chain"
[ "$n_a" -ge 3 ] && [ "$n_b" = "$n_a" ] && [ "$n_same" = "$n_a" ] ||
  fail "chained rules: $n_a evaluations of rw_chain_a, $n_b of rw_chain_b at the same time, $n_same equal to 2 a"
q "DELETE FROM observe.rule_groups WHERE name = 'rw_chain'"

# a restart while pending keeps the for state
wait "$LISTENER1" || true
# at least 8 s pending before the stop, so a restored activeAt is well before the restart
sleep "$(python3 -c "import sys, time; print(max(1.0, 8 - (time.time() - float(sys.argv[1]))))" "$A")"
"$ROOT/scripts/pg_server.sh" stop "$DATA"
sleep 3
S=$(date +%s.%N)
"$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT"
wait_for "SELECT last_evaluation > to_timestamp($S) FROM observe.rule_group_health WHERE group_name = 'rw_temp'" 15 ||
  fail "no evaluation after the restart"
psql -X -c "LISTEN observe_alerts" -c "SELECT pg_sleep(40)" >"$DIR/notify2.log" 2>&1 &
PIDS+=($!)
A2=$(q "SELECT extract(epoch FROM active_at) FROM observe.alerts WHERE labels->>'instance' = 'b'")
echo "after the restart: activeAt $A2 (restart at $S)"
python3 -c "import sys; a, a2, s = map(float, sys.argv[1:]); sys.exit(0 if a < a2 < s else 1)" "$A" "$A2" "$S" ||
  fail "for state not restored: activeAt $A before, $A2 after a restart at $S"

wait_for "SELECT EXISTS (SELECT FROM observe.alerts WHERE labels->>'instance' = 'b' AND state = 'firing')" 30 ||
  fail "the alert never fired"
row=$(q "SELECT labels::text || '|' || (annotations->>'summary') || '|' || (extract(epoch FROM fired_at - active_at) >= 20)
           FROM observe.alerts WHERE labels->>'instance' = 'b'")
[ "$row" = "{\"instance\": \"b\", \"severity\": \"page\", \"alertname\": \"TooHot\"}|$EXP_SUMMARY|true" ] ||
  fail "firing alert: $row (promtool expects summary '$EXP_SUMMARY')"

# an edit of the group (Prometheus's reload with CopyState) keeps the firing alert and its activeAt
before=$(q "SELECT active_at FROM observe.alerts WHERE labels->>'instance' = 'b'")
q "UPDATE observe.rules SET annotations = '{\"summary\": \"edited {{ \$labels.instance }}\"}' WHERE name = 'TooHot'"
wait_for "SELECT annotations->>'summary' = 'edited b' FROM observe.alerts WHERE labels->>'instance' = 'b'" 10 ||
  fail "the edited annotation never showed"
after=$(q "SELECT state || ' ' || active_at FROM observe.alerts WHERE labels->>'instance' = 'b'")
[ "$after" = "firing $before" ] || fail "after an edit: $after, before: firing $before"

# the series goes away: the alert resolves, recorded and ALERTS series end with staleness markers
rm -f "$DIR/feed_b"
wait_for "SELECT NOT EXISTS (SELECT FROM observe.alerts)" 15 || fail "the alert did not resolve"
sleep 1
for s in "instance:temp:doubled" "ALERTS"; do
  st=$(q "SELECT observe.is_stale(value) FROM observe.metrics WHERE name = '$s' AND labels->>'instance' = 'b'
           ORDER BY time DESC LIMIT 1")
  [ "$st" = t ] || fail "$s{instance=\"b\"} does not end with a staleness marker"
done
[ "$(q "SELECT state FROM observe._alert_state WHERE labels->>'instance' = 'b'")" = inactive ] ||
  fail "the resolved alert is not kept as inactive"

# health and self metrics
h=$(q "SELECT iterations_total > 10, evaluation_failures, coalesce(last_error, '') FROM observe.rule_group_health
        WHERE group_name = 'rw_temp'")
[ "$h" = "t|0|" ] || fail "rule_group_health: $h"
[ "$(q "SELECT string_agg(health, ',' ORDER BY position) FROM observe.rule_health WHERE group_name = 'rw_temp'")" = ok,ok ] ||
  fail "rule_health"

# a group edited by hand into an invalid one: promtool's error in rule_group_health
q "INSERT INTO observe.rule_groups (name, \"interval\") VALUES ('rw_broken', '1 second');
   INSERT INTO observe.rules (group_name, position, kind, name, expr) VALUES ('rw_broken', 1, 'record', 'x', 'sum(');"
wait_for "SELECT last_error LIKE '%could not parse expression%' FROM observe.rule_group_health WHERE group_name = 'rw_broken'" 10 ||
  fail "invalid group: $(q "SELECT last_error FROM observe.rule_group_health WHERE group_name = 'rw_broken'")"

# NOTIFY observe_alerts: pending before the restart; firing and the resolution after it
wait "${PIDS[-1]}" 2>/dev/null || true
grep -q '"state": "pending".*"alertname": "TooHot"' "$DIR/notify1.log" || { cat "$DIR/notify1.log"; fail "no pending notification"; }
grep -q '"state": "firing".*"alertname": "TooHot"' "$DIR/notify2.log" || { cat "$DIR/notify2.log"; fail "no firing notification"; }
grep -q '"state": "inactive".*"previous": "firing", "alertname": "TooHot"' "$DIR/notify2.log" ||
  { cat "$DIR/notify2.log"; fail "no resolution notification"; }
echo "rules_worker: ok"
