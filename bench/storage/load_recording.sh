#!/usr/bin/env bash
# Loads the node recording into observe.metrics of database pgo_storage (COPY of om_to_csv's
# CSV, then observe.compact) and builds Prometheus's block from the same file with promtool.
# Writes the timings to $BENCH_WORK/load_recording.env. With --if-missing it does nothing when
# both are already there (bench/promql reuses them).
#   bench/storage/load_recording.sh [--if-missing]
set -euo pipefail
source "$(dirname "$0")/../tools/common.sh"
csv=$BENCH_WORK/recording.csv
block_dir=$BENCH_WORK/prom_block

if [ "${1:-}" = --if-missing ] && [ -f "$BENCH_WORK/load_recording.env" ] && [ -d "$block_dir" ] &&
   [ "$(q -d pgo_storage -c 'SELECT rows FROM observe.storage_stats($$observe.metrics$$)' 2>/dev/null)" = \
     "$(awk '$1 == "samples" { print $2 }' "$(dirname "$RECORDING")/STATS")" ]; then
  exit 0
fi

build_tools om_to_csv
if [ ! -s "$csv" ]; then
  zstd -dc "$RECORDING" | "$BENCH_BUILD/bench/tools/om_to_csv" > "$csv.tmp" 2>/dev/null
  mv "$csv.tmp" "$csv"
fi
chmod 644 "$csv"

fresh_db pgo_storage
q -d pgo_storage -c CHECKPOINT
t=$(now)
q -d pgo_storage -c "\\copy observe.metrics FROM '$csv' (FORMAT csv)"
copy_s=$(elapsed "$t")
t=$(now)
q -d pgo_storage -c "SELECT observe.compact('observe.metrics')" >/dev/null
compact_s=$(elapsed "$t")
# Steady state, as the maintenance worker and autovacuum leave it.
q -d pgo_storage -c "VACUUM ANALYZE"

# Prometheus's own TSDB block from the very same file.
rm -rf "$block_dir" "$BENCH_WORK/recording.om"
zstd -dc "$RECORDING" > "$BENCH_WORK/recording.om"
mkdir -p "$block_dir"
t=$(now)
promtool tsdb create-blocks-from openmetrics "$BENCH_WORK/recording.om" "$block_dir" >/dev/null
promtool_s=$(elapsed "$t")
rm -f "$BENCH_WORK/recording.om"

cat > "$BENCH_WORK/load_recording.env" <<ENV
copy_s=$copy_s
compact_s=$compact_s
promtool_s=$promtool_s
ENV
