#!/usr/bin/env bash
# lane: own-server (starts its own server)
# A rule evaluation whose write gives up on a lock is not lost (as the scrape worker's samples,
# scrape_user_locks.sh): while a user session holds observe.metrics IN SHARE MODE (what series
# GC's ShareLock does to writers, for longer), the group, evaluated every second, cannot write
# (observe.worker_lock_timeout = 200 ms); each evaluation's sample is kept, the health row says
# so, and once the lock is released they are all written with the next evaluation: the recorded
# series has a sample at every slot across the hold, none missing.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$ROOT/test/integration/scrape/own_server.sh" rules_locks
HOLD_SECONDS=6
start_own_server "observe.maintenance_interval = 0" "observe.worker_lock_timeout = 200"
q -c "CREATE EXTENSION pg_observe"
q -c "INSERT INTO observe.rule_groups (name, \"interval\") VALUES ('lk', '1 second')"
q -c "INSERT INTO observe.rules (group_name, position, kind, name, expr) VALUES ('lk', 1, 'record', 'lk_one', 'vector(1)')"
n=0
for _ in $(seq 1 60); do
  n=$(q -c "SELECT count(*) FROM observe.metrics WHERE name = 'lk_one'")
  [ "$n" -ge 2 ] && break
  sleep 0.5
done
check "the group is evaluated" "$([ "$n" -ge 2 ] && echo yes)" "yes"

# The user session: takes the lock and stays idle in its transaction.
mkfifo "$DIR/holder.in"
psql -X -qtA -v ON_ERROR_STOP=1 <"$DIR/holder.in" >"$DIR/holder.out" 2>&1 &
pids+=($!)
exec 3>"$DIR/holder.in"
echo "BEGIN; LOCK TABLE observe.metrics IN SHARE MODE; SELECT 'locked';" >&3
for _ in $(seq 1 50); do
  grep -q locked "$DIR/holder.out" && break
  sleep 0.1
done
t0=$(q -c "SELECT now()")
fails0=$(q -c "SELECT evaluation_failures FROM observe.rule_group_health WHERE group_name = 'lk'")
sleep "$HOLD_SECONDS"
t1=$(q -c "SELECT now()")
held_error=$(q -c "SELECT coalesce(last_error, '') FROM observe.rule_group_health WHERE group_name = 'lk'")
fails=$(q -c "SELECT evaluation_failures - $fails0 FROM observe.rule_group_health WHERE group_name = 'lk'")
stored_while_held=$(q -c "SELECT count(*) FROM observe.metrics WHERE name = 'lk_one' AND time > '$t0'")
echo "COMMIT;" >&3
exec 3>&-
echo "while held: $fails evaluations failed, last_error: $held_error"
check "evaluations failed while the lock was held" "$([ "$fails" -ge $((HOLD_SECONDS - 2)) ] && echo yes || echo "no: $fails")" "yes"
check "nothing written while the lock was held" "$stored_while_held" "0"
case "$held_error" in
  *"samples kept for retry"*"lock timeout"*) check "the health row says the samples are kept" yes yes ;;
  *) check "the health row says the samples are kept" "$held_error" "samples kept for retry: ... lock timeout" ;;
esac

# After the release: every slot of the hold has its sample (one a second, no gap).
sleep 3
q -c "SELECT count(*), min(time), max(time), max(gap) FROM (
        SELECT time, time - lag(time) OVER (ORDER BY time) AS gap FROM observe.metrics
         WHERE name = 'lk_one' AND time BETWEEN '$t0'::timestamptz - interval '2 s' AND '$t1'::timestamptz + interval '2 s') g"
gap=$(q -c "SELECT max(gap) <= interval '1.01 s' FROM (
        SELECT time - lag(time) OVER (ORDER BY time) AS gap FROM observe.metrics
         WHERE name = 'lk_one' AND time BETWEEN '$t0'::timestamptz - interval '2 s' AND '$t1'::timestamptz + interval '2 s') g")
check "no evaluation's sample lost" "$gap" "t"
held=$(q -c "SELECT count(*) FROM observe.metrics WHERE name = 'lk_one' AND time BETWEEN '$t0' AND '$t1'")
check "a sample for every second of the hold" "$([ "$held" -ge $((HOLD_SECONDS - 1)) ] && echo yes || echo "no: $held")" "yes"
check "the health row clears" "$(q -c "SELECT coalesce(last_error, '') FROM observe.rule_group_health WHERE group_name = 'lk'")" ""
check "no slot missed" "$(q -c "SELECT iterations_missed FROM observe.rule_group_health WHERE group_name = 'lk'")" "0"
exit $fail
