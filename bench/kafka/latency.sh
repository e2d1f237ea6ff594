#!/usr/bin/env bash
# End-to-end latency of the Kafka worker, from produce to visible in SQL (issue 15: p99 <= 1 s
# at half the worker's throughput). On librdkafka's mock cluster (test/kafka/mock_broker.cpp):
# a source on an empty topic joins its group first; then the fixture produces 200-byte JSON log
# lines at RATE messages/s for SECONDS, message i to partition i % PARTITIONS (so its offset is
# i / PARTITIONS) and no earlier than START + i / RATE. A poller reads observe.kafka_offsets every
# 10 ms: the worker commits rows and offsets in one transaction, so when a partition's next
# offset passes o, message p + o * PARTITIONS has just become visible. Its latency is the poll's
# time minus START + i / RATE: an upper bound (a late producer or a 10 ms poll only add to it).
# The producer's own linger (100 ms, the fixture's setting for big batches) counts too.
#   bench/kafka/latency.sh [RATE] [SECONDS] [PARTITIONS]
# Needs a pg_observe server with a Kafka worker (PGHOST/PGPORT/PGUSER; the worker works in
# `postgres`) and Debian's python3 with python3-psycopg2 (scripts/install-deps.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RATE=${1:-250000}
SECONDS_RUN=${2:-10}
PARTITIONS=${3:-48}
# librdkafka properties of the source (observe.kafka_sources.options). fetch.wait.max.ms: the
# 2.0.2 mock answers a Fetch that finds no new data only after the full wait (500 ms by default),
# even when data arrives meanwhile, where a real broker answers as soon as data is there
# (measured at 10k msgs/s: p50 601 ms with 500, 276 ms with 100).
KAFKA_OPTIONS=${KAFKA_OPTIONS:-'{"session.timeout.ms": "6000", "fetch.wait.max.ms": "100"}'}
MESSAGES=$(awk -v r="$RATE" -v s="$SECONDS_RUN" 'BEGIN { printf "%d", r * s }')
WORK=$(mktemp -d /tmp/pgo_kafka_latency.XXXXXX)
q() { psql -X -qtA -v ON_ERROR_STOP=1 -d postgres "$@"; }
bench_cleanup() {
  q -c "DELETE FROM observe.kafka_sources WHERE name = 'bench_latency'" >/dev/null 2>&1 || true
  q -c "DROP TABLE IF EXISTS kafka_latency_logs" >/dev/null 2>&1 || true
}
# shellcheck source=bench/kafka/mock.sh
. "$ROOT/bench/kafka/mock.sh"
echo "create latency $PARTITIONS" >&3

q -c "CREATE TABLE kafka_latency_logs (time timestamptz, labels jsonb, line text, metadata jsonb) USING observe_log"
q -v boot="$BOOT" -v kopts="$KAFKA_OPTIONS" <<'SQL'
INSERT INTO observe.kafka_sources (name, brokers, topics, format, format_options, target, options)
VALUES ('bench_latency', :'boot', '{latency}', 'json_lines',
        '{"time_field": "ts", "line_field": "msg", "label_fields": {"app": "app", "level": "level"}}',
        'kafka_latency_logs', :'kopts');
SQL
# Wait until the consumer holds every partition (the group join is not latency).
for _ in $(seq 600); do
  n=$(q -c "SELECT coalesce(sum(cardinality(assigned)), 0) FROM observe.kafka_status WHERE source = 'bench_latency'")
  [ "$n" -ge "$PARTITIONS" ] && break
  sleep 0.1
done
[ "$n" -ge "$PARTITIONS" ] || { echo "the worker did not take the partitions ($n of $PARTITIONS)"; exit 1; }
sleep 1

/usr/bin/python3 - "$WORK/mock.out" "$RATE" "$PARTITIONS" "$MESSAGES" "$SECONDS_RUN" 3>&3 <<'PY'
import os, re, sys, time
import psycopg2

mock_out, rate, partitions, messages, seconds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
conn = psycopg2.connect(dbname="postgres")
conn.autocommit = True
cur = conn.cursor()
cmd = os.fdopen(3, "w")
cmd.write(f"produce_timed latency json_lines_200 0 {messages} {rate} {partitions}\n")
cmd.flush()
start = None
deadline = time.time() + seconds + 60
while start is None and time.time() < deadline:
    m = re.search(r"^START ([0-9.]+)$", open(mock_out).read(), re.M)
    start = float(m.group(1)) if m else None
    time.sleep(0.01)
if start is None:
    sys.exit("the fixture did not start producing")
seen = [0] * partitions
latencies = []
by_second = {}  # second of producing -> latencies of its messages
polls = 0
while sum(seen) < messages and time.time() < deadline:
    cur.execute("SELECT \"partition\", next_offset FROM observe.kafka_offsets WHERE source = 'bench_latency'")
    now = time.time()
    polls += 1
    for p, nxt in cur.fetchall():
        for o in range(seen[p], nxt):
            i = p + o * partitions
            latency = now - (start + i / rate)
            latencies.append(latency)
            by_second.setdefault(int(i / rate), []).append(latency)
        seen[p] = max(seen[p], nxt)
    time.sleep(0.01)
cur.execute("SELECT count(*) FROM kafka_latency_logs")
stored = cur.fetchone()[0]
def pct(values, x):  # ms at quantile x of sorted values
    return values[min(len(values) - 1, int(x * len(values)))] * 1000
latencies.sort()
# p99 of each second of producing: a worker that falls behind shows a rising line
trend = [f"{pct(sorted(v), 0.99):.0f}" for _, v in sorted(by_second.items())]
print(f"{len(latencies)} of {messages} messages visible ({stored} rows stored), {polls} polls")
print(f"| rate msgs/s | seconds | partitions | p50 ms | p90 ms | p99 ms | max ms |")
print(f"|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {rate:.0f} | {seconds:g} | {partitions} | {pct(latencies, 0.5):.0f} | {pct(latencies, 0.9):.0f} | {pct(latencies, 0.99):.0f} | {latencies[-1] * 1000:.0f} |")
print("p99 ms of each second of producing: " + " ".join(trend))
sys.exit(0 if len(latencies) == messages and stored == messages else 1)
PY
echo "(load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
