#!/usr/bin/env bash
# Ingest rate in samples/s of the synthetic devops set (bench/tools/gen_devops: HOSTS hosts x 10
# metrics x HOURS at 10 s, time-major like a fleet of scrapers) into observe.metrics and into a
# heap table of the same shape without index and with btree (name, labels, time), same run:
#   COPY (CSV streamed from the generator through psql) of the whole set, into database
#     pgo_ingest, which bench/query then queries;
#   multi-row INSERT (ROWS_PER_INSERT rows a statement) of the first INSERT_ROWS rows, each
#     statement committed on its own (autocommit) and all in one transaction (psql -1);
#   the workers' write path: observe.ingest_prometheus_text (parser + the writer the scrape
#     worker uses) fed WORKER_ROWS of the devops set as text-format scrapes and the node
#     recording, in PAYLOAD_MB pieces, net of reading the files.
# Prints a markdown section.
#   HOSTS=100 HOURS=24 INSERT_ROWS=500000 bench/ingest/run.sh
set -euo pipefail
source "$(dirname "$0")/../tools/common.sh"
HOSTS=${HOSTS:-100}
HOURS=${HOURS:-24}
INSERT_ROWS=${INSERT_ROWS:-500000}
ROWS_PER_INSERT=${ROWS_PER_INSERT:-1000}
PAYLOAD_MB=${PAYLOAD_MB:-32}
WORKER_ROWS=${WORKER_ROWS:-2000000}
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

# The workers' write path: payload files read by the server (pg_read_file) and handed to
# observe.ingest_prometheus_text one statement each; the file reads alone are timed and
# subtracted. worker_rate DIR: prints "samples seconds_net seconds_gross seconds_read files"
worker_rate() {
  local dir=$1 t read_s gross_s rows
  chmod -R a+rX "$dir"
  fresh_db pgo_worker
  run_files() {
    local t; t=$(now)
    for f in "$dir"/p.*; do printf "$1;\n" "$f"; done | q -d pgo_worker >/dev/null
    elapsed "$t"
  }
  read_s=$(run_files "SELECT length(pg_read_file('%s'))")
  gross_s=$(run_files "SELECT observe.ingest_prometheus_text(pg_read_file('%s'))")
  rows=$(q -d pgo_worker -c "SELECT rows FROM observe.storage_stats('observe.metrics')")
  q -d postgres -c "DROP DATABASE pgo_worker"
  echo "$rows $(awk -v a="$gross_s" -v b="$read_s" 'BEGIN { printf "%.3f", a - b }') $gross_s $read_s $(ls "$dir" | wc -l)"
  rm -rf "$dir"
}
# (a) the real recording: OpenMetrics, each series' samples together
pieces=$BENCH_WORK/payloads
rm -rf "$pieces" && mkdir -p "$pieces"
zstd -dc "$RECORDING" | split -C "${PAYLOAD_MB}m" - "$pieces/p."
for f in "$pieces"/p.*; do
  grep -q '^# EOF' "$f" || echo '# EOF' >> "$f"   # each payload is a whole OpenMetrics exposition
done
read -r wr_rows wr_s wr_gross wr_read wr_files <<<"$(worker_rate "$pieces")"
# (b) the devops set as scrapes deliver it: text format, every host's samples of one instant
mkdir -p "$pieces"
"$gen" $genflags --format=text --max-rows="$WORKER_ROWS" 2>/dev/null | split -C "${PAYLOAD_MB}m" - "$pieces/p."
read -r wd_rows wd_s wd_gross wd_read wd_files <<<"$(worker_rate "$pieces")"

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
figure in_worker "$(r "$wd_rows" "$wd_s")"; figure in_worker_rec "$(r "$wr_rows" "$wr_s")"
figure in_samples "$total"
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
MetricsWriter the scrape worker uses, into observe.metrics of an empty database), payloads of
≤ $PAYLOAD_MB MB, one statement each, net of reading the files (\`pg_read_file\` alone, timed
separately and subtracted). Text parsing is included: there is no SQL-callable entry point to
the writer that skips the parser (the parser section gives the parser's own speed).

| payloads | samples | seconds (gross − file reads) | samples/s |
|---|---:|---:|---:|
| devops set as scrapes deliver it: text format, time-major, $wd_files payloads | $(fmt "$wd_rows") | $wd_gross − $wd_read = $wd_s | **$(fmt "$(r "$wd_rows" "$wd_s")")** |
| node recording: OpenMetrics, each series' samples together, $wr_files payloads | $(fmt "$wr_rows") | $wr_gross − $wr_read = $wr_s | **$(fmt "$(r "$wr_rows" "$wr_s")")** |

Target for the workers' path (without parsing): ≥ 1,000,000 samples/s on one core.

MD
