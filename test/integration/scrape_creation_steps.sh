#!/usr/bin/env bash
# lane: own-server (starts its own server with observe.scrape_series_per_step = 2)
# Series creation in steps (issue 18): with at most 2 new series created per transaction, a
# scrape's other new series wait, with their samples, for the following steps while the worker
# goes on scraping. What is stored must not change: the same differential run against
# Prometheus as scrape_vs_prometheus.sh (edge cases, changed series, staleness, a failing
# target; scrape/compare_with_prometheus.py), then a churning fixture (new series on every
# scrape) whose every series is stored with one sample per scrape, in time order, never twice.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$ROOT/test/integration/scrape/own_server.sh" scrape_steps
start_own_server "observe.scrape_series_per_step = 2"
q -c "CREATE EXTENSION pg_observe"
check "series per step" "$(q -c "SHOW observe.scrape_series_per_step")" "2"

# 1. The differential run against Prometheus.
export PROM_DIR=$DIR/prom
mkdir -p "$PROM_DIR"
export FIXTURE_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PROM_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
if timeout 120 /usr/bin/python3 "$ROOT/test/integration/scrape/compare_with_prometheus.py"; then
  echo "ok: same series and values as Prometheus"
else
  echo "FAIL: compare_with_prometheus.py"; fail=1
fi

# 2. Churn: 4 targets x 40 series, a quarter of them new at every tick of the fixture, every
# second; each target's scrape creates up to 10+ series, 2 a step.
FPORT=$("$ROOT/scripts/pg_server.sh" free-port)
CHURN=25 /usr/bin/python3 "$ROOT/bench/scrape/many_targets.py" "$FPORT" 4 40 60 & pids+=($!)
sleep 0.5
q -c "INSERT INTO observe.scrape_targets (job, url, scrape_interval, labels)
      SELECT 'steps', 'http://127.0.0.1:$FPORT/t/' || i, '1 second', jsonb_build_object('target', 't' || i)
        FROM generate_series(0, 3) i"
sleep 20
q -c "DELETE FROM observe.scrape_targets WHERE job = 'steps'"
sleep 4  # the targets leave: what waits is written, then their stale markers
# Every scrape wrote one sample of each series it returned: per target, the count of samples
# with a real value equals 40 x the target's successful scrapes (up = 1 samples).
per_target=$(q -c "SELECT string_agg(ok::text, ',' ORDER BY t) FROM (
  SELECT labels->>'target' AS t,
         count(*) FILTER (WHERE name LIKE 'bench\_%' AND NOT observe.is_stale(value))
           = 40 * count(*) FILTER (WHERE name = 'up' AND value = 1) AS ok
    FROM observe.metrics WHERE labels->>'job' = 'steps' GROUP BY 1) s")
check "40 samples per scrape of every target" "$per_target" "true,true,true,true"
check "several scrapes per target" "$(q -c "SELECT min(n) >= 10 FROM (SELECT count(*) n FROM observe.metrics
  WHERE labels->>'job' = 'steps' AND name = 'up' GROUP BY labels->>'target') s")" "t"
check "no series with two samples at one time" "$(q -c "SELECT count(*) FROM (SELECT name, labels, time FROM observe.metrics
  WHERE labels->>'job' = 'steps' GROUP BY 1, 2, 3 HAVING count(*) > 1) d")" "0"
check "no value after a series' stale marker" "$(q -c "SELECT count(*) FROM observe.metrics m
  JOIN (SELECT name, labels, min(time) AS stale_at FROM observe.metrics
         WHERE labels->>'job' = 'steps' AND observe.is_stale(value) GROUP BY 1, 2) s USING (name, labels)
 WHERE m.labels->>'job' = 'steps' AND m.time > s.stale_at AND NOT observe.is_stale(m.value)")" "0"
check "series created by the steps" "$(q -c "SELECT count(*) > 4 * 40 FROM (SELECT DISTINCT name, labels FROM observe.metrics
  WHERE labels->>'job' = 'steps') s")" "t"
exit $fail
