#!/usr/bin/env bash
# PostgreSQL's isolation tester over test/isolation/specs/*.spec (expected output in
# test/isolation/expected/): concurrent sessions against observe_ts tables, step by step, with
# the waits and lock conflicts a heap table would show. Runs against the suite's server (PG*).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PGXS_SRC=$(dirname "$(dirname "$(pg_config --pgxs)")")
REGRESS=$PGXS_SRC/test/isolation/pg_isolation_regress
specs=$(cd "$ROOT/test/isolation/specs" && ls *.spec 2>/dev/null | sed 's/\.spec$//')
[ -n "$specs" ] || { echo "no isolation specs"; exit 1; }
out=$ROOT/build/isolation
rm -rf "$out"; mkdir -p "$out"
# A step blocked longer than this is canceled (the default waits 300 s per step).
export PGISOLATIONTIMEOUT=${PGISOLATIONTIMEOUT:-30}
db=isolation_$$
# With an existing server pg_isolation_regress neither creates nor drops the database.
createdb "$db"
trap 'dropdb --if-exists "$db"' EXIT
psql -qX -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION pg_observe"
if "$REGRESS" --use-existing --host="${PGHOST:-127.0.0.1}" --port="${PGPORT:-5432}" \
     --user="${PGUSER:-pgobserve}" --dbname="$db" \
     --inputdir="$ROOT/test/isolation" --outputdir="$out" $specs; then
  exit 0
fi
cat "$out/regression.diffs" 2>/dev/null | head -200
exit 1
