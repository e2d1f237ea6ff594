#!/usr/bin/env bash
# Every benchmark in one command; prints a markdown report (also saved as $BENCH_WORK/report.md).
# Starts its own PostgreSQL server (fresh data directory, the settings below, the same for the
# heap baselines and observe_ts) unless BENCH_EXTERNAL_SERVER=1 (then PGHOST/PGPORT/PGUSER).
#
#   bench/run.sh [storage promql codec parser decode grafana scrape ingest query logs|logql logs_layouts logwrite kafka http rules rules_backfill]
#   (default: all but logs, logs_layouts, logwrite, kafka, http and rules, in order)
#
# Environment: BENCH_WORK (scratch, default /tmp/pgo_perf/work), BENCH_PGDATA, PGPORT (5495),
# RECORDING, HOSTS/HOURS/INSERT_ROWS (ingest size), RUNS (query repetitions). See bench/README.md.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tools/common.sh"
export BENCH_PGDATA=${BENCH_PGDATA:-/tmp/pgo_perf/pg}
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(storage promql codec parser decode grafana scrape write_path ingest query)  # the long ingest last
logs=$BENCH_WORK/logs
mkdir -p "$logs"

if [ "${BENCH_EXTERNAL_SERVER:-0}" != 1 ]; then
  "$BENCH_REPO/scripts/pg_server.sh" stop "$BENCH_PGDATA" 2>/dev/null
  rm -rf "$BENCH_PGDATA"
  # TCP logins need a password (scripts/pg_server.sh): the server is created with this one.
  export PGPASSWORD=${PGPASSWORD:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}
  # Realistic settings for a metrics server; no synchronous_commit=off or other shortcuts.
  "$BENCH_REPO/scripts/pg_server.sh" start "$BENCH_PGDATA" "$PGPORT" \
    "shared_buffers = 2GB" "max_wal_size = 8GB" "checkpoint_timeout = 30min" \
    "work_mem = 64MB" "maintenance_work_mem = 1GB" || exit 1
  trap '"$BENCH_REPO/scripts/pg_server.sh" stop "$BENCH_PGDATA"' EXIT
fi

commit=${BENCH_COMMIT:-$(git -C "$BENCH_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)}
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
report=$BENCH_WORK/report.md
header=$BENCH_WORK/report.header.md
body=$BENCH_WORK/report.body.md
: > "$BENCH_WORK/figures.env"
: > "$body"
{
  echo "# pg_observe benchmark report"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit"
  echo "- machine: $(nproc) cores ($cpu), $mem RAM, $(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  pgver=$(psql -X -At -d postgres -c 'SELECT version()' | cut -d, -f1)
  extver=$(psql -X -At -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'pg_observe'")
  echo "- $pgver; pg_observe $extver; $(prometheus --version 2>&1 | head -1 | cut -d' ' -f1-3)"
  echo "- server settings: $(psql -X -At -d postgres -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'work_mem', 'maintenance_work_mem', 'synchronous_commit', 'fsync', 'wal_level')")"
  echo
} > "$header"

# code_block CMD...: a benchmark that prints plain text, kept verbatim
code_block() { echo '```'; "$@"; local rc=$?; echo '```'; return $rc; }

for part in "${parts[@]}"; do
  t=$(now)
  case $part in
    storage|ingest|query|promql|write_path) cmd=("$here/$part/run.sh") ;;
    logs|logql) cmd=("$here/logsql/run.sh") ;;  # logql: the name issue 14 gives this part
    logwrite)
      echo "## Log writes: push_loki, COPY and delete_logs on the log recording (bench/logwrite, separate run)" >>"$body"
      echo >>"$body"
      echo "Command: \`bench/run.sh logwrite\` (bench/logwrite/run.sh)." >>"$body"
      echo >>"$body"
      cmd=("$here/logwrite/run.sh") ;;
    logs_layouts)
      build_tools bench_logs >"$logs/logs_layouts.build.log" 2>&1
      echo "## Log chunk layouts on the log recording (bench/logs)" >>"$body"
      echo >>"$body"
      echo "Command: \`${BENCH_BUILD#$BENCH_REPO/}/bench/logs/bench_logs\` (in-process: bytes/line of the chunk layouts, needle chunks-read, decode + filter GB/s)." >>"$body"
      echo >>"$body"
      cmd=(code_block "$BENCH_BUILD/bench/logs/bench_logs" "$BENCH_REPO/../shared/data/log-recording/lines.jsonl.zst") ;;
    codec)
      build_tools bench_codec >"$logs/codec.build.log" 2>&1
      echo "## Codec: the chunk format on the node recording (bench/codec)" >>"$body"
      echo >>"$body"
      echo "Command: \`${BENCH_BUILD#$BENCH_REPO/}/bench/codec/bench_codec \$RECORDING\` (bytes/sample of the chunk payload plus a per-chunk row overhead for several chunk sizes; encode/decode samples per CPU-second)." >>"$body"
      echo >>"$body"
      cmd=(code_block "$BENCH_BUILD/bench/codec/bench_codec" "$RECORDING") ;;
    parser)
      echo "## Parser: exposition parsing throughput (bench/parser)" >>"$body"
      echo >>"$body"
      echo "Command: \`bench/parser/run.sh\` (a live node exporter payload and the node recording; Google Benchmark)." >>"$body"
      echo >>"$body"
      cmd=(code_block env RECORDING="$RECORDING" "$here/parser/run.sh") ;;
    decode)
      build_tools bench_ingest_decode >"$logs/decode.build.log" 2>&1
      echo "## Push decoders: Loki push and remote_write decode throughput (bench/ingest/bench_ingest_decode)" >>"$body"
      echo >>"$body"
      echo "Command: \`${BENCH_BUILD#$BENCH_REPO/}/bench/ingest/bench_ingest_decode --logs=\$LOG_RECORDING --node=\$RECORDING\` (the first 200 MB of log lines as ~1 MB Loki pushes in JSON, JSON + gzip and protobuf + snappy, MB/s of raw line bytes per CPU-second; 2,000,000 node recording samples as 2,000-sample remote_write requests, one sample per series, samples per CPU-second; best of 3)." >>"$body"
      echo >>"$body"
      cmd=("$BENCH_BUILD/bench/ingest/bench_ingest_decode" "--logs=${LOG_RECORDING:-$BENCH_REPO/../shared/data/log-recording/lines.jsonl.zst}" "--node=$RECORDING") ;;
    grafana)
      echo "## Grafana: node dashboard query latency (bench/grafana)" >>"$body"
      echo >>"$body"
      echo "Command: \`bench/grafana/run.sh\` (6 h of ~1,000 series at 15 s, every panel query as Grafana sends it; budget 100 ms; heap baseline where a panel reads observe.metrics directly)." >>"$body"
      echo >>"$body"
      cmd=(code_block "$here/grafana/run.sh") ;;
    scrape)
      echo "## Scrape worker: CPU per scraped sample beside Prometheus (bench/scrape)" >>"$body"
      echo >>"$body"
      # SCRAPE_TARGETS x SCRAPE_SERIES (default 200 x 500, 2 minutes); issue 18's scale load is
      # SCRAPE_TARGETS=1000 SCRAPE_SERIES=1000 SCRAPE_WINDOW=120 (WARMUP 150 s: about 6 minutes).
      st=${SCRAPE_TARGETS:-200}; ss=${SCRAPE_SERIES:-500}; sw=${SCRAPE_WINDOW:-60}
      if [ "$st" -ge 1000 ] && [ -z "${WARMUP:-}" ]; then export WARMUP=150; fi
      echo "Command: \`${WARMUP:+WARMUP=$WARMUP }${CHURN:+CHURN=$CHURN }bench/scrape/run.sh $st $ss 15 $sw\` ($st fixture targets x $ss series every 15 s, scraped at once by the worker and by Prometheus 2.42; CPU seconds of each process over $sw s per sample scraped, CPU over the warm-up when the series are created, peak memory)." >>"$body"
      echo >>"$body"
      psql -X -q -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_observe" >/dev/null
      cmd=("$here/scrape/run.sh" "$st" "$ss" 15 "$sw") ;;
    rules)
      echo "## Recording rules beside Prometheus: 10,000 rules every 15 s (bench/rules)" >>"$body"
      echo >>"$body"
      echo "Command: \`bench/run.sh rules\` (bench/rules/run.sh: its own server with the HTTP API and the rules worker, Debian's prometheus on loopback; the same data remote-written and the same rule file loaded into both; CPU of the rules worker and of prometheus over 60 s)." >>"$body"
      echo >>"$body"
      cmd=("$here/rules/run.sh") ;;
    rules_backfill) cmd=("$here/rules/backfill.sh") ;;
    http)
      echo "## HTTP API beside Prometheus: remote_write ingest and query_range (bench/http)" >>"$body"
      echo >>"$body"
      echo "Command: \`bench/run.sh http\` (bench/http/run.sh: its own server with the HTTP API and Debian's prometheus on loopback, the same remote_write requests and query_range calls to both)." >>"$body"
      echo >>"$body"
      cmd=("$here/http/run.sh") ;;
    kafka)
      cmake --build "$BENCH_REPO/build" --target kafka_mock_broker >"$logs/kafka.build.log" 2>&1
      echo "## Kafka: messages/s into observe_log beside kcat | COPY and a bare consumer (bench/kafka)" >>"$body"
      echo >>"$body"
      echo "Command: \`bench/kafka/run.sh 300000 24\` (300,000 200-byte JSON log lines on librdkafka's mock cluster, consumed by a bare librdkafka consumer, by kcat piped into COPY on a heap table, and by one pg_observe Kafka worker into an observe_log table)." >>"$body"
      echo >>"$body"
      psql -X -q -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_observe" >/dev/null
      cmd=("$here/kafka/run.sh" 300000 24) ;;
    *) echo "run.sh: unknown part $part" >&2; exit 2 ;;
  esac
  echo "run.sh: $part ..." >&2
  "${cmd[@]}" >>"$body" 2>"$logs/$part.log"
  rc=$?
  [ $rc -eq 0 ] || printf '\n**%s failed (exit %d)**: see %s\n' "$part" "$rc" "$logs/$part.log" >>"$body"
  printf '\n_%s: %s s wall time._\n\n' "$part" "$(elapsed "$t")" >>"$body"
  echo "run.sh: $part done in $(elapsed "$t") s (exit $rc)" >&2
done
echo "_Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)._" >>"$body"
{ cat "$header"; "$here/tools/summary.sh" "$BENCH_WORK/figures.env"; cat "$body"; } > "$report"
cat "$report"
