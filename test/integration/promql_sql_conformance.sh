#!/usr/bin/env bash
# The PromQL conformance corpus end to end through SQL (issue 4, item 4): every file's samples
# are written with INSERT into an observe_ts table, every core eval runs through
# observe.promql / observe.promql_range on it (with the upstream runner's hidden @ and
# range-mode checks) and must agree with the expected results, annotations (NOTICEs) and error
# messages included. A second pass loads with COPY (the access method's multi-insert path) and
# runs every query both in-process and through SQL, requiring bit-identical answers (--diff).
# Needs the runner test/run.sh built in build/ and a server with pg_observe (PG* variables).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
RUNNER=${OBSERVE_PROMQL_RUNNER:-$ROOT/build/test/conformance/promql/promql_conformance}
CORPUS=${OBSERVE_PROMQL_CORPUS:-$ROOT/../shared/conformance/promql}
DB=promql_sql_conformance_$$

if [ ! -f "$CORPUS/evals.tsv" ]; then
  echo "FAIL: PromQL corpus not found at $CORPUS (../shared must be beside the repository)"
  exit 1
fi
[ -x "$RUNNER" ] || { echo "runner not built: $RUNNER"; exit 1; }

cleanup() { "$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null || true; }
trap cleanup EXIT
"$PGBIN/createdb" "$DB"
psql -qX -v ON_ERROR_STOP=1 -d "$DB" -c 'CREATE EXTENSION pg_observe'

# Every file of the corpus; no known_failures list: any failing core eval fails the test.
# The runner exits non-zero then and prints each failure (query, expected, got).
status=0
echo "--- loaded with INSERT, results through SQL judged against the expected results"
timeout 55 "$RUNNER" --sql "dbname=$DB" "$CORPUS" || status=1
echo "--- loaded with COPY, every query also in-process: identical answers required"
timeout 55 "$RUNNER" --sql "dbname=$DB" --copy --diff "$CORPUS" || status=1
exit $status
