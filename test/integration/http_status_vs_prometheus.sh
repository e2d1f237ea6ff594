#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# /api/v1/targets, /api/v1/rules and /api/v1/alerts of pg_observe's HTTP API against Debian's
# prometheus loaded with the same prometheus.yml and rule file (http/status_vs_prometheus.py),
# read by an observe_reader role; /api/v1/status/config without secrets.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$(mktemp -d /tmp/pgo_status.XXXXXX)
chmod 755 "$DIR"
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
export HTTP_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PROM_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
export TARGET_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PGPASSWORD=${PGPASSWORD:-pgo-status-test} PGPASSFILE=/dev/null DIR
cleanup() {
  "$ROOT/scripts/pg_server.sh" stop "$DIR/data" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
"$ROOT/scripts/pg_server.sh" start "$DIR/data" "$PORT" "observe.http_port = $HTTP_PORT" "observe.http_workers = 1" >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION pg_observe;
CREATE ROLE st_reader LOGIN PASSWORD 'reader-pw' IN ROLE observe_reader;
CREATE ROLE st_admin LOGIN PASSWORD 'admin-pw' IN ROLE observe_ingest_admin, observe_reader;
SQL
timeout 150 /usr/bin/python3 "$ROOT/test/integration/http/status_vs_prometheus.py"
