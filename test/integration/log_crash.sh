#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# observe_log durability (as test/integration/ts_crash.sh for observe_ts): an INSERT writer
# (savepoints rolled back) and a COPY writer load an observe_log table while observe.compact
# runs beside them, and the whole server is killed with -9, CRASH_ROUNDS times (default 5).
# After each recovery every batch a writer saw committed is there line for line (exact text,
# metadata, no duplicate), no rolled-back line is, a batch whose commit was in flight is
# complete or absent, and observe.logql still answers over the table and agrees with SQL.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PGBIN=$(pg_config --bindir)
ROUNDS=${CRASH_ROUNDS:-5}
DIR=$(mktemp -d /tmp/log_crash.XXXXXX)
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
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE EXTENSION pg_observe;
CREATE TABLE crash_logs (time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb)
  USING observe_log;
SELECT observe.set_retention('crash_logs', '3650 days');
SQL

# Batch n's rows and lines are a function of n: the check regenerates them.
rows_of() { echo $(( 300 + ($1 * 37) % 2500 )); }
# INSERT writer: batch n over 3 streams, times of batches interleaved with the other writer's.
insert_writer() {
  local n=$1 log=$2
  while :; do
    local rows; rows=$(rows_of "$n")
    echo "start $n" >>"$log"
    if psql -qX -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<SQL
BEGIN;
INSERT INTO crash_logs SELECT '2024-01-01'::timestamptz + ((i * 7919 + $n) % 100000) * interval '1 ms',
       jsonb_build_object('app', 'ins', 'k', 's' || (i % 3)), 'b$n i' || i || ' GET /x/' || md5(i::text || '$n'),
       CASE WHEN i % 10 = 0 THEN jsonb_build_object('trace', 't' || i) END
  FROM generate_series(1, $rows) i;
SAVEPOINT sp;
INSERT INTO crash_logs SELECT now(), '{"app": "ins"}', 'rolled back', NULL FROM generate_series(1, 50);
SELECT count(*) FROM crash_logs WHERE labels @> '{"app": "ins"}';
ROLLBACK TO sp;
COMMIT;
SQL
    then echo "committed $n" >>"$log"; else exit 0; fi
    n=$((n + 1))
  done
}
# COPY writer: batch n into one stream, rows generated outside the server.
copy_writer() {
  local n=$1 log=$2
  while :; do
    local rows; rows=$(rows_of "$n")
    echo "start $n" >>"$log"
    if awk -v n="$n" -v rows="$rows" 'BEGIN {
         for (i = 1; i <= rows; i++) {
           ms = (i * 7919 + n) % 100000
           printf "2024-01-01 00:%02d:%02d.%03d+00\t{\"app\": \"copy\"}\tb%d i%d PUT /y/%d\t%s\n",
                  int(ms / 60000), int(ms / 1000) % 60, ms % 1000, n, i, i * n,
                  (i % 10 == 0 ? "{\"trace\": \"t" i "\"}" : "\\N")
         } }' |
       psql -qX -v ON_ERROR_STOP=1 -c "COPY crash_logs (time, labels, line, metadata) FROM STDIN" >/dev/null 2>&1
    then echo "committed $n" >>"$log"; else exit 0; fi
    n=$((n + 1))
  done
}
compactor() {
  while psql -qX -c "SELECT observe.compact('crash_logs')" >/dev/null 2>&1; do sleep 0.3; done
}

crash() {
  local pm pids alive
  pm=$(head -1 "$DATA/postmaster.pid")
  pids="$pm $(pgrep -P "$pm" | tr '\n' ' ')"
  kill -9 $pids 2>/dev/null || true
  for p in "${LOADERS[@]}"; do wait "$p" 2>/dev/null || true; done
  LOADERS=()
  for _ in $(seq 50); do
    alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  if ! "$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT"; then
    tail -20 "$DATA/server.log"; exit 1
  fi
}

# The check: batches found (the line's first word) against the writers' logs, and every line
# of every batch found equal to the one its writer wrote, once.
check() {
  local fail=0 b
  psql -qAtX -c "SELECT CASE WHEN line ~ '^b[0-9]+ i[0-9]+ ' THEN substr(split_part(line, ' ', 1), 2)::int ELSE -1 END,
                          count(*), count(DISTINCT line)
                   FROM crash_logs GROUP BY 1 ORDER BY 1" >"$DIR/found" || return 1
  declare -A found
  while IFS='|' read -r b c d; do found[$b]="$c $d"; done <"$DIR/found"
  while read -r _ b; do
    local rows; rows=$(rows_of "$b")
    [ "${found[$b]:-}" = "$rows $rows" ] ||
      { echo "FAIL: committed batch $b: expected $rows lines, found '${found[$b]:-nothing}'"; fail=1; }
  done < <(cat "$DIR"/w*.log | grep '^committed')
  for b in "${!found[@]}"; do
    if ! grep -qhx "committed $b" "$DIR"/w*.log; then
      grep -qhx "start $b" "$DIR"/w*.log || { echo "FAIL: batch $b was never written"; fail=1; continue; }
      local rows; rows=$(rows_of "$b")
      if [ "${found[$b]}" != "$rows $rows" ]; then echo "FAIL: in-flight batch $b is partial: ${found[$b]}"; fail=1
      else echo "batch $b committed as the server died (complete)"; fi
    fi
  done
  # exact lines, times and metadata, regenerated from (writer, batch, i)
  local bad
  bad=$(psql -qAtX <<'SQL'
WITH r AS (
  SELECT time, labels, line, metadata, substr(split_part(line, ' ', 1), 2)::int AS n,
         substr(split_part(line, ' ', 2), 2)::int AS i FROM crash_logs WHERE line ~ '^b[0-9]+ i[0-9]+ ')
SELECT (SELECT count(*) FROM crash_logs WHERE line !~ '^b[0-9]+ i[0-9]+ ') + count(*) FROM r WHERE false
   OR time <> '2024-01-01'::timestamptz + ((i * 7919 + n) % 100000) * interval '1 ms'
   OR metadata IS DISTINCT FROM CASE WHEN i % 10 = 0 THEN jsonb_build_object('trace', 't' || i) END
   OR NOT CASE labels->>'app'
            WHEN 'ins' THEN labels = jsonb_build_object('app', 'ins', 'k', 's' || (i % 3))
                            AND line = 'b' || n || ' i' || i || ' GET /x/' || md5(i::text || n::text)
            WHEN 'copy' THEN labels = '{"app": "copy"}' AND line = 'b' || n || ' i' || i || ' PUT /y/' || (i * n)
            ELSE false END
SQL
  ) || return 1
  [ "$bad" = 0 ] || { echo "FAIL: $bad lines differ from what was written (or were rolled back)"; fail=1; }
  # LogQL reads the same table: line counts per stream, and the newest lines of a stream
  local sql_counts logql_counts
  sql_counts=$(psql -qAtX -c "SELECT labels->>'app', count(*) FROM crash_logs GROUP BY 1 ORDER BY 1")
  logql_counts=$(psql -qAtX -c "SELECT substring(metric from 'app=\"([a-z]+)\"'), value::int8
      FROM observe.logql_instant('sum by (app) (count_over_time({app=~\".+\"}[2d]))', '2024-01-02', 'crash_logs') ORDER BY 1")
  [ "$sql_counts" = "$logql_counts" ] ||
    { echo "FAIL: LogQL counts '$logql_counts' differ from SQL's '$sql_counts'"; fail=1; }
  local sql_last logql_last
  sql_last=$(psql -qAtX -c "SELECT string_agg(line, ',' ORDER BY time DESC, line) FROM (SELECT * FROM crash_logs
      WHERE labels = '{\"app\": \"copy\"}' AND time = (SELECT max(time) FROM crash_logs WHERE labels = '{\"app\": \"copy\"}')) s")
  logql_last=$(psql -qAtX -c "SELECT string_agg(line, ',' ORDER BY line) FROM observe.logql('{app=\"copy\"}',
      '2024-01-01', '2024-01-02', 1000, 'backward', 'crash_logs') WHERE time = (SELECT max(time) FROM crash_logs WHERE labels = '{\"app\": \"copy\"}')")
  [ "$sql_last" = "$logql_last" ] || { echo "FAIL: LogQL's newest copy lines differ from SQL's"; fail=1; }
  return $fail
}

fail=0
for round in $(seq "$ROUNDS"); do
  insert_writer $((round * 100000)) "$DIR/w1.log" & LOADERS+=($!)
  copy_writer $((round * 100000 + 50000)) "$DIR/w2.log" & LOADERS+=($!)
  compactor & LOADERS+=($!)
  sleep "${CRASH_LOAD_SECONDS:-5}"
  crash
  committed=$(cat "$DIR"/w*.log | grep -c '^committed' || true)
  lines=$(psql -qAtX -c "SELECT count(*) FROM crash_logs")
  echo "round $round: $committed committed batches so far ($(grep -c '^committed' "$DIR/w1.log" || true) INSERT," \
       "$(grep -c '^committed' "$DIR/w2.log" || true) COPY), $lines lines after recovery"
  check || fail=1
done
[ "$(grep -c '^committed' "$DIR/w1.log" || true)" -gt "$ROUNDS" ] && [ "$(grep -c '^committed' "$DIR/w2.log" || true)" -gt "$ROUNDS" ] ||
  { echo "FAIL: the load committed too little to test anything"; fail=1; }
# and it keeps working after the last recovery
psql -qX -v ON_ERROR_STOP=1 -c "SELECT observe.compact('crash_logs')" >/dev/null || fail=1
check || fail=1
[ "$fail" = 0 ] && echo "ok: $ROUNDS crashes; every committed line survived exactly, nothing else is visible"
exit $fail
