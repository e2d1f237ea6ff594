#!/usr/bin/env bash
# The LogQL conformance scripts end to end through SQL (issue 14, item 2): every file's lines
# are written into an observe_log table (INSERT, then a second pass with COPY) and every eval
# runs through observe.logql_instant / observe.logql_range on it, judged against the scripts'
# expected results and error messages like the in-process run (test/conformance/logql).
# Needs the runner built in build/ (test/run.sh builds it) and a server with pg_observe (PG*).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
RUNNER=${OBSERVE_LOGQL_RUNNER:-$ROOT/build/test/conformance/logql/logql_conformance}
CORPUS=${OBSERVE_LOGQL_CORPUS:-$ROOT/../shared/conformance/logql}
RATCHET=$ROOT/test/conformance/logql/ratchet.txt
DB=logql_sql_conformance_$$

if ! ls "$CORPUS"/*.logqltest >/dev/null 2>&1; then
  echo "FAIL: LogQL scripts not found at $CORPUS (../shared must be beside the repository)"
  exit 1
fi
[ -x "$RUNNER" ] || { echo "runner not built: $RUNNER"; exit 1; }

cleanup() { "$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null || true; }
trap cleanup EXIT
"$PGBIN/createdb" "$DB"
psql -qX -v ON_ERROR_STOP=1 -d "$DB" -c 'CREATE EXTENSION pg_observe'

# Every script; the runner exits non-zero on any failing eval the ratchet does not list.
status=0
echo "--- loaded with INSERT"
timeout 300 "$RUNNER" "$CORPUS" "$RATCHET" --sql "dbname=$DB" || status=1
echo "--- loaded with COPY"
timeout 300 "$RUNNER" "$CORPUS" "$RATCHET" --sql "dbname=$DB" --copy || status=1
exit $status
