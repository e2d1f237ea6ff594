#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# The HTTP API's Prometheus side (docs/http.md) with real clients: Debian's prometheus
# remote-writes its own metrics into pg_observe (and keeps doing so across a restart of
# pg_observe), then promtool's instant, range, series and labels queries give the same answers
# from pg_observe as from that prometheus; the same PromQL through HTTP and through SQL agrees;
# every endpoint answers Prometheus's shapes, error types and status codes; basic auth maps to
# PostgreSQL roles (grants apply, wrong passwords and NOLOGIN roles get 401), and so do bearer
# tokens of observe.http_tokens (unknown, expired and dropped tokens get 401); several
# remote_write and Loki push senders at once, over both HTTP workers, store every sample and
# line exactly once.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$(mktemp -d /tmp/pgo_http.XXXXXX)
chmod 755 "$DIR"
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
HPORT=$("$ROOT/scripts/pg_server.sh" free-port)
PPORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PGPASSWORD=${PGPASSWORD:-pgo-http-test} PGPASSFILE=/dev/null
PROM_PID=
cleanup() {
  [ -z "$PROM_PID" ] || { kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null || true; }
  "$ROOT/scripts/pg_server.sh" stop "$DIR/data" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
start_pg() {
  "$ROOT/scripts/pg_server.sh" start "$DIR/data" "$PORT" "observe.http_port = $HPORT" "observe.http_workers = 2" >/dev/null
}
start_pg
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION pg_observe;
CREATE ROLE http_reader LOGIN PASSWORD 'reader-pw' IN ROLE observe_reader;
CREATE ROLE http_writer LOGIN PASSWORD 'writer-pw';
GRANT USAGE ON SCHEMA observe TO http_writer;
GRANT INSERT ON observe.metrics, observe.logs TO http_writer;
CREATE ROLE http_nobody LOGIN PASSWORD 'nobody-pw';
CREATE ROLE http_nologin PASSWORD 'nologin-pw' IN ROLE observe_reader;
SQL
B=http://127.0.0.1:$HPORT
U=http://http_reader:reader-pw@127.0.0.1:$HPORT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# status code and body of a request: code METHOD PATH [curl args...]
code() { curl -gs -o "$DIR/body" -w '%{http_code}' "$@"; }
expect() {  # expect CODE ERRORTYPE what curl-args...
  local want=$1 type=$2 what=$3; shift 3
  local got; got=$(code "$@")
  if [ "$got" = "$want" ] && { [ -z "$type" ] || grep -q "\"errorType\":\"$type\"" "$DIR/body"; }; then ok "$what: $got $type"
  else bad "$what: got $got $(head -c 300 "$DIR/body"), want $want $type"; fi
}
for i in $(seq 1 50); do curl -s "$B/-/ready" >/dev/null && break; sleep 0.2; done

echo "--- authentication"
expect 200 "" "health without credentials" "$B/-/healthy"
expect 401 "" "no credentials" "$B/api/v1/query?query=1"
grep -q 'WWW-Authenticate' <(curl -si "$B/api/v1/query?query=1") && ok "401 asks for basic auth" || bad "no WWW-Authenticate"
expect 401 "" "wrong password" -u http_reader:wrong "$B/api/v1/query?query=1"
expect 401 "" "NOLOGIN role" -u http_nologin:nologin-pw "$B/api/v1/query?query=1"
expect 401 "" "unknown role" -u nosuchrole:x "$B/api/v1/query?query=1"
expect 200 "" "reader's password (SCRAM secret)" -u http_reader:reader-pw "$B/api/v1/query?query=1"
expect 200 "" "reader again (the verified-password cache)" -u http_reader:reader-pw "$B/api/v1/query?query=1"
psql -X -q -c "ALTER ROLE http_reader PASSWORD 'changed-pw'"
expect 401 "" "the old password after ALTER ROLE ... PASSWORD" -u http_reader:reader-pw "$B/api/v1/query?query=1"
expect 200 "" "the new password" -u http_reader:changed-pw "$B/api/v1/query?query=1"
psql -X -q -c "ALTER ROLE http_reader PASSWORD 'reader-pw' VALID UNTIL '2000-01-01'"
expect 401 "" "an expired password (VALID UNTIL)" -u http_reader:reader-pw "$B/api/v1/query?query=1"
psql -X -q -c "ALTER ROLE http_reader VALID UNTIL 'infinity'"
echo "--- bearer tokens (observe.http_tokens)"
token() { psql -X -qAt -c "SET ROLE $1; SELECT observe.create_http_token('$2')"; }
TOK_READER=$(token http_reader grafana)
TOK_NOBODY=$(psql -X -qAt -c "SELECT observe.create_http_token('t', 'http_nobody')")
expect 200 "" "a reader's token" -H "Authorization: Bearer $TOK_READER" "$B/api/v1/query?query=1"
expect 200 "" "scheme name in any case" -H "Authorization: bearer $TOK_READER" "$B/api/v1/query?query=1"
expect 401 "" "an unknown token" -H "Authorization: Bearer pgo_0123" "$B/api/v1/query?query=1"
expect 403 forbidden "a token acts with its role's grants only" -H "Authorization: Bearer $TOK_NOBODY" "$B/api/v1/query?query=up"
expect 401 "" "an unsupported scheme" -H "Authorization: Digest x" "$B/api/v1/query?query=1"
psql -X -q -c "UPDATE observe.http_tokens SET expires_at = now() - interval '1 second' WHERE name = 't'"
expect 401 "" "an expired token" -H "Authorization: Bearer $TOK_NOBODY" "$B/api/v1/query?query=1"
psql -X -q -c "ALTER ROLE http_reader NOLOGIN"
expect 401 "" "a token whose role can no longer log in" -H "Authorization: Bearer $TOK_READER" "$B/api/v1/query?query=1"
psql -X -q -c "ALTER ROLE http_reader LOGIN"
[ "$(psql -X -qAt -c "SET ROLE http_reader; SELECT observe.drop_http_token('grafana')")" = t ] && ok "the owner drops its token" || bad "drop_http_token"
expect 401 "" "a dropped token, at once" -H "Authorization: Bearer $TOK_READER" "$B/api/v1/query?query=1"
expect 403 forbidden "role without grants" -u http_nobody:nobody-pw "$B/api/v1/query?query=up"
expect 403 "" "remote_write as a reader (no INSERT)" -u http_reader:reader-pw -H 'Content-Encoding: snappy' \
  --data-binary 'x' "$B/api/v1/write"

echo "--- Prometheus remote-writes into pg_observe"
cat >"$DIR/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prom
    static_configs:
      - targets: ['127.0.0.1:$PPORT']
remote_write:
  - url: $B/api/v1/write
    basic_auth: {username: http_writer, password: writer-pw}
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
YML
prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/prom" \
  --web.listen-address=127.0.0.1:$PPORT >"$DIR/prom.log" 2>&1 &
PROM_PID=$!
sleep 14
echo "--- pg_observe restarted mid-stream: Prometheus retries, nothing lost or doubled"
"$ROOT/scripts/pg_server.sh" stop "$DIR/data" >/dev/null
sleep 4
start_pg
sleep 14
# The windows compared (T-20 s to T) start 10 s after Prometheus did, so no series begins in
# them: Debian's Prometheus 2.42 extrapolates rate() at a series' start differently from 3.x,
# whose semantics the engine follows. They span pg_observe's restart.
# Compare up to T, once every sample Prometheus scraped up to T+3 s reached pg_observe.
T=$(( $(date +%s) - 4 ))
for i in $(seq 1 60); do
  [ "$(psql -X -qtA -c "SELECT max(time) >= to_timestamp($T + 3) FROM observe.metrics WHERE name = 'up'")" = t ] && break
  sleep 0.5
done
stored=$(psql -X -qtA -c "SELECT count(*) FROM observe.metrics WHERE name = 'up'")
[ "$stored" -gt 15 ] && ok "remote_write stored $stored samples of up" || bad "remote_write stored $stored samples of up"
dups=$(psql -X -qtA -c "SELECT count(*) FROM (SELECT time, labels FROM observe.metrics WHERE name = 'up' GROUP BY 1, 2 HAVING count(*) > 1) d")
[ "$dups" = 0 ] && ok "no sample of up stored twice" || bad "$dups samples of up stored twice"

echo "--- promtool against pg_observe and against Prometheus"
P=http://127.0.0.1:$PPORT
same() { /usr/bin/python3 "$ROOT/test/integration/http/same_promtool.py" "$@"; }
for q in 'up' 'count_over_time(up[10s])' 'sum by (job) (rate(prometheus_http_requests_total[10s]))' 'rate(prometheus_http_requests_total[10s])' \
         'count({__name__=~"prometheus_tsdb_head.*"})' 'prometheus_tsdb_head_series > 0' \
         'histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[10s])))'; do
  promtool query instant --time=$T "$P" "$q" | sort >"$DIR/a"
  promtool query instant --time=$T "$U" "$q" | sort >"$DIR/b"
  if same "$DIR/a" "$DIR/b"; then ok "instant $q ($(wc -l <"$DIR/a") lines)"
  else bad "instant $q differs: $(same "$DIR/a" "$DIR/b" | head -5)"; fi
  promtool query range --start=$((T - 10)) --end=$T --step=2s "$P" "$q" >"$DIR/a"
  promtool query range --start=$((T - 10)) --end=$T --step=2s "$U" "$q" >"$DIR/b"
  if same "$DIR/a" "$DIR/b"; then ok "range $q ($(wc -l <"$DIR/a") lines)"
  else bad "range $q differs: $(same "$DIR/a" "$DIR/b" | head -20)"; fi
done
for m in up 'prometheus_http_requests_total{handler="/metrics"}'; do
  promtool query series --match="$m" --start=$((T - 20)) --end=$T "$P" | sort >"$DIR/a"
  promtool query series --match="$m" --start=$((T - 20)) --end=$T "$U" | sort >"$DIR/b"
  [ -s "$DIR/a" ] && diff "$DIR/a" "$DIR/b" >/dev/null && ok "series $m" || bad "series $m differs: $(diff "$DIR/a" "$DIR/b" | head -5)"
done
for l in job instance; do
  promtool query labels --start=$((T - 20)) --end=$T "$P" $l >"$DIR/a"
  promtool query labels --start=$((T - 20)) --end=$T "$U" $l >"$DIR/b"
  [ -s "$DIR/a" ] && diff "$DIR/a" "$DIR/b" >/dev/null && ok "label values $l" || bad "label values $l differ"
done

echo "--- the same PromQL through HTTP and through SQL"
/usr/bin/python3 "$ROOT/test/integration/http/compare.py" sql-agrees "$B" http_reader reader-pw \
  "host=127.0.0.1 port=$PORT user=http_reader password=reader-pw dbname=postgres" "$T" || fail=1

echo "--- Grafana's Prometheus data source's requests replayed"
/usr/bin/python3 "$ROOT/test/integration/http/grafana_replay.py" prom "$B" http_reader reader-pw "$T" || fail=1

echo "--- shapes of every endpoint"
S() { /usr/bin/python3 "$ROOT/test/integration/http/compare.py" shape "$B" http_reader reader-pw "$@" || fail=1; }
S /api/v1/query vector query=up time=$T
S /api/v1/query matrix query='up[10s]' time=$T
S /api/v1/query scalar query='1+1'
S /api/v1/query_range matrix query=up start=$((T - 10)) end=$T step=1
S /api/v1/labels strings
S /api/v1/label/job/values strings
S /api/v1/label/__name__/values strings
S /api/v1/series series 'match[]=up'
S /api/v1/metadata object
S /api/v1/query_exemplars list query=up
S /api/v1/format_query string 'query=sum(up)by(job)'
S /api/v1/parse_query object 'query=sum(up)by(job)'
S /api/v1/rules object
S /api/v1/alerts object
S /api/v1/targets object
S /api/v1/status/buildinfo object
S /api/v1/status/runtimeinfo object
S /api/v1/status/flags object
S /api/v1/status/config object
[ "$(curl -s -u http_reader:reader-pw "$B/api/v1/format_query?query=sum(up)by(job)")" = '{"status":"success","data":"sum by (job) (up)"}' ] &&
  ok "format_query prints as Prometheus" || bad "format_query"
# parse_query: Prometheus 3's translateAST shape (Debian's 2.42 has no parse_query to compare with)
[ "$(curl -s -u http_reader:reader-pw "$B/api/v1/parse_query?query=-1")" = '{"status":"success","data":{"type":"numberLiteral","val":"-1"}}' ] &&
  ok "parse_query gives the syntax tree" || bad "parse_query: $(curl -s -u http_reader:reader-pw "$B/api/v1/parse_query?query=-1")"
# limit (Prometheus 2.49+): the answer cut, with the warning
lim=$(curl -s -u http_reader:reader-pw "$B/api/v1/label/__name__/values?limit=2")
/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert len(d["data"]) == 2 and d["warnings"] == ["results truncated due to limit"], d' "$lim" &&
  ok "limit cuts label values with Prometheus's warning" || bad "limit: $lim"
lim=$(curl -s -g -u http_reader:reader-pw "$B/api/v1/series?match[]=up&limit=1000")
/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert len(d["data"]) >= 1 and "warnings" not in d, d' "$lim" && ok "limit above the answer: no warning" || bad "limit: $lim"
a=$(curl -s -u http_reader:reader-pw "$B/api/v1/query?query=up&time=$T")
b=$(curl -s -u http_reader:reader-pw --data-urlencode "query=up" --data-urlencode "time=$T" "$B/api/v1/query")
[ "$a" = "$b" ] && ok "form POST answers as GET" || bad "form POST differs from GET"
[ "$(curl -s -u http_reader:reader-pw "$B/api/v1/query?query=1%2F0&time=1.5")" = '{"status":"success","data":{"resultType":"scalar","result":[1.500,"+Inf"]}}' ] &&
  ok "+Inf and timestamps as Prometheus writes them" || bad "float/timestamp text"

echo "--- errors"
R="-u http_reader:reader-pw"
expect 400 bad_data "parse error" $R "$B/api/v1/query?query=up{"
grep -q '"error":"invalid parameter \\"query\\": 1:' "$DIR/body" && ok "parse error names the parameter and position" || bad "parse error text: $(cat "$DIR/body")"
expect 400 bad_data "bad time" $R "$B/api/v1/query?query=up&time=yesterday"
expect 400 bad_data "end before start" $R "$B/api/v1/query_range?query=up&start=10&end=1&step=1"
expect 400 bad_data "zero step" $R "$B/api/v1/query_range?query=up&start=1&end=10&step=0"
expect 400 bad_data "too many points" $R "$B/api/v1/query_range?query=up&start=0&end=100000&step=1"
expect 400 bad_data "series without match[]" $R "$B/api/v1/series"
expect 400 bad_data "limit not positive" $R "$B/api/v1/labels?limit=0"
expect 400 bad_data "limit not a number" $R -g "$B/api/v1/series?match[]=up&limit=x"
expect 400 bad_data "parse_query of a bad query" $R "$B/api/v1/parse_query?query=up{"
expect 404 "" "unknown path" $R "$B/api/v1/nope"
psql -X -q -c "ALTER SYSTEM SET observe.promql_max_samples = 5" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
expect 422 execution "max samples" $R "$B/api/v1/query_range?query=up&start=$((T - 20))&end=$T&step=1"
psql -X -q -c "ALTER SYSTEM RESET observe.promql_max_samples" -c "ALTER SYSTEM SET observe.http_request_timeout = '1ms'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
expect 503 timeout "statement timeout" $R "$B/api/v1/query_range" --data-urlencode 'query=sum(count_over_time({__name__=~".+"}[1h]))' \
  --data-urlencode start=$((T - 3000)) --data-urlencode end=$T --data-urlencode step=1
psql -X -q -c "ALTER SYSTEM RESET observe.http_request_timeout" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
expect 200 "" "next request after a timeout" $R "$B/api/v1/query?query=1"
expect 503 timeout "the timeout parameter, shorter than the server's" $R "$B/api/v1/query_range" \
  --data-urlencode 'query=sum(count_over_time({__name__=~".+"}[1h]))' --data-urlencode timeout=1ms \
  --data-urlencode start=$((T - 3000)) --data-urlencode end=$T --data-urlencode step=1
expect 400 bad_data "a malformed timeout parameter" $R "$B/api/v1/query?query=1&timeout=soon"
grep -q 'invalid parameter \\"timeout\\": cannot parse \\"soon\\" to a valid duration' "$DIR/body" &&
  ok "... in Prometheus's words" || bad "timeout message: $(cat "$DIR/body")"
expect 200 "" "a timeout parameter longer than the server's is harmless" $R "$B/api/v1/query?query=1&timeout=1h"
head -c 2000000 /dev/zero >"$DIR/big"
psql -X -q -c "ALTER SYSTEM SET observe.http_max_request_size = '1MB'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
expect 413 "" "body over observe.http_max_request_size" -u http_writer:writer-pw --data-binary @"$DIR/big" "$B/api/v1/write"
psql -X -q -c "ALTER SYSTEM RESET observe.http_max_request_size" -c "SELECT pg_reload_conf()" >/dev/null
expect 400 "" "undecodable remote_write body" -u http_writer:writer-pw -H 'Content-Encoding: snappy' --data-binary 'not snappy' "$B/api/v1/write"
echo "--- remote_write 2.0"
/usr/bin/python3 "$ROOT/test/integration/http/remote_write_v2.py" "$B" http_writer:writer-pw http_reader:reader-pw || fail=1
echo "--- concurrent senders (remote_write and Loki push, two HTTP workers)"
/usr/bin/python3 "$ROOT/test/integration/http/concurrent_senders.py" "$B" http_writer:writer-pw http_reader:reader-pw || fail=1

kill "$PROM_PID"; wait "$PROM_PID" 2>/dev/null || true; PROM_PID=
[ "$fail" = 0 ] && echo "http_prometheus: all passed" || { echo "http_prometheus: FAILED"; tail -5 "$DIR/prom.log"; }
exit $fail
