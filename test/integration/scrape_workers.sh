#!/usr/bin/env bash
# lane: own-server (starts its own server: observe.scrape_workers is a postmaster setting)
# Several scrape workers share the targets (issue 18): with observe.scrape_workers = 2 both
# workers run, each target (rows of observe.scrape_targets and targets discovered from
# observe.scrape_jobs) is requested once per interval, not once per worker, each series is
# stored once (one sample per scrape, no duplicate timestamps), both workers scrape, and every
# target has one health row. Loopback only; the fixture stops by itself.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$ROOT/test/integration/scrape/own_server.sh" scrape_workers
FPORT=$("$ROOT/scripts/pg_server.sh" free-port)
TARGETS=40; SERIES=20; FILE_TARGETS=10
start_own_server "observe.scrape_workers = 2"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

REQUEST_LOG=$DIR/requests.log /usr/bin/python3 "$ROOT/bench/scrape/many_targets.py" "$FPORT" \
  $((TARGETS + FILE_TARGETS)) "$SERIES" 120 & pids+=($!)
sleep 0.5
q -c "CREATE EXTENSION pg_observe"
workers=$(q -c "SELECT string_agg(pid::text, ' ' ORDER BY pid) FROM pg_stat_activity WHERE backend_type = 'pg_observe scrape worker'")
check "two scrape workers run" "$(echo $workers | wc -w)" "2"

# Targets of both kinds: rows (t0..t39) and a job's static targets (t40..t49), every second.
q -c "INSERT INTO observe.scrape_targets (job, url, scrape_interval, labels)
      SELECT 'rows', 'http://127.0.0.1:$FPORT/t/' || i, '1 second', jsonb_build_object('target', 't' || i)
        FROM generate_series(0, $TARGETS - 1) i"
q -c "SELECT observe.load_prometheus_config(\$\$
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: discovered
    static_configs:
$(for i in $(seq $TARGETS $((TARGETS + FILE_TARGETS - 1))); do echo "      - {targets: ['127.0.0.1:$FPORT'], labels: {__metrics_path__: '/t/$i', target: 't$i'}}"; done)
\$\$)" >/dev/null

# Warm-up: every target scraped at least twice.
for _ in $(seq 1 60); do
  n=$(q -c "SELECT count(*) FROM observe._scrape_status WHERE up AND samples_scraped = $SERIES")
  [ "$n" = $((TARGETS + FILE_TARGETS)) ] && break
  sleep 0.5
done
check "every target has one healthy status row" "$(q -c "SELECT count(*), count(DISTINCT (job, url)) FROM observe._scrape_status WHERE up")" \
  "$((TARGETS + FILE_TARGETS))|$((TARGETS + FILE_TARGETS))"
sleep 2

# A window of 8 s: each target is requested 7 to 9 times (once a second), not twice that.
: > "$DIR/requests.log"
c0=(); for p in $workers; do c0+=("$(cpu_ticks "$p")"); done
start=$(q -c "SELECT now()")
sleep 8
end=$(q -c "SELECT now()")
cp "$DIR/requests.log" "$DIR/window.log"
c1=(); for p in $workers; do c1+=("$(cpu_ticks "$p")"); done
per_target=$(sort "$DIR/window.log" | uniq -c | awk '{print $1}')
check "every target requested in the window" "$(echo "$per_target" | wc -l)" "$((TARGETS + FILE_TARGETS))"
check "each target requested once per interval (7 to 9 times in 8 s)" \
  "$(echo "$per_target" | awk '$1 < 7 || $1 > 9' | wc -l)" "0"
busy=0
for i in 0 1; do [ $(( ${c1[$i]} - ${c0[$i]} )) -gt 0 ] && busy=$((busy + 1)); done
check "both workers worked in the window" "$busy" "2"

# Stored once: per series one sample per scrape, never two at one time.
check "series stored" "$(q -c "SELECT count(DISTINCT (name, labels)) FROM observe.metrics
                                WHERE labels->>'job' IN ('rows', 'discovered') AND name LIKE 'bench%'")" \
  "$(( (TARGETS + FILE_TARGETS) * SERIES ))"
check "no series has two samples at one time" "$(q -c "SELECT count(*) FROM (
    SELECT name, labels, time FROM observe.metrics
     WHERE labels->>'job' IN ('rows', 'discovered') GROUP BY 1, 2, 3 HAVING count(*) > 1) d")" "0"
check "samples per series in the window: once per request of its target" "$(q -c "
  WITH s AS (SELECT labels->>'target' AS t, count(*) AS n
               FROM observe.metrics
              WHERE labels->>'job' IN ('rows', 'discovered') AND name = 'up'
                AND time > '$start' AND time <= '$end' GROUP BY 1)
  SELECT count(*) FILTER (WHERE n BETWEEN 7 AND 9) || '/' || count(*) FROM s")" \
  "$((TARGETS + FILE_TARGETS))/$((TARGETS + FILE_TARGETS))"
check "discovered targets written once" "$(q -c "SELECT count(*) FROM observe.scrape_targets_discovered WHERE NOT dropped")" "$FILE_TARGETS"
check "discovered targets all up" "$(q -c "SELECT count(*) FILTER (WHERE up) FROM observe.scrape_targets_discovered")" "$FILE_TARGETS"

[ "$fail" = 0 ] && echo "scrape_workers: all checks passed"
exit "$fail"
