#!/usr/bin/env bash
# Recording rules over the shared node recording, backfilled by Debian's `promtool tsdb
# create-blocks-from rules` (from a prometheus serving the recording's promtool block) and by
# observe.backfill_rules (in a copy of the bench's pgo_storage database): the series must be
# identical (issue 17's target). Times both. Prints a markdown section.
#   bench/rules/backfill.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/common.sh"
"$here/../storage/load_recording.sh" --if-missing

work=$BENCH_WORK/rules_backfill
rm -rf "$work" && mkdir -p "$work/prom" && chmod 755 "$work"
cp -a "$BENCH_WORK"/prom_block/* "$work/prom/"
printf 'global:\n  scrape_interval: 1m\nscrape_configs: []\n' >"$work/prometheus.yml"
port=$("$BENCH_REPO/scripts/pg_server.sh" free-port)
prom_pid=""
cleanup() {
  [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null
  q -d postgres -c "DROP DATABASE IF EXISTS pgo_backfill" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
timeout 3600 prometheus --storage.tsdb.path="$work/prom" --storage.tsdb.retention.time=100y \
  --config.file="$work/prometheus.yml" --web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.2; done
q -d postgres -c "DROP DATABASE IF EXISTS pgo_backfill" -c "CREATE DATABASE pgo_backfill TEMPLATE pgo_storage"
IFS='|' read -r first last <<<"$(q -d pgo_backfill -c \
  "SELECT ceil(extract(epoch FROM min(time))), floor(extract(epoch FROM max(time))) FROM observe.metrics")"

cat <<MD
## Recording rules backfilled: observe.backfill_rules vs promtool tsdb create-blocks-from rules

The node recording in Debian's prometheus (the promtool block) and in a copy of observe.metrics;
the node dashboard's queries as recording rules in three groups (intervals 15 s, 47 s and the
default 60 s, rule labels), backfilled over the whole recording by \`promtool tsdb
create-blocks-from rules\` (range queries against that prometheus, blocks written, read back with
\`promtool tsdb dump\`) and by \`observe.backfill_rules\`. Command: \`bench/run.sh rules_backfill\`
(bench/rules/backfill.sh, test/integration/rules/backfill_vs_promtool.py).

\`\`\`
MD
BENCH_REPO="$BENCH_REPO" BENCH_WORK="$BENCH_WORK" PGDATABASE=pgo_backfill WORK="$work" PROM_URL="http://127.0.0.1:$port" FIRST="$first" LAST="$last" "$PY" - <<'PY'
import os, sys, time
sys.path.insert(0, os.path.join(os.environ["BENCH_REPO"], "test/integration/rules"))
import psycopg2
import backfill_vs_promtool as b
RULES = """groups:
  - name: node_fast
    interval: 15s
    rules:
      - record: instance:cpu:rate1m
        expr: sum by (instance, mode) (rate(node_cpu_seconds_total[1m]))
      - record: device:net_tx:rate5m
        expr: sum by (device) (rate(node_network_transmit_bytes_total{device!="lo"}[5m]))
        labels: {team: infra}
  - name: node_odd
    interval: 47s
    rules:
      - record: handler:latency:p90
        expr: histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[5m])))
      - record: instance:mem:avail_ratio
        expr: node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes
  - name: node_default
    rules:
      - record: instance:load1:avg5m
        expr: avg_over_time(node_load1[5m])
      - record: instance:cpu_busy:pct
        expr: 100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))
"""
conn = psycopg2.connect(dbname="pgo_backfill")
conn.autocommit = True
t0 = time.time()
want, got, total = b.backfill_both(conn.cursor(), os.environ["PROM_URL"], os.environ["WORK"], RULES,
                                   int(float(os.environ["FIRST"])), int(float(os.environ["LAST"])))
print("promtool + pg_observe backfill and comparison: %.1f s" % (time.time() - t0))
ok = b.report(want, got, total)
print("identical" if ok else "DIFFERENT")
with open(os.path.join(os.environ["BENCH_WORK"], "figures.env"), "a") as f:
    f.write("rules_backfill_samples=%d\nrules_backfill_identical=%d\n" % (len(want), 1 if ok else 0))
sys.exit(0 if ok else 1)
PY
echo '```'
