#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# The HTTP API over TLS (observe.http_tls_cert_file / observe.http_tls_key_file, docs/http.md):
# HTTPS answers with the configured certificate, basic auth works over it, plain HTTP does not;
# Loki's tail WebSocket works over it.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$(mktemp -d /tmp/pgo_httptls.XXXXXX)
chmod 755 "$DIR"
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
HPORT=$("$ROOT/scripts/pg_server.sh" free-port)
RUN_USER=${OBSERVE_PG_USER:-pgobserve}
export PGPASSWORD=${PGPASSWORD:-pgo-http-test} PGPASSFILE=/dev/null
cleanup() { "$ROOT/scripts/pg_server.sh" stop "$DIR/data" >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
[ "$(id -u)" -ne 0 ] || chown "$RUN_USER" "$DIR/key.pem" "$DIR/cert.pem"
chmod 600 "$DIR/key.pem"
"$ROOT/scripts/pg_server.sh" start "$DIR/data" "$PORT" "observe.http_port = $HPORT" \
  "observe.http_tls_cert_file = '$DIR/cert.pem'" "observe.http_tls_key_file = '$DIR/key.pem'" >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$RUN_USER PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_observe" \
  -c "CREATE ROLE tls_reader LOGIN PASSWORD 'reader-pw' IN ROLE observe_reader" \
  -c "CREATE ROLE tls_writer LOGIN PASSWORD 'writer-pw'" -c "GRANT USAGE ON SCHEMA observe TO tls_writer" \
  -c "GRANT INSERT, SELECT ON observe.logs TO tls_writer"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
for i in $(seq 1 50); do curl -s --cacert "$DIR/cert.pem" "https://127.0.0.1:$HPORT/-/ready" >/dev/null && break; sleep 0.2; done
[ "$(curl -s --cacert "$DIR/cert.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$HPORT/-/healthy")" = 200 ] &&
  ok "HTTPS with the configured certificate" || bad "HTTPS health check"
body=$(curl -s --cacert "$DIR/cert.pem" -u tls_reader:reader-pw "https://127.0.0.1:$HPORT/api/v1/query?query=1%2B1&time=2")
[ "$body" = '{"status":"success","data":{"resultType":"scalar","result":[2,"2"]}}' ] && ok "basic auth and a query over HTTPS" ||
  bad "query over HTTPS: $body"
[ "$(curl -s --cacert "$DIR/cert.pem" -o /dev/null -w '%{http_code}' -u tls_reader:wrong "https://127.0.0.1:$HPORT/api/v1/query?query=1")" = 401 ] &&
  ok "a wrong password over HTTPS: 401" || bad "wrong password over HTTPS"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/-/healthy" || true)
[ "$code" != 200 ] && ok "plain HTTP is not served ($code)" || bad "plain HTTP answered 200"
# Loki's tail WebSocket over TLS (MHD forwards the upgraded connection through TLS itself).
LOKI_TAIL_CAFILE=$DIR/cert.pem /usr/bin/python3 "$ROOT/test/integration/http/loki_tail.py" \
  "https://127.0.0.1:$HPORT" tls_writer writer-pw || fail=1
[ "$fail" = 0 ] && echo "http_tls: all passed" || echo "http_tls: FAILED"
exit $fail
