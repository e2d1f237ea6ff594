#!/usr/bin/env bash
# Ingest rate in samples/s of the synthetic devops set (bench/tools/gen_devops: HOSTS hosts x 10
# metrics x HOURS at 10 s, time-major like a fleet of scrapers) into observe.metrics and into a
# heap table of the same shape without index and with btree (name, labels, time), same run:
#   COPY (CSV streamed from the generator through psql) of the whole set, into database
#     pgo_ingest, which bench/query then queries;
#   multi-row INSERT (ROWS_PER_INSERT rows a statement) of the first INSERT_ROWS rows, each
#     statement committed on its own (autocommit) and all in one transaction (psql -1);
#   the workers' write path: observe.ingest_prometheus_text (parser + the writer the scrape
#     worker uses) fed the node recording in PAYLOAD_MB pieces, net of reading the files.
# Prints a markdown section.
#   HOSTS=100 HOURS=24 INSERT_ROWS=500000 bench/ingest/run.sh
set -euo pipefail
source "$(dirname "$0")/../tools/common.sh"
HOSTS=${HOSTS:-100}
HOURS=${HOURS:-24}
INSERT_ROWS=${INSERT_ROWS:-500000}
ROWS_PER_INSERT=${ROWS_PER_INSERT:-1000}
PAYLOAD_MB=${PAYLOAD_MB:-32}
build_tools gen_devops
gen=$BENCH_BUILD/bench/tools/gen_devops
genflags="--hosts=$HOSTS --hours=$HOURS --interval=10"
heap_ddl="(time timestamptz, name text, labels jsonb, value float8)"

# create_targets DB: observe.metrics comes with the extension; the two heap baselines
create_targets() {
  fresh_db "$1"
  q -d "$1" -c "CREATE TABLE heap_noidx $heap_ddl" -c "CREATE TABLE heap_idx $heap_ddl" \
    -c "CREATE INDEX ON heap_idx (name, labels, time)"
}

# load DB TABLE MODE: streams the generator into TABLE; prints seconds
load() {
  local db=$1 table=$2 mode=$3 t
  q -d "$db" -c CHECKPOINT
  t=$(now)
  case $mode in
    copy) "$gen" $genflags 2>/dev/null | q -d "$db" -c "COPY $table FROM STDIN (FORMAT csv)" ;;
    insert) "$gen" $genflags --format=insert --table="$table" --max-rows="$INSERT_ROWS" \
              --rows-per-insert="$ROWS_PER_INSERT" 2>/dev/null | q -d "$db" >/dev/null ;;
    insert1) "$gen" $genflags --format=insert --table="$table" --max-rows="$INSERT_ROWS" \
              --rows-per-insert="$ROWS_PER_INSERT" 2>/dev/null | q -1 -d "$db" >/dev/null ;;
  esac
  elapsed "$t"
}

declare -A secs
create_targets pgo_ingest
for table in observe.metrics heap_noidx heap_idx; do
  secs[copy,$table]=$(load pgo_ingest $table copy)
done
total=$(q -d pgo_ingest -c "SELECT count(*) FROM heap_noidx")
nseries=$(q -d pgo_ingest -c "SELECT series FROM observe.storage_stats('observe.metrics')")

for mode in insert insert1; do
  create_targets pgo_insert
  for table in observe.metrics heap_noidx heap_idx; do
    secs[$mode,$table]=$(load pgo_insert $table $mode)
  done
done
inserted=$(q -d pgo_insert -c "SELECT count(*) FROM heap_noidx")
q -d postgres -c "DROP DATABASE pgo_insert"

# The workers' write path on the real recording, in payloads of PAYLOAD_MB.
pieces=$BENCH_WORK/payloads
rm -rf "$pieces" && mkdir -p "$pieces"
zstd -dc "$RECORDING" | split -C "${PAYLOAD_MB}m" - "$pieces/p."
for f in "$pieces"/p.*; do
  grep -q '^# EOF' "$f" || echo '# EOF' >> "$f"   # each payload is a whole OpenMetrics exposition
done
chmod -R a+rX "$pieces"
fresh_db pgo_worker
run_files() {  # run_files SQL_WITH_%s: one statement per payload file; prints seconds
  local t; t=$(now)
  for f in "$pieces"/p.*; do printf "$1;\n" "$f"; done | q -d pgo_worker >/dev/null
  elapsed "$t"
}
read_s=$(run_files "SELECT length(pg_read_file('%s'))")
worker_gross_s=$(run_files "SELECT observe.ingest_prometheus_text(pg_read_file('%s'))")
worker_rows=$(q -d pgo_worker -c "SELECT rows FROM observe.storage_stats('observe.metrics')")
worker_s=$(awk -v a="$worker_gross_s" -v b="$read_s" 'BEGIN { printf "%.3f", a - b }')
npieces=$(ls "$pieces" | wc -l)
q -d postgres -c "DROP DATABASE pgo_worker"
rm -rf "$pieces"

r() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
row() {  # row LABEL MODE ROWS
  local o=${secs[$2,observe.metrics]} n=${secs[$2,heap_noidx]} i=${secs[$2,heap_idx]}
  echo "| $1 | $(fmt "$(r "$3" "$o")") ($o s) | $(fmt "$(r "$3" "$n")") ($n s) | $(fmt "$(r "$3" "$i")") ($i s) | **$(ratio "$i" "$o")×** | $(ratio "$n" "$o")× |"
}
for m in copy insert insert1; do
  n=$([ $m = copy ] && echo "$total" || echo "$inserted")
  figure in_${m}_obs "$(r "$n" "${secs[$m,observe.metrics]}")"
  figure in_${m}_heap "$(r "$n" "${secs[$m,heap_noidx]}")"
  figure in_${m}_heapidx "$(r "$n" "${secs[$m,heap_idx]}")"
done
figure in_worker "$(r "$worker_rows" "$worker_s")"; figure in_samples "$total"
copy_vs_idx=$(ratio "${secs[copy,heap_idx]}" "${secs[copy,observe.metrics]}")
copy_vs_noidx=$(ratio "${secs[copy,heap_noidx]}" "${secs[copy,observe.metrics]}")
cat <<MD
## Ingest: samples/s into observe.metrics vs heap tables

Synthetic devops set (\`gen_devops $genflags\`): $(fmt "$total") samples, $nseries series
($HOSTS hosts × 10 cpu/mem/disk/net metrics, TSBS's 10 host tags + a device/interface label,
one sample each 10 s over $HOURS h, rows in time order across hosts). Heap tables
\`$heap_ddl\`, with and without \`btree (name, labels, time)\`. Each load starts after a
CHECKPOINT. Command: \`bench/run.sh ingest\` (bench/ingest/run.sh).

| load | pg_observe | heap, no index | heap + btree | pg_observe vs heap + btree | vs heap, no index |
|---|---:|---:|---:|---:|---:|
$(row "COPY (FORMAT csv) of $(fmt "$total") samples" copy "$total")
$(row "INSERT, $ROWS_PER_INSERT rows/statement, autocommit, $(fmt "$inserted") samples" insert "$inserted")
$(row "INSERT, $ROWS_PER_INSERT rows/statement, one transaction, $(fmt "$inserted") samples" insert1 "$inserted")

Targets: COPY ≥ 3× heap + btree → **${copy_vs_idx}×**
($(awk -v x="$copy_vs_idx" 'BEGIN { print (x >= 3 ? "met" : "NOT met") }')); COPY no slower
than heap without index → **${copy_vs_noidx}×**
($(awk -v x="$copy_vs_noidx" 'BEGIN { print (x >= 1 ? "met" : "NOT met") }')).

**Workers' write path** (\`observe.ingest_prometheus_text\`: the exposition parser and the
MetricsWriter the scrape worker uses, into observe.metrics), the node recording in $npieces
OpenMetrics payloads of ≤ $PAYLOAD_MB MB, one statement each: $(fmt "$worker_rows") samples in
$worker_gross_s s, of which $read_s s reading the payloads (\`pg_read_file\` alone) →
**$(fmt "$(r "$worker_rows" "$worker_s")") samples/s** including text parsing (target for the
path without parsing: ≥ 1,000,000 samples/s on one core; there is no SQL-callable entry point
that skips the parser, so parsing is included here — see the parser section for its share).

MD
