#!/usr/bin/env bash
# Issue 11: the maintenance worker never waits unboundedly on a user's lock. With a user session
# holding an ACCESS EXCLUSIVE lock on one observe_ts table and staying idle, the worker gives up
# that table after observe.worker_lock_timeout, logs it, counts it in
# observe.ts_maintenance_health, and still compacts the other table in the same rounds.
set -euo pipefail
psql_q() { psql -X -qtA -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
FIFO=$(mktemp -u /tmp/maintenance_user_locks.XXXX)
mkfifo "$FIFO"
HOLDER=""
cleanup() {
  [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null || true
  rm -f "$FIFO"
  psql_q "ALTER SYSTEM RESET observe.maintenance_interval" >/dev/null 2>&1 || true
  psql_q "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  psql_q "DROP TABLE IF EXISTS mlock_held, mlock_free" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql_q "CREATE EXTENSION IF NOT EXISTS pg_observe"
psql_q "DROP TABLE IF EXISTS mlock_held, mlock_free"
psql_q "CREATE TABLE mlock_held (time timestamptz NOT NULL, name text, value float8) USING observe_ts"
psql_q "CREATE TABLE mlock_free (time timestamptz NOT NULL, name text, value float8) USING observe_ts"
# Many small chunks (one per transaction) for compaction to merge.
for i in $(seq 1 5); do
  psql_q "INSERT INTO mlock_free VALUES ('2026-01-01'::timestamptz + interval '$i s', 'm', $i)"
done
chunks() { psql_q "SELECT count(*) FROM observe._ts_chunks WHERE storage_id = (SELECT relfilenode FROM pg_class WHERE oid = '$1'::regclass)"; }
echo "mlock_free chunks before: $(chunks mlock_free)"

psql -X -qtA -v ON_ERROR_STOP=1 -d postgres <"$FIFO" >/dev/null &
HOLDER=$!
exec 3>"$FIFO"
echo "BEGIN; LOCK TABLE mlock_held IN ACCESS EXCLUSIVE MODE;" >&3
for _ in $(seq 1 40); do
  held=$(psql_q "SELECT count(*) FROM pg_locks WHERE relation = 'mlock_held'::regclass AND mode = 'AccessExclusiveLock' AND granted")
  [ "$held" = 1 ] && break
  sleep 0.25
done
[ "$held" = 1 ] || { echo "the user session did not take its lock"; exit 1; }

psql_q "ALTER SYSTEM SET observe.maintenance_interval = 1"
psql_q "SELECT pg_reload_conf()" >/dev/null
timeouts=0
for _ in $(seq 1 60); do
  timeouts=$(psql_q "SELECT lock_timeouts FROM observe.ts_maintenance_health WHERE table_name = 'mlock_held'::regclass")
  [ "${timeouts:-0}" -ge 2 ] && break
  sleep 0.5
done
free_chunks=$(chunks mlock_free)
echo "while held: lock timeouts on mlock_held: $timeouts; mlock_free chunks: $free_chunks"
psql_q "SELECT table_name, last_error, lock_timeouts FROM observe.ts_maintenance_health WHERE table_name::text LIKE 'mlock%'"
[ "${timeouts:-0}" -ge 2 ] || { echo "the maintenance worker's lock timeouts were not counted"; exit 1; }
[ "$free_chunks" = 1 ] || { echo "the other table was not compacted meanwhile"; exit 1; }
echo "COMMIT;" >&3
exec 3>&-
wait "$HOLDER"
HOLDER=""
ok=""
for _ in $(seq 1 20); do
  ok=$(psql_q "SELECT last_error IS NULL FROM observe.ts_maintenance_health WHERE table_name = 'mlock_held'::regclass")
  [ "$ok" = t ] && break
  sleep 0.5
done
[ "$ok" = t ] || { echo "mlock_held's maintenance did not recover"; exit 1; }
echo ok
