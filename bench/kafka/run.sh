#!/usr/bin/env bash
# Kafka ingestion speed on librdkafka's mock cluster (test/kafka/mock_broker.cpp), three ways
# over the same topic in one run (markdown on stdout):
#   1. a bare librdkafka high-level consumer (the broker's ceiling on this machine);
#   2. `kcat -C | psql COPY` into a heap table (the usual glue; one row per line of a message);
#   3. pg_observe's Kafka worker (one consumer) into an observe_log table (json_lines format) or,
#      for exposition payloads, an observe_ts table (prometheus_text format).
# MESSAGES messages of FORMAT are produced first over PARTITIONS partitions (the mock keeps at
# most 5 MiB per partition: more partitions for bigger messages). FORMAT (env KAFKA_FORMAT):
#   json_lines_200 (default) / json_lines_1000  JSON log lines of 200 / 1,000 bytes
#   prometheus_text_100  exposition payloads of 100 series (~7 KB, 100 samples a message)
# Needs a pg_observe server with a Kafka worker (PGHOST/PGPORT/PGUSER; the worker works in
# `postgres`) and the fixture built (cmake --build build). End-to-end latency: bench/kafka/latency.sh.
#   [KAFKA_FORMAT=...] bench/kafka/run.sh [MESSAGES] [PARTITIONS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MESSAGES=${1:-300000}
PARTITIONS=${2:-24}
FORMAT=${KAFKA_FORMAT:-json_lines_200}
case $FORMAT in
  json_lines_200 | json_lines_1000) KIND=logs ROWS_PER_MESSAGE=1 ;;
  prometheus_text_100) KIND=metrics ROWS_PER_MESSAGE=100 ;;
  *) echo "unknown KAFKA_FORMAT $FORMAT" >&2; exit 2 ;;
esac
WORK=$(mktemp -d /tmp/pgo_kafka_bench.XXXXXX)
q() { psql -X -qtA -v ON_ERROR_STOP=1 -d postgres "$@"; }
now() { date +%s.%N; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
bench_cleanup() {
  q -c "DELETE FROM observe.kafka_sources WHERE name = 'bench'" >/dev/null 2>&1 || true
  q -c "DROP TABLE IF EXISTS kafka_bench_logs, kafka_bench_metrics, kafka_bench_heap" >/dev/null 2>&1 || true
}
# shellcheck source=bench/kafka/mock.sh
. "$ROOT/bench/kafka/mock.sh"
echo "create bench $PARTITIONS" >&3
t0=$(now)
echo "produce bench $FORMAT 0 $MESSAGES 0" >&3
echo "wait" >&3
for _ in $(seq 1200); do grep -q '^IDLE' "$WORK/mock.out" && break; sleep 0.1; done
produce_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
grep -q '^IDLE failed=0' "$WORK/mock.out" || { echo "producing failed"; cat "$WORK/mock.out"; exit 1; }

# 1. the ceiling
read -r _ bare_n bare_s bare_rate bare_mbs < <("$MOCK" consume "$BOOT" bench "$MESSAGES")

# 2. kcat | COPY into heap (simple consumer, no group join)
# Its CPU: kcat's and psql's (time -f) and the COPY backend's (its /proc stat, read in the same
# session after the COPY).
q -c "CREATE TABLE kafka_bench_heap (line text)"
hz=$(getconf CLK_TCK)
t0=$(now)
/usr/bin/time -f "%U %S" -o "$WORK/kcat.cpu" kcat -C -b "$BOOT" -t bench -o beginning -e -q -f '%s\n' |
  /usr/bin/time -f "%U %S" -o "$WORK/psql.cpu" psql -X -qtA -v ON_ERROR_STOP=1 -d postgres \
    -c "COPY kafka_bench_heap (line) FROM STDIN" -c "SELECT pg_read_file('/proc/' || pg_backend_pid() || '/stat')" >"$WORK/backend.stat"
copy_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
copy_n=$(q -c "SELECT count(*) FROM kafka_bench_heap")
copy_cpu=$(awk -v hz="$hz" 'FILENAME ~ /stat$/ { sub(/.*\) /, ""); split($0, f, " "); c += (f[12] + f[13]) / hz; next }
                           { c += $1 + $2 } END { printf "%.2f", c }' "$WORK/kcat.cpu" "$WORK/psql.cpu" "$WORK/backend.stat")

# 3. the worker
if [ "$KIND" = logs ]; then
  TARGET=kafka_bench_logs
  q -c "CREATE TABLE kafka_bench_logs (time timestamptz, labels jsonb, line text, metadata jsonb) USING observe_log"
  SOURCE_FORMAT=json_lines
  FORMAT_OPTIONS='{"time_field": "ts", "line_field": "msg", "label_fields": {"app": "app", "level": "level"}}'
else
  TARGET=kafka_bench_metrics
  q -c "CREATE TABLE kafka_bench_metrics (time timestamptz NOT NULL, name text NOT NULL, labels jsonb NOT NULL DEFAULT '{}', value float8) USING observe_ts"
  SOURCE_FORMAT=prometheus_text
  FORMAT_OPTIONS='{}'
fi
q -v boot="$BOOT" -v target="$TARGET" -v format="$SOURCE_FORMAT" -v fopts="$FORMAT_OPTIONS" <<'SQL'
INSERT INTO observe.kafka_sources (name, brokers, topics, format, format_options, target, options)
VALUES ('bench', :'boot', '{bench}', :'format', :'fopts', :'target', '{"session.timeout.ms": "6000"}');
SQL
offsets() { q -c "SELECT coalesce(sum(next_offset), 0) FROM observe.kafka_offsets WHERE source = 'bench'"; }
s0=0
for _ in $(seq 2000); do s0=$(offsets); [ "$s0" -gt 0 ] && break; sleep 0.05; done
t_start=$(now)
pid=$(q -c "SELECT pid FROM observe._kafka_consumer_status WHERE source = 'bench'")
[ -n "$pid" ] || pid=$(pgrep -f "pg_observe kafka worker 0" | head -1)
# The WAL writer's CPU too: what the worker's commits leave to it (asynchronous commits).
walwriter=$(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'")
c_start=$(cpu_seconds "$pid")
ww_start=$(cpu_seconds "$walwriter")
for _ in $(seq 6000); do [ "$(offsets)" -ge "$MESSAGES" ] && break; sleep 0.05; done
t_end=$(now)
c_end=$(cpu_seconds "$pid")
ww_end=$(cpu_seconds "$walwriter")
ww_cpu=$(awk -v a="$ww_start" -v b="$ww_end" 'BEGIN { printf "%.2f", b - a }')
stored=$(q -c "SELECT count(*) FROM $TARGET")
read -r w_s w_rate w_cpu w_per_cpu < <(awk -v a="$t_start" -v b="$t_end" -v n=$((MESSAGES - s0)) -v c0="$c_start" -v c1="$c_end" \
  'BEGIN { s = b - a; c = c1 - c0; printf "%.3f %.0f %.2f %.0f\n", s, n / s, c, (c > 0 ? n / c : 0) }')
# kcat reads every message (-e: until the end); an exposition payload is several lines (rows)
copy_rate=$(awk -v n="$MESSAGES" -v s="$copy_s" 'BEGIN { printf "%.0f", n / s }')
# bytes a message, from the bare consumer's messages/s and MB/s
msg_bytes=$(awk -v r="$bare_rate" -v m="$bare_mbs" 'BEGIN { printf "%.0f", m * 1e6 / r }')
mbs() { awk -v r="$1" -v b="$msg_bytes" 'BEGIN { printf "%.1f", r * b / 1e6 }'; }
expected_rows=$((MESSAGES * ROWS_PER_MESSAGE))
rows_note="rows"
[ "$KIND" = metrics ] && rows_note="samples (100 a message)"

echo "Produced $MESSAGES messages of $FORMAT (~$msg_bytes bytes each) over $PARTITIONS partitions in ${produce_s} s, then consumed them three ways (machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end):"
echo
echo "| path | messages | seconds | messages/s | MB/s | vs. ceiling |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| bare librdkafka consumer (ceiling) | $bare_n | $bare_s | $bare_rate | $bare_mbs | 1.00 |"
echo "| kcat -C \| psql COPY into heap (a row a line) | $MESSAGES ($copy_n rows) | $copy_s | $copy_rate | $(mbs "$copy_rate") | $(awk -v a="$copy_rate" -v b="$bare_rate" 'BEGIN { printf "%.2f", a / b }') |"
echo "| pg_observe worker → $TARGET ($SOURCE_FORMAT) | $((MESSAGES - s0)) | $w_s | $w_rate | $(mbs "$w_rate") | $(awk -v a="$w_rate" -v b="$bare_rate" 'BEGIN { printf "%.2f", a / b }') |"
echo
copy_per_cpu=$(awk -v n="$MESSAGES" -v c="$copy_cpu" 'BEGIN { printf "%.0f", (c > 0 ? n / c : 0) }')
ww_per_cpu=$(awk -v n=$((MESSAGES - s0)) -v c="$w_cpu" -v w="$ww_cpu" 'BEGIN { printf "%.0f", (c + w > 0 ? n / (c + w) : 0) }')
echo "The worker's process used $w_cpu CPU-seconds: $w_per_cpu messages per CPU-second ($(mbs "$w_per_cpu") MB per CPU-second); $(awk -v a="$w_rate" -v b="$copy_rate" 'BEGIN { printf "%.2f", a / b }')x kcat | COPY. Its time runs from its first commit (the group join, about 3 s on the mock, excluded) to the last; $rows_note stored: $stored (must equal $expected_rows)."
echo
echo "Per CPU-second: kcat | COPY used $copy_cpu CPU-seconds (kcat, psql and the COPY backend): $copy_per_cpu messages per CPU-second; the worker $(awk -v a="$w_per_cpu" -v b="$copy_per_cpu" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')x that. The WAL writer used $ww_cpu CPU-seconds during the worker's time: worker + WAL writer $ww_per_cpu messages per CPU-second."
echo
echo "KAFKA_BENCH format=$FORMAT bare=$bare_rate copy=$copy_rate copy_cpu=$copy_cpu copy_per_cpu=$copy_per_cpu worker=$w_rate worker_cpu=$w_cpu worker_per_cpu=$w_per_cpu walwriter_cpu=$ww_cpu worker_ww_per_cpu=$ww_per_cpu vs_bare=$(awk -v a="$w_rate" -v b="$bare_rate" 'BEGIN { printf "%.2f", a / b }') vs_copy=$(awk -v a="$w_rate" -v b="$copy_rate" 'BEGIN { printf "%.2f", a / b }') vs_copy_cpu=$(awk -v a="$w_per_cpu" -v b="$copy_per_cpu" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
[ "$stored" = "$expected_rows" ]
