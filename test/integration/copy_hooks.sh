#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# The COPY fast path (src/pg/engine/copy_fastpath.cpp) does not call the next ProcessUtility hook, so it
# must stand aside when a library loaded before pg_observe hooks ProcessUtility: such a hook
# (pg_stat_statements here; pgaudit alike) must see every COPY. Loaded after pg_observe, the other
# library wraps pg_observe's hook and sees the COPY while the fast path serves it.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$(mktemp -d /tmp/copy_hooks.XXXXXX)
chmod 755 "$DIR"
DATA=$DIR/data
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
cleanup() { "$ROOT/scripts/pg_server.sh" stop "$DATA" || true; rm -rf "$DIR"; }
trap cleanup EXIT
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
fail=0

# run_copy: a 3-row series-major COPY; prints the fast path's DEBUG1 report (if any) and the
# COPY calls pg_stat_statements counted
run_copy() {
  psql -qX -v ON_ERROR_STOP=1 -At 2>&1 <<'SQL'
SELECT pg_stat_statements_reset();
SET client_min_messages = debug1;
COPY hooks_t FROM stdin;
2024-01-01 00:00:00+00	up	{"job": "a"}	1
2024-01-01 00:00:15+00	up	{"job": "a"}	2
2024-01-01 00:00:30+00	up	{"job": "a"}	3
\.
RESET client_min_messages;
SELECT 'pgss copy calls ' || coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query ILIKE 'COPY hooks_t%';
SQL
}

start() {  # start LIBS
  "$ROOT/scripts/pg_server.sh" stop "$DATA" >/dev/null 2>&1 || true
  [ -f "$DATA/postgresql.conf" ] && echo "shared_preload_libraries = '$1'" >> "$DATA/postgresql.conf"
  "$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT" "shared_preload_libraries = '$1'"
}

start 'pg_stat_statements, pg_observe'
psql -qX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_stat_statements" -c "CREATE EXTENSION pg_observe" \
  -c "CREATE TABLE hooks_t (time timestamptz, name text, labels jsonb, value float8) USING observe_ts"
out=$(run_copy)
echo "pg_stat_statements loaded first:"; echo "$out"
echo "$out" | grep -q "parsed" && { echo "FAIL: the fast path ran although an earlier hook exists"; fail=1; }
echo "$out" | grep -q "pgss copy calls 1" || { echo "FAIL: pg_stat_statements did not see the COPY"; fail=1; }

start 'pg_observe, pg_stat_statements'
out=$(run_copy)
echo "pg_observe loaded first:"; echo "$out"
echo "$out" | grep -q 'column "labels" parsed 1 of 3 values' || { echo "FAIL: the fast path did not run"; fail=1; }
echo "$out" | grep -q "pgss copy calls 1" || { echo "FAIL: pg_stat_statements did not see the COPY"; fail=1; }
[ "$(psql -qAtX -c "SELECT count(*) FROM hooks_t")" = 6 ] || { echo "FAIL: rows lost"; fail=1; }
exit $fail
