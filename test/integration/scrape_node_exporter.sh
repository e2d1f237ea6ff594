#!/usr/bin/env bash
# A real prometheus-node-exporter scraped every second: up = 1, its series in
# observe.metrics, the target's health in observe.scrape_target_health.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
prometheus-node-exporter --web.listen-address=127.0.0.1:"$PORT" >/dev/null 2>&1 &
EXPORTER=$!
psql_q() { psql -X -qtA -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
cleanup() {
  psql_q "DELETE FROM observe.scrape_targets WHERE job = 'node_it'" || true
  kill "$EXPORTER" 2>/dev/null || true
}
trap cleanup EXIT

psql_q "CREATE EXTENSION IF NOT EXISTS pg_observe"
psql_q "INSERT INTO observe.scrape_targets (job, url, scrape_interval)
        VALUES ('node_it', 'http://127.0.0.1:$PORT/metrics', '1 second')"
up=""
for _ in $(seq 1 40); do
  up=$(psql_q "SELECT value FROM observe.promql('up{job=\"node_it\"}')")
  [ "$up" = "1" ] && break
  sleep 0.5
done
echo "up = $up"
[ "$up" = "1" ] || { echo "node exporter never came up in observe.metrics"; exit 1; }
sleep 2
cpu=$(psql_q "SELECT count(DISTINCT metric) FROM observe.promql('node_cpu_seconds_total{job=\"node_it\"}')")
echo "node_cpu_seconds_total series: $cpu"
[ "$cpu" -ge 2 ] || { echo "expected per-cpu, per-mode series"; exit 1; }
scraped=$(psql_q "SELECT value FROM observe.promql('scrape_samples_scraped{job=\"node_it\"}')")
echo "scrape_samples_scraped: $scraped"
[ "${scraped%.*}" -ge 100 ] || { echo "node exporter exposes hundreds of samples"; exit 1; }
rate=$(psql_q "SELECT count(*) FROM observe.promql('rate(node_cpu_seconds_total{job=\"node_it\",mode=\"idle\"}[5s])')")
[ "$rate" -ge 1 ] || { echo "rate() over the scraped counters gave nothing"; exit 1; }
health=$(psql_q "SELECT up AND last_error IS NULL AND samples_scraped > 100 AND instance = '127.0.0.1:$PORT'
                   FROM observe.scrape_target_health WHERE job = 'node_it'")
echo "health row ok: $health"
[ "$health" = "t" ]
