#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# observe_ts durability: a heavy insert load (two concurrent writers, savepoints rolled back,
# compaction running beside them) is cut by kill -9 of the whole server; after crash recovery
# every batch the writers saw committed is there with its exact row count and sum, no rolled-back
# row is, and a batch whose commit was in flight is either complete or absent.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PGBIN=$(pg_config --bindir)
DIR=$(mktemp -d /tmp/ts_crash.XXXXXX)
chmod 755 "$DIR"
DATA=$DIR/data
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
LOADERS=()
cleanup() {
  for p in "${LOADERS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  "$ROOT/scripts/pg_server.sh" stop "$DATA" || true
  rm -rf "$DIR"
}
trap cleanup EXIT

"$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION pg_observe;
CREATE TABLE crash (time timestamptz, k text, batch int4, v float8) USING observe_ts;
SQL

# One writer: batches of 500..4500 rows over 7 series, each logged only after COMMIT returned.
writer() {
  local log=$2 n=$1
  while :; do
    local rows=$(( 500 + (n * 37) % 4000 ))
    echo "start $n" >>"$log"
    if psql -qX -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<SQL
BEGIN;
INSERT INTO crash SELECT '2024-01-01'::timestamptz + (i + $n * 10000) * interval '1 s', 's' || (i % 7), $n, i
  FROM generate_series(1, $rows) i;
SAVEPOINT sp;
INSERT INTO crash SELECT now(), 'rolled back', -1, 1 FROM generate_series(1, 50);
SELECT count(*) FROM crash WHERE batch = $n;
ROLLBACK TO sp;
COMMIT;
SQL
    then
      echo "committed $n $rows $(( rows * (rows + 1) / 2 ))" >>"$log"
    else
      exit 0
    fi
    n=$((n + 1))
  done
}
compactor() {
  while psql -qX -c "SELECT observe.compact('crash')" >/dev/null 2>&1; do sleep 0.3; done
}

writer 1 "$DIR/w1.log" & LOADERS+=($!)
writer 100000 "$DIR/w2.log" & LOADERS+=($!)
compactor & LOADERS+=($!)
sleep "${CRASH_LOAD_SECONDS:-8}"

# The crash: the postmaster and every server process at once.
PM=$(head -1 "$DATA/postmaster.pid")
SERVER_PIDS="$PM $(pgrep -P "$PM" | tr '\n' ' ')"
kill -9 $SERVER_PIDS 2>/dev/null || true
for p in "${LOADERS[@]}"; do wait "$p" 2>/dev/null || true; done
LOADERS=()
for _ in $(seq 50); do
  alive=0
  for p in $SERVER_PIDS; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
if ! "$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT"; then
  tail -20 "$DATA/server.log"; exit 1
fi

committed=$(cat "$DIR"/w*.log | grep -c '^committed' || true)
echo "committed batches before the crash: $committed"
[ "$committed" -gt 5 ] || { echo "FAIL: the load committed too little to test anything"; exit 1; }

psql -qAtX -c "SELECT batch, count(*), sum(v)::int8 FROM crash GROUP BY batch ORDER BY batch" >"$DIR/found"
fail=0
declare -A found
while IFS='|' read -r b c s; do found[$b]="$c $s"; done <"$DIR/found"
# every committed batch complete
while read -r _ b rows sum; do
  if [ "${found[$b]:-}" != "$rows $sum" ]; then
    echo "FAIL: committed batch $b: expected $rows rows sum $sum, found '${found[$b]:-nothing}'"; fail=1
  fi
done < <(cat "$DIR"/w*.log | grep '^committed')
# nothing else: no rolled-back row; a batch not logged as committed must be the one in flight, complete
for b in "${!found[@]}"; do
  if [ "$b" = "-1" ]; then echo "FAIL: rows of a rolled-back savepoint are visible"; fail=1; continue; fi
  if ! grep -qh "^committed $b " "$DIR"/w*.log; then
    if ! grep -qhx "start $b" "$DIR"/w*.log; then echo "FAIL: batch $b was never written"; fail=1; fi
    n=$b; rows=$(( 500 + (n * 37) % 4000 ))
    if [ "${found[$b]}" != "$rows $((rows * (rows + 1) / 2))" ]; then
      echo "FAIL: in-flight batch $b is partial: ${found[$b]}"; fail=1
    else
      echo "batch $b committed as the server died (complete)"
    fi
  fi
done
# the table is consistent with its own metadata and the series dictionary has no duplicates
same=$(psql -qAtX -c "SELECT (SELECT count(*) FROM crash) = (SELECT rows FROM observe.storage_stats('crash'))")
[ "$same" = t ] || { echo "FAIL: row count disagrees with chunk metadata"; fail=1; }
dups=$(psql -qAtX -c "SELECT count(*) FROM (SELECT storage_id, key FROM observe._ts_series GROUP BY 1, 2 HAVING count(*) > 1) d")
[ "$dups" = 0 ] || { echo "FAIL: $dups duplicate series keys"; fail=1; }
# and it keeps working after recovery
psql -qX -v ON_ERROR_STOP=1 -c "INSERT INTO crash VALUES (now(), 's1', -2, 1)" -c "SELECT observe.compact('crash')" >/dev/null
total=$(psql -qAtX -c "SELECT count(*) FROM crash")
echo "rows after recovery: $total"
[ "$fail" = 0 ] && echo "ok: every committed batch survived, nothing else is visible"
exit $fail
