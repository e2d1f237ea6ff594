#!/usr/bin/env bash
# Issue 11 case 6: a user session left idle in a transaction after creating series must not
# stall the scrape worker. While one holds (a) a new series of its own and (b) the very `up`
# series a newly added target is about to create: the other targets, one of which creates a
# new series on every scrape, keep being scraped on schedule (no gap between their `up`
# samples longer than two intervals); the blocked target's writes are given up at once,
# logged and counted (scrape_target_health.lock_timeouts), its samples kept; once the user
# commits, they are written, and the target again.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
python3 "$ROOT/test/integration/scrape/churn_target.py" "$PORT" 90 &
FIXTURE=$!
HOLD_SECONDS=8
psql_q() { psql -X -qtA -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
FIFO=$(mktemp -u /tmp/scrape_user_locks.XXXX)
mkfifo "$FIFO"
HOLDER=""
cleanup() {
  [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null || true
  rm -f "$FIFO"
  psql_q "DELETE FROM observe.scrape_targets WHERE job LIKE 'lockit\_%'" || true
  kill "$FIXTURE" 2>/dev/null || true
}
trap cleanup EXIT

psql_q "CREATE EXTENSION IF NOT EXISTS pg_observe"
psql_q "INSERT INTO observe.scrape_targets (job, url, scrape_interval) VALUES
          ('lockit_a', 'http://127.0.0.1:$PORT/a', '1 second'),
          ('lockit_churn', 'http://127.0.0.1:$PORT/churn', '1 second')"
for _ in $(seq 1 40); do
  n=$(psql_q "SELECT count(*) FROM observe.scrape_target_health WHERE job LIKE 'lockit\_%' AND up")
  [ "$n" = 2 ] && break
  sleep 0.5
done
[ "$n" = 2 ] || { echo "the targets never came up"; exit 1; }

# The user session: creates its own series and target c's `up` series, then stays idle in
# its transaction.
psql -X -qtA -v ON_ERROR_STOP=1 -d postgres <"$FIFO" &
HOLDER=$!
exec 3>"$FIFO"
echo "BEGIN;
INSERT INTO observe.metrics VALUES (now(), 'lockit_user_series', '{\"k\": \"v\"}', 1);
INSERT INTO observe.metrics VALUES (now(), 'up', '{\"job\": \"lockit_c\", \"instance\": \"127.0.0.1:$PORT\"}', 1);" >&3
for _ in $(seq 1 40); do
  idle=$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'
                   AND query LIKE '%lockit_c%'")
  [ "$idle" = 1 ] && break
  sleep 0.25
done
[ "$idle" = 1 ] || { echo "the user session did not reach idle in transaction"; exit 1; }
t0=$(psql_q "SELECT now()")
psql_q "INSERT INTO observe.scrape_targets (job, url, scrape_interval) VALUES
          ('lockit_c', 'http://127.0.0.1:$PORT/c', '1 second')"
sleep "$HOLD_SECONDS"
t1=$(psql_q "SELECT now()")
timeouts=$(psql_q "SELECT coalesce(lock_timeouts, 0) FROM observe.scrape_target_health WHERE job = 'lockit_c'")
c_error=$(psql_q "SELECT coalesce(last_error, '') FROM observe.scrape_target_health WHERE job = 'lockit_c'")
echo "COMMIT;" >&3
exec 3>&-
wait "$HOLDER"
HOLDER=""

# The other targets: scraped on schedule while the user held the locks.
psql_q "SELECT labels->>'job', count(*), max(gap) FROM (
          SELECT labels, time - lag(time) OVER (PARTITION BY labels ORDER BY time) AS gap
            FROM observe.metrics
           WHERE name = 'up' AND labels->>'job' IN ('lockit_a', 'lockit_churn')
             AND time BETWEEN '$t0'::timestamptz - interval '2 s' AND '$t1') g
         GROUP BY 1 ORDER BY 1"
bad=$(psql_q "SELECT count(*) FROM (
          SELECT labels->>'job' AS job, count(*) AS n,
                 max(time - prev) AS gap
            FROM (SELECT labels, time, lag(time) OVER (PARTITION BY labels ORDER BY time) AS prev
                    FROM observe.metrics
                   WHERE name = 'up' AND labels->>'job' IN ('lockit_a', 'lockit_churn')
                     AND time BETWEEN '$t0'::timestamptz - interval '2 s' AND '$t1') g
           GROUP BY 1) s
         WHERE n < $HOLD_SECONDS - 1 OR gap > interval '2.2 s'")
[ "$bad" = 0 ] || { echo "a target missed more than one interval while the user held the locks"; exit 1; }
# The churning target created series meanwhile.
churned=$(psql_q "SELECT count(DISTINCT labels) FROM observe.metrics WHERE name = 'lk_churn'
                    AND time BETWEEN '$t0' AND '$t1'")
echo "series created by the churning target while the user held the locks: $churned"
[ "$churned" -ge $((HOLD_SECONDS - 2)) ] || { echo "series creation stalled"; exit 1; }

echo "target c while blocked: lock_timeouts=$timeouts last_error=$c_error"
[ "${timeouts:-0}" -ge 2 ] || { echo "the blocked target's lock timeouts were not counted"; exit 1; }
case "$c_error" in *"samples not written"*) ;; *) echo "the health row does not say why"; exit 1 ;; esac

# After the commit, target c is written again and its health clears.
ok=""
for _ in $(seq 1 20); do
  ok=$(psql_q "SELECT up AND last_error IS NULL FROM observe.scrape_target_health WHERE job = 'lockit_c'")
  [ "$ok" = t ] && break
  sleep 0.5
done
[ "$ok" = t ] || { echo "target c did not recover after the commit"; exit 1; }
# The blocked target's scrapes were kept, not lost: written once the user committed.
c_held=$(psql_q "SELECT count(*) FROM observe.metrics WHERE name = 'up' AND labels->>'job' = 'lockit_c'
                   AND value = 1 AND time BETWEEN '$t0' AND '$t1'")
echo "target c: $c_held scrapes of the held ${HOLD_SECONDS} s written after the commit"
[ "$c_held" -ge $((HOLD_SECONDS - 2)) ] || { echo "the blocked target's samples were lost"; exit 1; }
n_user=$(psql_q "SELECT count(*) FROM observe.metrics WHERE name = 'lockit_user_series'")
[ "$n_user" = 1 ] || { echo "the user's row is missing"; exit 1; }
echo "ok"
