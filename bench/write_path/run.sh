#!/usr/bin/env bash
# The scrape worker's write path without HTTP or text parsing: SCRAPES scrapes of SERIES series
# with LABELS labels each, written through the worker's own MetricsWriter (cached series ids, the
# flat write buffer, an L0 batch row at commit) by bench.write_scrape, one transaction per scrape
# as the worker commits them, into observe.metrics of an empty database. Samples per second of
# the backend's CPU time (and of wall time, commits and fsync included). Prints a markdown
# section.
#   SERIES=1000 LABELS=12 SCRAPES=300 bench/write_path/run.sh
set -euo pipefail
source "$(dirname "$0")/../tools/common.sh"
SERIES=${SERIES:-1000}
LABELS=${LABELS:-12}
SCRAPES=${SCRAPES:-300}
db=pgo_write
work=$(mktemp -d "$BENCH_WORK/write_path.XXXXXX")
trap 'rm -rf "$work"; q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
fresh_db $db
q -d $db -c "CREATE SCHEMA bench" \
  -c "CREATE FUNCTION bench.write_scrape(int, int, int8) RETURNS int8
        AS 'pg_observe', 'observe_bench_write_scrape' LANGUAGE C STRICT"
t0_ms=1795392000000
hz=$(getconf CLK_TCK)
{
  echo "SELECT pg_backend_pid() AS pid \\gset"
  echo "\\setenv BACKEND_PID :pid"
  # The first scrape creates the series (dictionary inserts): not timed, as in a worker's
  # steady state.
  echo "SELECT bench.write_scrape($SERIES, $LABELS, $t0_ms);"
  echo "\\! awk '{ print \$14 + \$15 }' /proc/\$BACKEND_PID/stat > $work/cpu0; date +%s.%N > $work/wall0"
  for i in $(seq 1 "$SCRAPES"); do
    echo "SELECT bench.write_scrape($SERIES, $LABELS, $(( t0_ms + i * 15000 )));"
  done
  echo "\\! awk '{ print \$14 + \$15 }' /proc/\$BACKEND_PID/stat > $work/cpu1; date +%s.%N > $work/wall1"
} | q -d $db >/dev/null
cpu=$(awk -v a="$(cat "$work/cpu0")" -v b="$(cat "$work/cpu1")" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz }')
wall=$(awk -v a="$(cat "$work/wall0")" -v b="$(cat "$work/wall1")" 'BEGIN { printf "%.3f", b - a }')
samples=$(( SERIES * SCRAPES ))
rows=$(q -d $db -c "SELECT rows FROM observe.storage_stats('observe.metrics')")
[ "$rows" = $(( SERIES * (SCRAPES + 1) )) ] || { echo "write_path: $rows rows, expected $(( SERIES * (SCRAPES + 1) ))" >&2; exit 1; }
per_cpu=$(awk -v n="$samples" -v s="$cpu" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
per_wall=$(awk -v n="$samples" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')
figure wp_cpu "$per_cpu"
figure wp_wall "$per_wall"
cat <<MD
## Workers' write path without parsing (bench/write_path)

$(fmt "$SCRAPES") scrapes of $(fmt "$SERIES") series with $LABELS labels each (one transaction per
scrape, as the worker commits them; the series created by a first, untimed scrape) written
through the scrape worker's own \`MetricsWriter\` by \`bench.write_scrape\` (\`src/pg/module/bench_entry.cpp\`):
no HTTP, no text parsing. Command: \`bench/run.sh write_path\` (bench/write_path/run.sh;
SERIES, LABELS, SCRAPES).

| samples | backend CPU s | samples per CPU-second | wall s (commits, fsync) | samples per wall second |
|---:|---:|---:|---:|---:|
| $(fmt "$samples") | $cpu | **$(fmt "$per_cpu")** | $wall | $(fmt "$per_wall") |

Target: ≥ 1,000,000 samples/s on one core.
MD
