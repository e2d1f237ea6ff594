#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# The HTTP API's Loki side (docs/http.md): pushes (JSON, gzip; retried pushes stored once;
# refusals with 400/403), then every query endpoint's answer, and the same LogQL through HTTP
# and through SQL (http/loki_check.py); the tail WebSocket (http/loki_tail.py).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$(mktemp -d /tmp/pgo_httploki.XXXXXX)
chmod 755 "$DIR"
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
HPORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PGPASSWORD=${PGPASSWORD:-pgo-http-test} PGPASSFILE=/dev/null
cleanup() { "$ROOT/scripts/pg_server.sh" stop "$DIR/data" >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
"$ROOT/scripts/pg_server.sh" start "$DIR/data" "$PORT" "observe.http_port = $HPORT" >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION pg_observe;
CREATE ROLE loki_reader LOGIN PASSWORD 'reader-pw' IN ROLE observe_reader;
CREATE ROLE loki_writer LOGIN PASSWORD 'writer-pw';
GRANT USAGE ON SCHEMA observe TO loki_writer;
GRANT INSERT, SELECT ON observe.logs TO loki_writer;
SQL
B=http://127.0.0.1:$HPORT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
for i in $(seq 1 50); do curl -s "$B/ready" >/dev/null && break; sleep 0.2; done
[ "$(curl -s "$B/ready")" = ready ] && ok "/ready" || bad "/ready"

NOW=$(date +%s%N)
t() { echo $((NOW - $1 * 1000000000)); }
cat >"$DIR/push.json" <<JSON
{"streams":[{"stream":{"app":"web","level":"info"},"values":[
  ["$(t 300)","GET /a status=200"],["$(t 200)","GET /b status=500"],
  ["$(t 100)","POST /c status=503 \"quoted\" é"],["$(t 50)","GET /d status=200 x"]]},
 {"stream":{"app":"db"},"values":[["$(t 250)","slow query status=0"],["$(t 10)","GET lock"]]}]}
JSON
W="-u loki_writer:writer-pw"
push() { curl -s -o "$DIR/body" -w '%{http_code}' "$@" "$B/loki/api/v1/push"; }
[ "$(push $W -H 'Content-Type: application/json' --data-binary @"$DIR/push.json")" = 204 ] && ok "JSON push: 204" || bad "JSON push: $(cat "$DIR/body")"
gzip -c "$DIR/push.json" >"$DIR/push.json.gz"
[ "$(push $W -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$DIR/push.json.gz")" = 204 ] &&
  ok "gzip push of the same lines: 204" || bad "gzip push: $(cat "$DIR/body")"
[ "$(psql -X -qtA -c "SELECT count(*) FROM observe.logs")" = 6 ] && ok "the retried push is stored once (6 lines)" ||
  bad "stored $(psql -X -qtA -c "SELECT count(*) FROM observe.logs") lines, want 6"
[ "$(push -u loki_reader:reader-pw -H 'Content-Type: application/json' --data-binary @"$DIR/push.json")" = 403 ] &&
  ok "push without INSERT: 403" || bad "push as reader: $(cat "$DIR/body")"
[ "$(push $W -H 'Content-Type: application/json' --data-binary '{"streams":[{"stream":{},"values":[["1","x"]]}]}')" = 400 ] &&
  grep -q 'at least one label pair' "$DIR/body" && ok "a stream without labels: 400, Loki's message" || bad "empty labels: $(cat "$DIR/body")"
[ "$(push $W -H 'Content-Type: application/json' --data-binary '{"streams":')" = 400 ] && ok "malformed JSON: 400" || bad "malformed JSON"
# sql/push_loki.sql's snappy-compressed logproto.PushRequest: {app="proto", env="test"}, two
# lines of 2026-01-01, the second with structured metadata trace_id=p1.
python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex("65ec0a630a197b6170703d2270726f746f222c20656e763d2274657374227d121a0a080881f2d6ca061005120e70726f746f206c696e65206f6e65122a0aa0080882f2d6ca061000120e70726f746f206c696e652074776f1a0e0a0874726163655f696412027031"))' >"$DIR/push.pb"
[ "$(push $W -H 'Content-Type: application/x-protobuf' --data-binary @"$DIR/push.pb")" = 204 ] && ok "protobuf + snappy push: 204" || bad "protobuf push: $(cat "$DIR/body")"
got=$(curl -s -u loki_reader:reader-pw -G "$B/loki/api/v1/query_range" --data-urlencode 'query={app="proto"}' \
  --data-urlencode start=1767225000 --data-urlencode end=1767226000 --data-urlencode direction=forward)
# Structured metadata joins the stream's labels, as Loki answers without the categorize-labels flag.
want='{"status":"success","data":{"resultType":"streams","result":[{"stream":{"app":"proto","env":"test"},"values":[["1767225601000000005","proto line one"]]},{"stream":{"app":"proto","env":"test","trace_id":"p1"},"values":[["1767225602000000000","proto line two"]]}],"stats":{}}}'
[ "$got" = "$want" ] && ok "the protobuf push's lines, as Loki answers them" || bad "protobuf lines: $got"
psql -X -q -c "TRUNCATE observe.logs"  # the checks below expect the JSON push's streams only
[ "$(push $W -H 'Content-Type: application/json' --data-binary @"$DIR/push.json")" = 204 ] || bad "JSON push after cleanup"
[ "$(push $W -H 'Content-Type: application/x-protobuf' --data-binary 'not snappy')" = 400 ] && ok "undecodable protobuf push: 400" || bad "bad protobuf"
[ "$(push -H 'Content-Type: application/json' --data-binary @"$DIR/push.json")" = 401 ] && ok "push without credentials: 401" || bad "anonymous push"
psql -X -q -c "ALTER SYSTEM SET observe.http_anonymous_role = 'loki_reader'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
[ "$(curl -s -o /dev/null -w '%{http_code}' "$B/loki/api/v1/labels")" = 200 ] && ok "observe.http_anonymous_role: no credentials read as that role" || bad "anonymous role read"
[ "$(push -H 'Content-Type: application/json' --data-binary @"$DIR/push.json")" = 403 ] && ok "... and may not write what that role may not" || bad "anonymous role push"
psql -X -q -c "ALTER SYSTEM RESET observe.http_anonymous_role" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
[ "$(curl -s -o /dev/null -w '%{http_code}' "$B/loki/api/v1/labels")" = 401 ] && ok "401 again once it is reset" || bad "anonymous role reset"

/usr/bin/python3 "$ROOT/test/integration/http/loki_check.py" "$B" loki_reader reader-pw \
  "host=127.0.0.1 port=$PORT user=loki_reader password=reader-pw dbname=postgres" "$NOW" || fail=1

echo "--- detected labels and fields (Loki 3's endpoints for Grafana's label browser and Logs Drilldown)"
R="-u loki_reader:reader-pw"
got=$(curl -s $R "$B/loki/api/v1/detected_labels")
[ "$got" = '{"detectedLabels":[{"label":"app","cardinality":2},{"label":"level","cardinality":1}]}' ] &&
  ok "detected_labels" || bad "detected_labels: $got"
got=$(curl -s $R -G "$B/loki/api/v1/detected_fields" --data-urlencode 'query={app=~".+"}')
[ "$got" = '{"fields":[{"label":"status","type":"int","cardinality":4,"parsers":["logfmt"]}],"limit":1000}' ] &&
  ok "detected_fields: logfmt fields of the lines, typed" || bad "detected_fields: $got"
got=$(curl -s $R -G "$B/loki/api/v1/detected_field/status/values" --data-urlencode 'query={app=~".+"}' --data-urlencode line_limit=3)
[ "$got" = '{"values":["200","503"],"limit":1000}' ] && ok "detected_field values of the newest line_limit lines" ||
  bad "detected_field values: $got"
[ "$(curl -s -o /dev/null -w '%{http_code}' $R -G "$B/loki/api/v1/detected_fields" --data-urlencode 'query=count_over_time({app="web"}[1m])')" = 400 ] &&
  ok "detected_fields of a metric query: 400" || bad "detected_fields of a metric query"

echo "--- Grafana's Loki data source's requests replayed"
/usr/bin/python3 "$ROOT/test/integration/http/grafana_replay.py" loki "$B" loki_reader reader-pw "$NOW" || fail=1

echo "--- tail (WebSocket)"
TAIL_TOKEN=$(psql -X -qAt -c "SET ROLE loki_reader; SELECT observe.create_http_token('tail')")
/usr/bin/python3 "$ROOT/test/integration/http/loki_tail.py" "$B" loki_writer writer-pw "$TAIL_TOKEN" \
  "psql -X -q -c \"DELETE FROM observe.http_tokens WHERE name = 'tail'\"" || fail=1

# DROP DATABASE waits until every backend takes up its ProcSignalBarrier: idle workers (HTTP,
# scrape, Kafka) must, or it hangs for as long as they idle.
psql -X -q -c "CREATE DATABASE pgo_drop_me" &&
  timeout 20 psql -X -q -c "DROP DATABASE pgo_drop_me" && ok "DROP DATABASE with the workers idle" ||
  bad "DROP DATABASE hangs on an idle worker's ProcSignalBarrier"
[ "$fail" = 0 ] && echo "http_loki: all passed" || echo "http_loki: FAILED"
exit $fail
