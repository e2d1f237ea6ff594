#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# LogQL rules (a Loki rule file, issue 17): observe.load_rule_file(..., 'logql') loads Loki's
# rule format; the rules worker evaluates its recording and alerting rules over observe.logs;
# every recorded sample equals observe.logql_instant of the same expression at the same time
# (the LogQL engine through SQL); the alert fires with its templated annotation and ALERTS
# series; a PromQL file is refused as LogQL and the other way round, with the parser's message;
# a group mixing both languages is reported invalid.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$(mktemp -d /tmp/rules_logql.XXXXXX)
chmod 755 "$DIR"
DATA=$DIR/data
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
cleanup() {
  "$ROOT/scripts/pg_server.sh" stop "$DATA" || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
[ -f "$DATA.pgpass" ] && export PGPASSFILE=$DATA.pgpass
source "$ROOT/test/integration/rules/sql_helpers.sh"

q "CREATE EXTENSION pg_observe"
# Lines every 250 ms from 30 s ago to 60 s ahead, written before the rules load: every
# evaluation sees exactly the lines at or before its time, as a later query at that time does.
q "INSERT INTO observe.logs (time, labels, line)
   SELECT now() + i * interval '250 ms', jsonb_build_object('app', app),
          CASE WHEN app = 'a' AND i % 2 = 0 THEN 'level=error msg=boom' ELSE 'level=info msg=ok' END
     FROM generate_series(-120, 240) i, (VALUES ('a'), ('b')) x(app)"

RULES='groups:
  - name: loki_app
    interval: 1s
    rules:
      - record: app:lines:count10s
        expr: sum by (app) (count_over_time({app=~"a|b"}[10s]))
      - alert: AppErrors
        expr: sum by (app) (count_over_time({app=~"a|b"} |= "error" [10s])) > 3
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.app }} logged {{ $value }} errors"'

# Loki's rule format with PromQL's parser fails, and the other way round.
load() {  # load LANGUAGE: the rule file above (psql interpolates :'content' only in its input)
  psql -X -qtA -v ON_ERROR_STOP=1 -v content="$RULES" -v lang="$1" <<'SQL'
SELECT observe.load_rule_file(:'content', 'loki.yml', :'lang');
SQL
}
out=$(load promql 2>&1 || true)
echo "$out" | grep -q "could not parse expression" || fail "LogQL loaded as PromQL: $out"
out=$(psql -X -qtA -c "SELECT observe.load_rule_file('groups: [{name: p, rules: [{record: x, expr: \"sum(rate(up[5m]))\"}]}]', 'p.yml', 'logql')" 2>&1 || true)
echo "$out" | grep -q "could not parse expression: parse error" || fail "PromQL loaded as LogQL: $out"
out=$(psql -X -qtA -c "SELECT observe.load_rule_file('groups: []', 'x.yml', 'sql')" 2>&1 || true)
echo "$out" | grep -q "language must be promql" || fail "unknown language: $out"

n=$(load logql)
[ "$n" = 2 ] || fail "load_rule_file returned $n"
[ "$(q "SELECT string_agg(language, ',' ORDER BY position) FROM observe.rules WHERE group_name = 'loki_app'")" = logql,logql ] ||
  fail "languages not stored"

# The worker looks for the extension every 10 s.
wait_for "SELECT count(DISTINCT time) >= 3 FROM observe.metrics WHERE name = 'app:lines:count10s'" 30 ||
  fail "no recorded samples: $(q "SELECT last_error FROM observe.rule_group_health")"
wait_for "SELECT EXISTS (SELECT FROM observe.alerts WHERE alertname = 'AppErrors' AND state = 'firing')" 15 ||
  fail "the alert never fired: $(q "SELECT string_agg(health || ' ' || coalesce(last_error, ''), '; ') FROM observe.rule_health")"

# Every recorded sample against the LogQL engine through SQL at the same time.
diffs=$(q "SELECT count(*) FROM observe.metrics m
            WHERE m.name = 'app:lines:count10s'
              AND m.value IS DISTINCT FROM (
                SELECT value FROM observe.logql_instant('sum by (app) (count_over_time({app=~\"a|b\"}[10s]))', m.time)
                 WHERE observe.labels(metric)->>'app' = m.labels->>'app')")
total=$(q "SELECT count(*) FROM observe.metrics WHERE name = 'app:lines:count10s'")
[ "$diffs" = 0 ] || fail "$diffs of $total recorded samples differ from observe.logql_instant"
echo "recorded samples: $total, all equal to observe.logql_instant at their times"

row=$(q "SELECT labels->>'app' || '|' || (annotations->>'summary') || '|' || value FROM observe.alerts WHERE alertname = 'AppErrors'")
[ "$row" = "a|a logged 20 errors|20" ] || fail "alert: $row"
q "SELECT EXISTS (SELECT FROM observe.metrics WHERE name = 'ALERTS' AND labels->>'alertname' = 'AppErrors'
                   AND labels->>'alertstate' = 'firing' AND labels->>'app' = 'a')" | grep -qx t || fail "no ALERTS sample"
[ "$(q "SELECT string_agg(health, ',' ORDER BY position) FROM observe.rule_health WHERE group_name = 'loki_app'")" = ok,ok ] ||
  fail "rule health: $(q "SELECT string_agg(health || ' ' || coalesce(last_error, ''), '; ') FROM observe.rule_health")"

# A group mixing the languages (an edit by hand) is not evaluated and says why.
q "UPDATE observe.rules SET language = 'promql', expr = 'vector(1)' WHERE group_name = 'loki_app' AND position = 1"
wait_for "SELECT last_error LIKE '%mixes PromQL and LogQL rules%' FROM observe.rule_group_health WHERE group_name = 'loki_app'" 15 ||
  fail "mixed group: $(q "SELECT last_error FROM observe.rule_group_health")"
echo "rules_logql: all passed"
