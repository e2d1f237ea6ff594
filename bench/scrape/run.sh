#!/usr/bin/env bash
# One scrape worker's capacity, side by side with Prometheus in the same run: TARGETS fixture
# targets x SERIES series at INTERVAL, scraped by pg_observe's worker and by Debian's
# Prometheus at once; CPU seconds each spent over WINDOW seconds, per sample scraped.
#   bench/scrape/run.sh [TARGETS] [SERIES] [INTERVAL_S] [WINDOW_S]
# Needs a running pg_observe server: PGHOST/PGPORT/PGUSER (its worker works in `postgres`).
# WARMUP (seconds before the window; default 2 intervals + 5 s): the first scrapes create every
# series; CPU over the warm-up is reported as series creation. CHURN (percent, default 0): that
# share of each target's series is replaced at every scrape (many_targets.py).
# Memory: peak over the run (sampled every 2 s) of each process's VmRSS and of RssAnon, its
# private heap: the worker's VmRSS also counts the shared_buffers pages it touched (RssShmem),
# which belong to the server, not to the worker. With observe.scrape_workers > 1 the workers'
# figures are summed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGETS=${1:-200}; SERIES=${2:-500}; INTERVAL=${3:-15}; WINDOW=${4:-60}
# Every run exposes new series (the fixture's port is in `instance`): the warm-up must cover
# creating them. 1,000 x 1,000 needs WARMUP=150 or so to measure the steady state.
WARMUP=${WARMUP:-$((INTERVAL * 2 + 5))}
WORK=$(mktemp -d /tmp/pgo_scrape_bench.XXXXXX)
FIXTURE_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
PROM_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
psql_q() { psql -X -qtA -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
cpu_seconds() {  # summed over the pids given
  local total=0 p
  for p in "$@"; do total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{print t + ($14 + $15) / hz}' "/proc/$p/stat"); done
  echo "$total"
}
# kB of a /proc/PID/status field, summed over the pids
status_kb() { local f=$1; shift; local p; for p in "$@"; do awk -v f="$f:" '$1 == f {print $2}' "/proc/$p/status"; done | awk '{s += $1} END {print s + 0}'; }

cleanup() {
  psql_q "DELETE FROM observe.scrape_targets WHERE job = 'bench'" >/dev/null || true
  kill "${PROM:-}" "${FIXTURE:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

CHURN=${CHURN:-0} /usr/bin/python3 "$ROOT/bench/scrape/many_targets.py" "$FIXTURE_PORT" "$TARGETS" "$SERIES" $((WARMUP + WINDOW + 120)) &
FIXTURE=$!

{ echo "global: {scrape_interval: ${INTERVAL}s, scrape_timeout: $(( INTERVAL < 10 ? INTERVAL : 10 ))s}"
  echo "scrape_configs:"
  echo "  - job_name: bench"
  echo "    static_configs:"
  for i in $(seq 0 $((TARGETS - 1))); do
    echo "      - {targets: ['127.0.0.1:$FIXTURE_PORT'], labels: {__metrics_path__: '/t/$i', target: 't$i'}}"
  done
} > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --web.listen-address=127.0.0.1:"$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PROM=$!

psql_q "INSERT INTO observe.scrape_targets (job, url, scrape_interval, labels)
        SELECT 'bench', 'http://127.0.0.1:$FIXTURE_PORT/t/' || i, '$INTERVAL seconds',
               jsonb_build_object('target', 't' || i)
          FROM generate_series(0, $TARGETS - 1) i" >/dev/null
t_insert=$(date +%s.%N)
WORKERS=$(psql_q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_observe scrape worker'")
[ -n "$WORKERS" ] || { echo "no scrape worker running"; exit 1; }
nworkers=$(echo $WORKERS | wc -w)
wc0=$(cpu_seconds $WORKERS); pc0=$(cpu_seconds "$PROM")
# Peak memory, sampled every 2 s: worker VmRSS, worker RssAnon, Prometheus VmRSS, Prometheus RssAnon.
( peak="0 0 0 0"
  while kill -0 "$PROM" 2>/dev/null; do
    now="$(status_kb VmRSS $WORKERS) $(status_kb RssAnon $WORKERS) $(status_kb VmRSS "$PROM") $(status_kb RssAnon "$PROM")"
    peak=$(echo "$peak $now" | awk '{for (i = 1; i <= 4; i++) printf "%d ", ($i > $(i + 4) ? $i : $(i + 4))}')
    echo "$peak" > "$WORK/mem.peak.tmp" && mv "$WORK/mem.peak.tmp" "$WORK/mem.peak"  # never read half-written
    sleep 2
  done ) &
MEMWATCH=$!

sleep "$WARMUP"
w0=$(cpu_seconds $WORKERS); p0=$(cpu_seconds "$PROM")
s0=$(psql_q "SELECT coalesce(sum(samples_scraped), 0) FROM observe._scrape_status WHERE job = 'bench'")
start=$(date +%s.%N)
obs_samples=0
# Sum samples scraped by each completed scrape in the window from the report series.
sleep "$WINDOW"
w1=$(cpu_seconds $WORKERS); p1=$(cpu_seconds "$PROM")
end=$(date +%s.%N)
obs_samples=$(psql_q "SELECT coalesce(sum(value), 0) FROM observe.metrics
                       WHERE name = 'scrape_samples_scraped' AND labels->>'job' = 'bench'
                         AND time > to_timestamp($start) AND time <= to_timestamp($end)")
prom_samples=$(curl -s "http://127.0.0.1:$PROM_PORT/api/v1/query" \
  --data-urlencode "query=sum(sum_over_time(scrape_samples_scraped{job=\"bench\"}[${WINDOW}s]))" \
  --data-urlencode "time=$end" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
# Scrapes done from the start (a missed interval shows as fewer than Prometheus's)
obs_scrapes=$(psql_q "SELECT count(*) FROM observe.metrics WHERE name = 'up' AND labels->>'job' = 'bench'
                        AND time > to_timestamp($t_insert) AND time <= to_timestamp($end)")
prom_scrapes=$(curl -s "http://127.0.0.1:$PROM_PORT/api/v1/query" \
  --data-urlencode "query=sum(count_over_time(up{job=\"bench\"}[$(( WARMUP + WINDOW ))s]))" \
  --data-urlencode "time=$end" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
mem=$(cat "$WORK/mem.peak" 2>/dev/null || echo "0 0 0 0")
kill "$MEMWATCH" 2>/dev/null || true
up_obs=$(psql_q "SELECT count(*) FILTER (WHERE up) || '/' || count(*) FROM observe._scrape_status WHERE job = 'bench'")

/usr/bin/python3 - "$w0" "$w1" "$p0" "$p1" "$obs_samples" "$prom_samples" "$WINDOW" "$TARGETS" "$SERIES" "$INTERVAL" "$up_obs" \
  "$wc0" "$pc0" "$WARMUP" "$obs_scrapes" "$prom_scrapes" "$nworkers" "${CHURN:-0}" $mem <<'PY'
import sys
w0, w1, p0, p1, obs, prom, window = map(float, sys.argv[1:8])
targets, series, interval, up = sys.argv[8], sys.argv[9], sys.argv[10], sys.argv[11]
wc0, pc0, warmup, obs_scrapes, prom_scrapes = map(float, sys.argv[12:17])
nworkers, churn = sys.argv[17], sys.argv[18]
w_rss, w_anon, p_rss, p_anon = (int(x) / 1024 for x in sys.argv[19:23])
wc, pc = w1 - w0, p1 - p0
print(f"| scrape load | {targets} targets x {series} series every {interval}s, {churn}% churn a scrape, {nworkers} worker(s), {warmup:.0f}s warm-up, {window:.0f}s window |")
print("|---|---|")
print(f"| pg_observe worker | {obs:,.0f} samples ({obs / window:,.0f}/s), {wc:.2f} CPU s, "
      f"{wc / obs * 1e6 if obs else float('nan'):.2f} us CPU/sample, targets up {up} |")
print(f"| Prometheus 2.42 | {prom:,.0f} samples ({prom / window:,.0f}/s), {pc:.2f} CPU s, "
      f"{pc / prom * 1e6 if prom else float('nan'):.2f} us CPU/sample |")
if obs and prom:
    print(f"| CPU per sample, pg_observe / Prometheus | {(wc / obs) / (pc / prom):.2f} |")
cw, cp = w0 - wc0, p0 - pc0
print(f"| warm-up (series creation): CPU s pg_observe; Prometheus; ratio | {cw:.2f}; {cp:.2f}; {cw / cp if cp else float('nan'):.2f} |")
print(f"| scrapes done from the start: pg_observe; Prometheus | {obs_scrapes:,.0f}; {prom_scrapes:,.0f} |")
print(f"| peak memory MiB: worker VmRSS (RssAnon); Prometheus VmRSS (RssAnon); worker RssAnon / Prometheus VmRSS | "
      f"{w_rss:,.0f} ({w_anon:,.0f}); {p_rss:,.0f} ({p_anon:,.0f}); {w_anon / p_rss if p_rss else float('nan'):.2f} |")
PY
