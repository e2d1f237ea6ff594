#!/usr/bin/env bash
# The HTTP API against Debian's prometheus on the same data, same run, same machine:
#   1. remote_write ingest: the same remote_write 1.0 requests (rw_payloads: HOSTS x 10 series,
#      a sample every 10 s over MINUTES, one request per 2-minute slice of every series) sent by
#      one curl (keep-alive, one request at a time) to pg_observe's /api/v1/write and to
#      prometheus --web.enable-remote-write-receiver; samples/s of wall time and per CPU-second of
#      the receiving side (every process of the PostgreSQL server: HTTP worker, WAL writer,
#      checkpointer...; the prometheus process).
#   2. Loki push: the log recording (../shared/data/log-recording) as promtail batches it (1 MiB of
#      lines a request, push_payloads), protobuf + snappy and JSON, sent by one curl to
#      pg_observe's /loki/api/v1/push and, when a Loki built by ../shared/tools/loki.sh is there
#      ($LOKI_HOME/bin/loki), to that Loki in the same run; MB/s of raw lines per CPU-second of the
#      receiving side; the stored line count checked.
#   3. query_range over HTTP: each query of the set, on both, median of RUNS after a warm-up, the
#      answers compared (same series, values equal to 1e-9).
# Starts its own PostgreSQL server (pg_observe preloaded, the HTTP API on) and prometheus on
# loopback; stops both. Prints a markdown section.
#   HOSTS=100 MINUTES=120 RUNS=5 bench/http/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${BENCH_WORK:-/tmp/pgo_perf/work}/http
HOSTS=${HOSTS:-100}
LOG_RECORDING=${LOG_RECORDING:-$ROOT/../shared/data/log-recording/lines.jsonl.zst}
LOKI_HOME=${LOKI_HOME:-/tmp/loki}
LOKI_SH=$ROOT/../shared/tools/loki.sh
MINUTES=${MINUTES:-120}
RUNS=${RUNS:-5}
rm -rf "$WORK"; mkdir -p "$WORK/payloads"; chmod 755 "$WORK"
cmake -S "$ROOT" -B "$ROOT/build" >/dev/null && cmake --build "$ROOT/build" --target rw_payloads push_payloads -j2 >/dev/null
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
HPORT=$("$ROOT/scripts/pg_server.sh" free-port)
PPORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PGPASSWORD=${PGPASSWORD:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')} PGPASSFILE=/dev/null
PROM_PID=
LOKI_DIR=
cleanup() {
  [ -z "$PROM_PID" ] || { kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null || true; }
  [ -z "$LOKI_DIR" ] || LOKI_HOME=$LOKI_HOME bash "$LOKI_SH" stop "$LOKI_DIR" >/dev/null 2>&1 || true
  "$ROOT/scripts/pg_server.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# No background compaction: each part compacts when it says so, so its CPU is counted where it belongs.
"$ROOT/scripts/pg_server.sh" start "$WORK/pg" "$PORT" "observe.http_port = $HPORT" "shared_buffers = 1GB" \
  "observe.maintenance_interval = 0" >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_observe" \
  -c "CREATE ROLE bench_http LOGIN PASSWORD 'bench-pw' IN ROLE observe_reader" \
  -c "GRANT INSERT ON observe.metrics, observe.logs TO bench_http"
printf 'global:\n  scrape_interval: 1m\nscrape_configs: []\n' >"$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" --web.enable-remote-write-receiver \
  --web.listen-address=127.0.0.1:$PPORT >"$WORK/prom.log" 2>&1 &
PROM_PID=$!
for i in $(seq 1 100); do curl -s "http://127.0.0.1:$PPORT/-/ready" >/dev/null && curl -s "http://127.0.0.1:$HPORT/-/ready" >/dev/null && break; sleep 0.2; done

now=$(date +%s)
start_ms=$(( (now - MINUTES * 60 - 60) / 60 * 60 * 1000 ))
read -r nreq nsamples nbytes < <("$ROOT/build/bench/http/rw_payloads" --out="$WORK/payloads" --start=$start_ms \
  --hosts=$HOSTS --minutes=$MINUTES)

# CPU seconds so far of processes (utime + stime of /proc/PID/stat, children that ended not counted)
cpu_s() {
  local tick total=0 pid
  tick=$(getconf CLK_TCK)
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$(( total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat") ))
  done
  awk "BEGIN { print $total / $tick }"
}
pg_pids() { local pm; pm=$(head -1 "$WORK/pg/postmaster.pid"); echo "$pm $(pgrep -P "$pm" | tr '\n' ' ')"; }

# post_all URL GLOB [curl args...]: every file of GLOB in order over one keep-alive connection, each
# answered 204; prints seconds
post_all() {
  local url=$1 glob=$2; shift 2
  local args=() f
  for f in $glob; do
    [ ${#args[@]} -eq 0 ] || args+=(--next)
    args+=("$@" -s -o /dev/null -w '%{http_code}\n' --data-binary "@$f" "$url")
  done
  local t0 t1
  t0=$(date +%s.%N)
  curl "${args[@]}" >"$WORK/codes"
  t1=$(date +%s.%N)
  if grep -qv '^204$' "$WORK/codes"; then echo "POST to $url: $(sort "$WORK/codes" | uniq -c | tr '\n' ' ')" >&2; exit 1; fi
  awk "BEGIN { print $t1 - $t0 }"
}
send() {  # send URL [curl auth...]: the remote_write requests
  local url=$1; shift
  post_all "$url" "$WORK/payloads/req_*.bin" "$@" -H 'Content-Type: application/x-protobuf' \
    -H 'Content-Encoding: snappy' -H 'X-Prometheus-Remote-Write-Version: 0.1.0'
}
c0=$(cpu_s $(pg_pids))
pg_s=$(send "http://127.0.0.1:$HPORT/api/v1/write" -u bench_http:bench-pw)
sleep 1  # the WAL writer's and checkpointer's share of the load
pg_cpu=$(awk "BEGIN { print $(cpu_s $(pg_pids)) - $c0 }")
c0=$(cpu_s "$PROM_PID")
prom_s=$(send "http://127.0.0.1:$PPORT/api/v1/write")
sleep 1
prom_cpu=$(awk "BEGIN { print $(cpu_s "$PROM_PID") - $c0 }")
stored=$(psql -X -qtA -c "SELECT count(*) FROM observe.metrics")
[ "$stored" = "$nsamples" ] || { echo "pg_observe stored $stored of $nsamples samples" >&2; exit 1; }
psql -X -qtA -c "SELECT observe.compact('observe.metrics')" >/dev/null

# Loki push: the same requests as protobuf + snappy and as JSON, into an empty store each time
mkdir -p "$WORK/pushes"
read -r npush nentries nline_bytes _ _ nduplicates < <(zstd -dc "$LOG_RECORDING" | "$ROOT/build/bench/http/push_payloads" --out="$WORK/pushes")
push_rows=()
push_row() {  # push_row SYSTEM FORMAT SECONDS CPU [COMPACTION_CPU STORED_BYTES]
  local with="—" stored="—"
  [ -z "${5:-}" ] || with=$(printf '%.2f s, %.1f' "$5" "$(awk "BEGIN { print $nline_bytes / 1e6 / ($4 + $5) }")")
  [ -z "${6:-}" ] || stored=$(printf '%.1f MB' "$(awk "BEGIN { print $6 / 1e6 }")")
  push_rows+=("$(printf '| %s | %s | %.2f s | %.1f | %.2f s | **%.1f** | %s | %s |' "$1" "$2" "$3" \
    "$(awk "BEGIN { print $nline_bytes / 1e6 / $3 }")" "$4" "$(awk "BEGIN { print $nline_bytes / 1e6 / $4 }")" "$with" "$stored")")
}
for format in protobuf json; do
  if [ $format = protobuf ]; then ext=pb; ctype=application/x-protobuf; else ext=json; ctype=application/json; fi
  psql -X -qtA -c "TRUNCATE observe.logs"
  c0=$(cpu_s $(pg_pids))
  t=$(post_all "http://127.0.0.1:$HPORT/loki/api/v1/push" "$WORK/pushes/req_*.$ext" -u bench_http:bench-pw -H "Content-Type: $ctype")
  sleep 1
  c1=$(cpu_s $(pg_pids))
  psql -X -qtA -c "SELECT observe.compact('observe.logs')" >/dev/null
  c2=$(cpu_s $(pg_pids))
  push_row pg_observe $format "$t" "$(awk "BEGIN { print $c1 - $c0 }")" "$(awk "BEGIN { print $c2 - $c1 }")" \
    "$(psql -X -qtA -c "SELECT stored_bytes FROM observe.storage_stats('observe.logs')")"
  stored=$(psql -X -qtA -c "SELECT count(*) FROM observe.logs")
  [ "$stored" = $((nentries - nduplicates)) ] || { echo "pg_observe stored $stored of $((nentries - nduplicates)) lines ($format)" >&2; exit 1; }
  if [ -x "$LOKI_HOME/bin/loki" ]; then
    LOKI_DIR=$WORK/loki_$format
    LPORT=$("$ROOT/scripts/pg_server.sh" free-port)
    LOKI_HOME=$LOKI_HOME bash "$LOKI_SH" start "$LPORT" "$LOKI_DIR" >/dev/null 2>&1
    lpid=$(cat "$LOKI_DIR/loki.pid")
    c0=$(cpu_s "$lpid")
    t=$(post_all "http://127.0.0.1:$LPORT/loki/api/v1/push" "$WORK/pushes/req_*.$ext" -H "Content-Type: $ctype")
    sleep 1
    push_row "Loki $("$LOKI_HOME/bin/loki" -version 2>&1 | head -1 | awk '{print $3}')" $format "$t" "$(awk "BEGIN { print $(cpu_s "$lpid") - $c0 }")"
    LOKI_HOME=$LOKI_HOME bash "$LOKI_SH" stop "$LOKI_DIR" >/dev/null 2>&1
    LOKI_DIR=
  fi
done

end=$(( start_ms / 1000 + MINUTES * 60 ))
declare -a queries=(
  'cpu_usage_user{host="host_1"}|3600|15'
  'rate(net_bytes_recv_total[5m])|3600|60'
  'sum by (region) (rate(net_bytes_recv_total[5m]))|3600|15'
  'avg(cpu_usage_user)|3600|15'
  'topk(5, mem_used_bytes)|3600|60'
  'sum by (region) (rate(net_bytes_sent_total[1m]))|'$((MINUTES * 60 - 300))'|60'
  'quantile(0.9, cpu_usage_system) by (region)|'$((MINUTES * 60 - 300))'|60'
)
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
timed() {  # timed URL [auth...]: query_range, median seconds of RUNS after a warm-up
  local url=$1; shift
  curl -s -o "$WORK/answer.$(basename "$url" | tr -c 'a-z0-9' _)" "$@" "$url" >/dev/null
  for r in $(seq 1 "$RUNS"); do curl -s -o /dev/null -w '%{time_total}\n' "$@" "$url"; done | median
}
echo "## HTTP API: pg_observe vs Prometheus (bench/http)"
echo
echo "$HOSTS hosts x 10 metrics = $((HOSTS * 10)) series, a sample every 10 s over $MINUTES min: $nsamples samples in $nreq remote_write requests ($((nbytes / 1024)) KiB snappy)."
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(prometheus --version 2>&1 | head -1 | cut -d' ' -f1-3)."
echo
echo "| remote_write, one sender | pg_observe | Prometheus |"
echo "|---|---|---|"
printf '| wall time | %.2f s | %.2f s |\n' "$pg_s" "$prom_s"
printf '| samples/s | %.0f | %.0f |\n' "$(awk "BEGIN { print $nsamples / $pg_s }")" "$(awk "BEGIN { print $nsamples / $prom_s }")"
printf '| CPU seconds of the receiving side | %.2f | %.2f |\n' "$pg_cpu" "$prom_cpu"
printf '| samples per CPU-second | %.0f | %.0f |\n' "$(awk "BEGIN { print $nsamples / $pg_cpu }")" "$(awk "BEGIN { print $nsamples / $prom_cpu }")"
echo
echo "Loki push, one sender (curl, keep-alive): the log recording, $nentries lines ($((nline_bytes / 1000000)) MB of raw lines, $nduplicates exact duplicates dropped) in $npush requests of up to 1 MiB of lines (promtail's batch); CPU of the receiving side as above$( [ -x "$LOKI_HOME/bin/loki" ] || echo "; no Loki at \$LOKI_HOME/bin/loki (../shared/tools/loki.sh build) in this run")."
echo
echo "| receiver | body | wall time | MB/s of lines | CPU seconds | MB of lines per CPU-second | then observe.compact: CPU, MB of lines per CPU-second of both | stored |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${push_rows[@]}"
echo
echo "query_range over HTTP (curl time_total, median of $RUNS, warm; pg_observe with basic auth after observe.compact):"
echo
echo "| query | window / step | pg_observe | Prometheus | ratio | same answer |"
echo "|---|---|---|---|---|---|"
for entry in "${queries[@]}"; do
  IFS='|' read -r q window step <<<"$entry"
  enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$q")
  args="query=$enc&start=$((end - window))&end=$end&step=$step"
  tp=$(timed "http://127.0.0.1:$HPORT/api/v1/query_range?$args" -u bench_http:bench-pw)
  cp "$WORK"/answer.* "$WORK/pg.json"; rm -f "$WORK"/answer.*
  tq=$(timed "http://127.0.0.1:$PPORT/api/v1/query_range?$args")
  cp "$WORK"/answer.* "$WORK/prom.json"; rm -f "$WORK"/answer.*
  same=$(/usr/bin/python3 - "$WORK/pg.json" "$WORK/prom.json" <<'PY'
import json, math, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def norm(d):
    return sorted((json.dumps(s["metric"], sort_keys=True), [(t, float(v)) for t, v in s["values"]]) for s in d["data"]["result"])
x, y = norm(a), norm(b)
ok = len(x) == len(y) and all(m1 == m2 and len(v1) == len(v2) and all(t1 == t2 and (f1 == f2 or (math.isnan(f1) and math.isnan(f2)) or abs(f1 - f2) <= 1e-9 * max(abs(f1), abs(f2))) for (t1, f1), (t2, f2) in zip(v1, v2)) for (m1, v1), (m2, v2) in zip(x, y))
print(("yes" if ok else "NO") + f" ({len(x)} series)")
PY
)
  printf '| `%s` | %d s / %d s | %.1f ms | %.1f ms | %.2f | %s |\n' "$q" "$window" "$step" \
    "$(awk "BEGIN { print $tp * 1000 }")" "$(awk "BEGIN { print $tq * 1000 }")" "$(awk "BEGIN { print $tp / $tq }")" "$same"
done
