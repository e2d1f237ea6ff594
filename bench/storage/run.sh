#!/usr/bin/env bash
# Bytes per sample of the node recording, everything included, in the same run:
#   observe.metrics (observe_ts) after COPY + observe.compact: every internal relation of the
#     storage engine (series dictionary, chunks, options; each with its TOAST and indexes, via
#     pg_total_relation_size) plus observe.metrics itself;
#   heap tables (time, name, labels jsonb, value) loaded by COPY from the same CSV, without an
#     index and with the btree on (name, labels, time) a user would create;
#   Prometheus 2.42's TSDB block built by promtool from the same file (du -sb of the block).
# Also the COPY rates on this real data. Prints a markdown section.
#   bench/storage/run.sh          (needs the bench server: see bench/run.sh)
set -euo pipefail
source "$(dirname "$0")/../tools/common.sh"
db=pgo_storage
csv=$BENCH_WORK/recording.csv

"$(dirname "$0")/load_recording.sh"
source "$BENCH_WORK/load_recording.env"

# copy_heap TABLE INDEX_DDL: a fresh heap table loaded from the CSV; prints the COPY seconds
copy_heap() {
  q -d $db -c "DROP TABLE IF EXISTS $1" \
    -c "CREATE TABLE $1 (time timestamptz, name text, labels jsonb, value float8)" ${2:+-c "$2"}
  q -d $db -c CHECKPOINT
  local t; t=$(now)
  q -d $db -c "\\copy $1 FROM '$csv' (FORMAT csv)"
  elapsed "$t"
}
heap_noidx_s=$(copy_heap heap_noidx "")
heap_idx_s=$(copy_heap heap_idx "CREATE INDEX ON heap_idx (name, labels, time)")
q -d $db -c "VACUUM ANALYZE heap_noidx" -c "VACUUM ANALYZE heap_idx"

samples=$(q -d $db -c "SELECT count(*) FROM heap_noidx")
IFS='|' read -r rows series chunks raw_bytes stored_bytes <<<"$(q -d $db -c \
  "SELECT rows, series, chunks, raw_bytes, stored_bytes FROM observe.storage_stats('observe.metrics')")"
# Every internal relation of the engine (they live in schema observe and start with _ts_).
internal_sql="SELECT c.oid::regclass AS relation, pg_total_relation_size(c.oid) AS bytes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'observe' AND c.relkind = 'r' AND c.relname LIKE '\\_ts\\_%'
 UNION ALL SELECT 'observe.metrics'::regclass, pg_total_relation_size('observe.metrics')"
observe_bytes=$(q -d $db -c "SELECT sum(bytes) FROM ($internal_sql) s")
chunk_data=$(q -d $db -c "SELECT coalesce(sum(octet_length(data)), 0) FROM observe._ts_chunks")
heap_noidx_bytes=$(q -d $db -c "SELECT pg_total_relation_size('heap_noidx')")
heap_idx_bytes=$(q -d $db -c "SELECT pg_total_relation_size('heap_idx')")
heap_idx_index=$(q -d $db -c "SELECT pg_indexes_size('heap_idx')")
block=$(ls -d "$BENCH_WORK"/prom_block/*/ | head -1)
prom_bytes=$(du -sb "$block" | cut -f1)
prom_chunks=$(du -sb "$block/chunks" | cut -f1)
prom_index=$(stat -c %s "$block/index")

bps() { awk -v b="$1" -v n="$samples" 'BEGIN { printf "%.3f", b / n }'; }
rate() { awk -v s="$1" -v n="$samples" 'BEGIN { printf "%.0f", n / s }'; }
obs_bps=$(bps "$observe_bytes")
figure st_obs_bps "$obs_bps"; figure st_prom_bps "$(bps "$prom_bytes")"
figure st_heapidx_bps "$(bps "$heap_idx_bytes")"; figure st_heap_bps "$(bps "$heap_noidx_bytes")"
figure st_copy_obs "$(rate "$copy_s")"; figure st_copy_heap "$(rate "$heap_noidx_s")"
figure st_copy_heapidx "$(rate "$heap_idx_s")"

cat <<MD
## Storage: bytes per sample of the node recording

$(fmt "$samples") samples, $series series (\`$(basename "$RECORDING")\`), loaded the same way into
each store. Command: \`bench/run.sh storage\` (bench/storage/run.sh).

| store | bytes | bytes/sample | vs pg_observe |
|---|---:|---:|---:|
| **pg_observe** \`observe.metrics\` (observe_ts), everything included | $(fmt "$observe_bytes") | **$obs_bps** | 1 |
| Prometheus 2.42 TSDB block (promtool, \`du -sb\` of the block) | $(fmt "$prom_bytes") | $(bps "$prom_bytes") | $(ratio "$prom_bytes" "$observe_bytes" 2)× |
| heap table + btree (name, labels, time) | $(fmt "$heap_idx_bytes") | $(bps "$heap_idx_bytes") | $(ratio "$heap_idx_bytes" "$observe_bytes" 0)× |
| heap table, no index | $(fmt "$heap_noidx_bytes") | $(bps "$heap_noidx_bytes") | $(ratio "$heap_noidx_bytes" "$observe_bytes" 0)× |

Targets: ≤ 1.0 bytes/sample required, ≤ 0.5 goal → **$obs_bps**
($(awk -v b="$obs_bps" 'BEGIN { print (b <= 0.5 ? "goal met" : (b <= 1.0 ? "required met, goal not" : "NOT met")) }')).

Breakdown: pg_observe's chunk payloads $(fmt "$chunk_data") bytes ($(bps "$chunk_data")/sample) in
$chunks chunks for $series series; \`storage_stats\` says stored_bytes $(fmt "$stored_bytes"),
raw_bytes $(fmt "$raw_bytes"). Prometheus: chunks $(fmt "$prom_chunks") ($(bps "$prom_chunks")/sample),
index $(fmt "$prom_index"). Heap + btree: index alone $(fmt "$heap_idx_index").

Every relation counted for pg_observe (\`pg_total_relation_size\`: main fork, FSM, VM, TOAST, indexes):

| relation | bytes |
|---|---:|
$(q -d $db -F ' | ' -c "SELECT '| ' || relation, to_char(bytes, 'FM999,999,999,990') || ' |' FROM ($internal_sql) s ORDER BY 1")

### COPY of the same CSV (real data)

| target | seconds | samples/s | vs heap + btree |
|---|---:|---:|---:|
| pg_observe \`observe.metrics\` (COPY, then \`observe.compact\`: ${compact_s} s) | $copy_s | $(fmt "$(rate "$copy_s")") | $(ratio "$heap_idx_s" "$copy_s")× |
| heap, no index | $heap_noidx_s | $(fmt "$(rate "$heap_noidx_s")") | $(ratio "$heap_idx_s" "$heap_noidx_s")× |
| heap + btree (name, labels, time) | $heap_idx_s | $(fmt "$(rate "$heap_idx_s")") | 1× |
| promtool create-blocks-from openmetrics (parses the text itself) | $promtool_s | $(fmt "$(rate "$promtool_s")") | $(ratio "$heap_idx_s" "$promtool_s")× |

MD
