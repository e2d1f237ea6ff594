#!/usr/bin/env bash
# lane: own-server (starts its own server: no maintenance worker, compaction run by hand)
# Series garbage collection beside the scrape worker (issue 18's data loss): while the worker
# scrapes fixture targets every second, a session leaves many series without chunks (JUNK
# series dropped by retention, and the chunks of a slow target's series deleted after its scrape)
# and runs compaction, and with it series GC, until they are gone. GC may hold ShareLock on
# observe.metrics only briefly: no write of the worker waits observe.worker_lock_timeout
# (observe.worker_lock_timeout = 500 ms here; lock_timeouts stays 0), and no scraped sample is lost (every answer the fixture served is
# stored, each with all its series). The slow target's series are removed while the worker
# still holds their ids: its next samples must go to new series (no chunk row names a removed
# series), and the steady targets' series must keep their ids (never removed while in use).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$ROOT/test/integration/scrape/own_server.sh" scrape_gc
JUNK=${GC_TEST_JUNK:-400000}
SERIES=50
# Writes give up after 500 ms (default 1 s): GC's hold of the lock must stay well below.
start_own_server "observe.maintenance_interval = 0" "observe.worker_lock_timeout = 500"
q -c "CREATE EXTENSION pg_observe"
STORAGE=$(q -c "SELECT relfilenode FROM pg_class WHERE oid = 'observe.metrics'::regclass")
FPORT=$("$ROOT/scripts/pg_server.sh" free-port)
LOG=$DIR/served.log
STOP=$DIR/stop
: >"$LOG"
/usr/bin/python3 "$ROOT/test/integration/scrape/gc_fixture.py" "$FPORT" 5 "$SERIES" 900 "$LOG" "$STOP" & pids+=($!)
sleep 0.5
q -c "INSERT INTO observe.scrape_targets (job, url, scrape_interval, labels)
      SELECT 'gcfix', 'http://127.0.0.1:$FPORT/t/' || i, interval '1 second', jsonb_build_object('target', 't' || i)
        FROM generate_series(0, 3) i
      UNION ALL
      SELECT 'gcfix', 'http://127.0.0.1:$FPORT/t/4', interval '30 seconds', '{\"target\": \"slow\"}'::jsonb"
for _ in $(seq 1 90); do
  up=$(q -c "SELECT count(*) FROM observe.scrape_target_health WHERE job = 'gcfix' AND up")
  [ "$up" = 5 ] && break
  sleep 0.5
done
check "targets up" "$up" "5"
# The steady targets' series ids, which must not change.
steady_ids() {
  q -c "SELECT string_agg(series_id::text, ',' ORDER BY series_id) FROM observe._ts_series
         WHERE storage_id = $STORAGE AND labels->>'target' IN ('t0', 't1', 't2', 't3')"
}
ids_before=$(steady_ids)

# JUNK series, their chunks dropped by retention: GC's candidates.
start=$(date +%s.%N)
q -c "INSERT INTO observe.metrics SELECT '2020-01-01', 'gcfix_junk', jsonb_build_object('i', i), 1
        FROM generate_series(1, $JUNK) i"
q -c "SELECT observe.drop_chunks('observe.metrics', '2021-01-01')" >/dev/null
echo "created $JUNK series and dropped their chunks in $(echo "$(date +%s.%N) - $start" | bc) s"

# The slow target's samples deleted right after its scrape: compaction moves them into its
# series' own chunks, whose rows are then deleted (counting its `up` samples); its series are
# unused until its next scrape, 30 s after the last.
n0=$(q -c "SELECT count(*) FROM observe.metrics WHERE name = 'up' AND labels->>'target' = 'slow'")
for _ in $(seq 1 140); do
  n=$(q -c "SELECT count(*) FROM observe.metrics WHERE name = 'up' AND labels->>'target' = 'slow'")
  [ "$n" != "$n0" ] && break
  sleep 0.25
done
# One compaction (and series GC): its time, and GC's own report of its time under the lock.
max_ms=0
compact_once() {
  local t out secs ms
  t=$(date +%s.%N)
  out=$(PGOPTIONS="-c client_min_messages=debug1" q -c "SELECT observe.compact('observe.metrics')" 2>&1 >/dev/null)
  secs=$(echo "$(date +%s.%N) - $t" | bc)
  ms=$(sed -n 's/.*removed, \([0-9.]*\) ms under the lock.*/\1/p' <<<"$out" | tail -1)
  echo "compaction: ${secs} s, under the lock ${ms:-?} ms ($(grep -o 'series GC: [^,]*, [^,]*, [^,]*' <<<"$out" | tail -1))"
  [ -n "$ms" ] && max_ms=$(echo "if ($ms > $max_ms) $ms else $max_ms" | bc)
  return 0
}
compact_once
slow_ids=$(q -c "SELECT string_agg(series_id::text, ',') FROM observe._ts_series
                  WHERE storage_id = $STORAGE AND labels->>'target' = 'slow'")
slow_up=$(q -c "SELECT series_id FROM observe._ts_series
                 WHERE storage_id = $STORAGE AND labels->>'target' = 'slow' AND labels->>'__name__' = 'up'")
slow_deleted=$(q -c "BEGIN;
  SELECT coalesce(sum(row_count), 0) FROM observe._ts_chunks WHERE storage_id = $STORAGE AND series_id = $slow_up;
  DELETE FROM observe._ts_chunks WHERE storage_id = $STORAGE AND series_id IN ($slow_ids);
  COMMIT;")
echo "slow target: $slow_deleted up samples deleted with every chunk of its series"
check "the slow target's samples all deleted" \
  "$(q -c "SELECT count(*) FROM observe.metrics WHERE labels->>'target' = 'slow'")" "0"

# Compaction (and series GC) until the junk and the slow target's old series are gone.
junk_left=$JUNK
for round in $(seq 1 80); do
  compact_once
  junk_left=$(q -c "SELECT count(*) FROM observe._ts_series WHERE storage_id = $STORAGE AND labels->>'__name__' = 'gcfix_junk'")
  echo "  round $round: junk series left $junk_left"
  [ "$round" = 1 ] && slow_left=$(q -c "SELECT count(*) FROM observe._ts_series WHERE storage_id = $STORAGE AND series_id IN ($slow_ids)")
  [ "$junk_left" = 0 ] && break
done
check "junk series removed" "$junk_left" "0"
check "the slow target's old series removed before its next scrape" "$slow_left" "0"
echo "longest hold of the lock by series GC: $max_ms ms"
check "series GC held the lock < 500 ms" "$(echo "$max_ms < 500" | bc)" "1"
# The slow target scraped again after its series were removed (new series for its ids).
sleep 32

# The fixture stops answering; what was scraped is written, then the targets leave.
touch "$STOP"
sleep 4
check "no write waited observe.worker_lock_timeout" \
  "$(q -c "SELECT coalesce(sum(lock_timeouts), 0) FROM observe.scrape_target_health WHERE job = 'gcfix'")" "0"
q -c "SELECT url, up, lock_timeouts, last_error FROM observe.scrape_target_health WHERE job = 'gcfix'"
q -c "DELETE FROM observe.scrape_targets WHERE job = 'gcfix'"
sleep 4

# Every answer served is stored: an `up` = 1 sample and SERIES samples per answer.
for i in 0 1 2 3 4; do
  target=t$i
  [ $i = 4 ] && target=slow
  served=$(grep -cx "$i" "$LOG" || true)
  stored=$(q -c "SELECT count(*) FILTER (WHERE name = 'up' AND value = 1) || ' ' ||
                        count(*) FILTER (WHERE name = 'gcfx_value' AND NOT observe.is_stale(value))
                   FROM observe.metrics WHERE labels->>'target' = '$target'")
  want=$served
  [ $i = 4 ] && want=$((served - slow_deleted))
  check "target $target: scrapes stored ($served served)" "$stored" "$want $((want * SERIES))"
done
[ "$fail" = 0 ] || q -c "SELECT labels->>'target', name, count(*), count(*) FILTER (WHERE observe.is_stale(value)) AS stale
                          FROM observe.metrics WHERE labels->>'job' = 'gcfix' GROUP BY 1, 2 ORDER BY 1, 2"
check "the steady targets' series kept their ids" "$(steady_ids)" "$ids_before"
q -c "SELECT observe.compact('observe.metrics')" >/dev/null
check "no chunk row names a removed series" "$(q -c "SELECT count(*) FROM observe._ts_chunks c
  WHERE c.storage_id = $STORAGE AND c.series_id > 0 AND NOT EXISTS
        (SELECT 1 FROM observe._ts_series s WHERE s.storage_id = c.storage_id AND s.series_id = c.series_id)")" "0"
exit $fail
