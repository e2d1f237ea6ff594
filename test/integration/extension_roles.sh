#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# The extension's roles (observe_ingest_admin, observe_reader) are cluster-wide: an install
# creates and marks them, or uses them again when an install made them (another database, a
# reinstall, an update from 0.1.0/0.2.0), and refuses a same-named role anyone else made,
# which would otherwise receive the extension's grants. Runs its own server (it drops roles).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$(mktemp -d /tmp/pgo_roles.XXXXXX)
chmod 755 "$DIR"   # the server runs as pgobserve
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PGPASSWORD=${PGPASSWORD:-pw_$RANDOM$RANDOM}
cleanup() { "$ROOT/scripts/pg_server.sh" stop "$DIR/data" || true; rm -rf "$DIR"; }
trap cleanup EXIT
"$ROOT/scripts/pg_server.sh" start "$DIR/data" "$PORT"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
q() { psql -X -qtA -v ON_ERROR_STOP=1 "$@"; }
fail=0
check() { if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', expected '$3'"; fail=1; fi; }
marked() {
  q -c "SELECT string_agg(r.rolname, ',' ORDER BY r.rolname) FROM pg_roles r JOIN pg_shseclabel l
          ON l.objoid = r.oid AND l.classoid = 'pg_authid'::regclass AND l.provider = 'observe' AND l.label = 'pg_observe'"
}
for db in db1 db2 db_old1 db_old2; do q -c "CREATE DATABASE $db"; done

echo "--- a role someone with CREATEROLE made beforehand is refused, with a hint"
q -c "CREATE ROLE regress_mallory LOGIN CREATEROLE PASSWORD 'mallory-pw'"
PGUSER=regress_mallory PGPASSWORD=mallory-pw q -c "CREATE ROLE observe_reader NOLOGIN"
if PGUSER=regress_mallory PGPASSWORD=mallory-pw q -c "SECURITY LABEL FOR observe ON ROLE observe_reader IS 'pg_observe'" 2>"$DIR/err"; then
  echo "FAIL: a CREATEROLE role marked its own role"; fail=1
else echo "ok: only a superuser marks a role: $(head -1 "$DIR/err")"; fi
if q -d db1 -c "CREATE EXTENSION pg_observe" 2>"$DIR/err"; then echo "FAIL: adopted a foreign role"; fail=1; fi
cat "$DIR/err"
grep -q 'role "observe_reader" already exists and was not created by pg_observe' "$DIR/err" &&
  grep -q 'HINT:.*RENAME' "$DIR/err" && echo "ok: refused with a hint" || { echo "FAIL: message"; fail=1; }
check "nothing was left behind" "$(q -d db1 -c "SELECT count(*) FROM pg_extension WHERE extname = 'pg_observe'")|$(q -c "SELECT count(*) FROM pg_roles WHERE rolname = 'observe_ingest_admin'")" "0|0"
q -c "DROP ROLE observe_reader"

echo "--- a fresh install creates and marks both; a second database and a reinstall use them"
q -d db1 -c "CREATE EXTENSION pg_observe"
check "marked roles" "$(marked)" "observe_ingest_admin,observe_reader"
q -d db2 -c "CREATE EXTENSION pg_observe"
q -c "CREATE ROLE regress_reader LOGIN PASSWORD 'reader-pw' IN ROLE observe_reader"
for db in db1 db2; do
  check "reader queries in $db" "$(PGUSER=regress_reader PGPASSWORD=reader-pw q -d "$db" -c "SELECT count(*) FROM observe.promql('up')")" "0"
done
q -d db1 -c "DROP EXTENSION pg_observe" -c "CREATE EXTENSION pg_observe"
check "reader queries after a reinstall" "$(PGUSER=regress_reader PGPASSWORD=reader-pw q -d db1 -c "SELECT count(*) FROM observe.scrape_target_health")" "0"

echo "--- roles made by 0.1.0 / 0.2.0 are marked by the update"
for db in db1 db2; do q -d "$db" -c "DROP EXTENSION pg_observe"; done
q -c "DROP ROLE regress_reader" -c "DROP ROLE observe_reader" -c "DROP ROLE observe_ingest_admin"
q -d db_old1 -c "CREATE EXTENSION pg_observe VERSION '0.1.0'"
q -d db_old2 -c "CREATE EXTENSION pg_observe VERSION '0.2.0'"
check "0.1.0 and 0.2.0 leave them unmarked" "$(marked)" ""
if q -d db1 -c "CREATE EXTENSION pg_observe" 2>/dev/null; then echo "FAIL: the current version adopted unmarked roles"; fail=1
else echo "ok: a current install next to an un-updated 0.1.0 refuses its roles until the update"; fi
q -d db_old1 -c "ALTER EXTENSION pg_observe UPDATE"
check "marked by the update" "$(marked)" "observe_ingest_admin,observe_reader"
q -d db_old2 -c "ALTER EXTENSION pg_observe UPDATE"
q -d db1 -c "CREATE EXTENSION pg_observe"
check "versions" "$(for db in db_old1 db_old2 db1; do q -d $db -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_observe'"; done | tr '\n' ' ')" "0.4.0 0.4.0 0.4.0 "
exit $fail
