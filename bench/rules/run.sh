#!/usr/bin/env bash
# Recording rules beside Prometheus (issue 17's target: 10,000 rules every 15 s on one worker
# with no missed iteration, CPU per rule evaluation no more than Prometheus's on the same rules
# and data). The same data (bench/http's rw_payloads: HOSTS x 10 series, a sample every 10 s
# up to now) is remote-written into pg_observe's observe.metrics and into Debian's prometheus;
# the same rule file (RULES recording rules in groups of 100, interval 15 s, each a PromQL
# expression over one host's series) is loaded into both (observe.load_rule_file; prometheus's
# rule_files). After a warm-up, the CPU seconds of the rules worker process and of the
# prometheus process are read over WINDOW seconds, with both sides' missed iterations.
#   RULES=10000 HOSTS=100 WINDOW=60 bench/rules/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${BENCH_WORK:-/tmp/pgo_perf/work}/rules
RULES=${RULES:-10000}
HOSTS=${HOSTS:-100}
WINDOW=${WINDOW:-60}
MINUTES=30
rm -rf "$WORK"; mkdir -p "$WORK/payloads"; chmod 755 "$WORK"
cmake -S "$ROOT" -B "$ROOT/build" >/dev/null && cmake --build "$ROOT/build" --target rw_payloads -j2 >/dev/null
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
HPORT=$("$ROOT/scripts/pg_server.sh" free-port)
PPORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PGPASSWORD=${PGPASSWORD:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')} PGPASSFILE=/dev/null
PROM_PID=
cleanup() {
  [ -z "$PROM_PID" ] || { kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null || true; }
  "$ROOT/scripts/pg_server.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$ROOT/scripts/pg_server.sh" start "$WORK/pg" "$PORT" "observe.http_port = $HPORT" "shared_buffers = 1GB" >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_observe" \
  -c "CREATE ROLE bench_rules LOGIN PASSWORD 'bench-pw' IN ROLE observe_reader" \
  -c "GRANT INSERT ON observe.metrics TO bench_rules"

# The rule file: RULES recording rules, 100 a group, over the hosts' series in turn.
/usr/bin/python3 - "$RULES" "$HOSTS" >"$WORK/rules.yml" <<'PY'
import sys
rules, hosts = int(sys.argv[1]), int(sys.argv[2])
exprs = ['avg_over_time(cpu_usage_user{{host="{h}"}}[5m])', 'rate(net_bytes_recv_total{{host="{h}"}}[5m])',
         'max_over_time(mem_used_bytes{{host="{h}"}}[5m]) - min_over_time(mem_used_bytes{{host="{h}"}}[5m])',
         'sum by (region) (rate(net_bytes_sent_total{{host="{h}"}}[1m]))', 'cpu_usage_system{{host="{h}"}} > 50']
print("groups:")
for i in range(rules):
    if i % 100 == 0:
        print(f"  - name: g{i // 100:04d}\n    interval: 15s\n    rules:")
    k = i % len(exprs)
    print(f"      - record: bench:r{k}:{i}\n        expr: '{exprs[k].format(h='host_%d' % (i // len(exprs) % hosts))}'")
PY
printf 'global:\n  evaluation_interval: 15s\nrule_files: [%s]\nscrape_configs: []\n' "$WORK/rules.yml" >"$WORK/prometheus.yml"
promtool check rules "$WORK/rules.yml" >/dev/null
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" --web.enable-remote-write-receiver \
  --web.listen-address=127.0.0.1:$PPORT >"$WORK/prom.log" 2>&1 &
PROM_PID=$!
for i in $(seq 1 100); do curl -s "http://127.0.0.1:$PPORT/-/ready" >/dev/null && curl -s "http://127.0.0.1:$HPORT/-/ready" >/dev/null && break; sleep 0.2; done

now=$(date +%s)
start_ms=$(( (now - MINUTES * 60) * 1000 ))
read -r nreq nsamples _ < <("$ROOT/build/bench/http/rw_payloads" --out="$WORK/payloads" --start=$start_ms \
  --hosts=$HOSTS --minutes=$MINUTES)
send() {  # send URL [curl auth...]: every payload, in order
  local url=$1; shift
  for f in "$WORK"/payloads/req_*.bin; do
    curl -s -o /dev/null -w '%{http_code}\n' "$@" -H 'Content-Type: application/x-protobuf' \
      -H 'Content-Encoding: snappy' -H 'X-Prometheus-Remote-Write-Version: 0.1.0' --data-binary "@$f" "$url"
  done | sort | uniq -c | grep -v ' 204$' && { echo "remote_write to $url refused some requests" >&2; exit 1; } || true
}
send "http://127.0.0.1:$HPORT/api/v1/write" -u bench_rules:bench-pw
send "http://127.0.0.1:$PPORT/api/v1/write"
psql -X -qtA -c "SELECT observe.compact('observe.metrics')" >/dev/null
psql -X -qtA -v ON_ERROR_STOP=1 >/dev/null <<SQL
\\set rules \`cat $WORK/rules.yml\`
SELECT observe.load_rule_file(:'rules', 'bench');
SQL

cpu_s() {  # CPU seconds so far of one process
  awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat"
}
RW_PID=$(pgrep -P "$(head -1 "$WORK/pg/postmaster.pid")" -f 'pg_observe rules worker' | head -1)
missed_pg() { psql -X -qtA -c "SELECT coalesce(sum(iterations_missed), 0) || ' ' || coalesce(sum(iterations_total), 0) FROM observe.rule_group_health"; }
prom_metric_sum() {  # Prometheus's own /metrics (it scrapes nothing here): the sum of a counter
  curl -s "http://127.0.0.1:$PPORT/metrics" | awk -v m="$1" '$1 ~ "^"m"([{]|$)" { s += $2 } END { printf "%d\n", s }'
}
missed_prom() { prom_metric_sum prometheus_rule_group_iterations_missed_total; }
evals_prom() { prom_metric_sum prometheus_rule_evaluations_total; }
sleep 35  # every group evaluated at least twice on both sides
read -r pg_missed0 pg_iter0 <<<"$(missed_pg)"
prom_missed0=$(missed_prom); prom_evals0=$(evals_prom)
c_pg0=$(cpu_s "$RW_PID"); c_prom0=$(cpu_s "$PROM_PID")
sleep "$WINDOW"
c_pg1=$(cpu_s "$RW_PID"); c_prom1=$(cpu_s "$PROM_PID")
read -r pg_missed1 pg_iter1 <<<"$(missed_pg)"
prom_missed1=$(missed_prom); prom_evals1=$(evals_prom)
pg_evals=$(( (pg_iter1 - pg_iter0) * 100 ))
prom_evals=$(( prom_evals1 - prom_evals0 ))
pg_cpu=$(awk "BEGIN { print $c_pg1 - $c_pg0 }"); prom_cpu=$(awk "BEGIN { print $c_prom1 - $c_prom0 }")
errors=$(psql -X -qtA -c "SELECT count(*) FROM observe.rule_health WHERE health <> 'ok'")
samples=$(psql -X -qtA -c "SELECT count(*) FROM observe.metrics WHERE name LIKE 'bench:%'")

echo "## Recording rules beside Prometheus (bench/rules)"
echo
echo "$RULES recording rules in groups of 100 every 15 s over $((HOSTS * 10)) series ($nsamples samples over $MINUTES min, remote-written into both); CPU over a ${WINDOW}-s window after a warm-up."
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(prometheus --version 2>&1 | head -1 | cut -d' ' -f1-3)."
echo
echo "| | pg_observe rules worker | Prometheus |"
echo "|---|---|---|"
printf '| rule evaluations in the window | %d | %d |\n' "$pg_evals" "$prom_evals"
printf '| CPU seconds (the worker process; the prometheus process) | %.2f | %.2f |\n' "$pg_cpu" "$prom_cpu"
printf '| CPU µs per rule evaluation | %.1f | %.1f |\n' "$(awk "BEGIN { print $pg_cpu * 1e6 / ($pg_evals > 0 ? $pg_evals : 1) }")" \
  "$(awk "BEGIN { print $prom_cpu * 1e6 / ($prom_evals > 0 ? $prom_evals : 1) }")"
printf '| iterations missed in the window | %d | %d |\n' "$((pg_missed1 - pg_missed0))" "$((prom_missed1 - prom_missed0))"
echo
echo "pg_observe: $errors rules not healthy; $samples recorded samples stored so far."
