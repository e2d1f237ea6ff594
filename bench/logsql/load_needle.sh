#!/usr/bin/env bash
# Loads the log recording for the needle measurements (fresh_needle.sh): the same TSV COPYed
# into observe.logs (then observe.compact and VACUUM FULL of its internal relations, as run.sh
# does) and into a heap `heap_trgm` with a pg_trgm GIN index on line and a btree on time
# (CREATE INDEX after the COPY, maintenance_work_mem 1GB), VACUUM ANALYZEd.
#   bench/logsql/load_needle.sh DB [TSV]
# TSV: to_tsv.py's rows of the whole recording (made once, default $BENCH_WORK/log_lines.0.tsv).
# Needs a server with pg_observe preloaded (PG* environment); prints each step's seconds.
# The GIN index takes minutes (4-9 on 2 shared cores): everything runs under nice.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
db=${1:?usage: load_needle.sh DB [TSV]}
work=${BENCH_WORK:-/tmp/pgo_perf/work}
tsv=${2:-$work/log_lines.0.tsv}
rec=${LOG_RECORDING:-$here/../../../shared/data/log-recording/lines.jsonl.zst}
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
# qn DB SQL...: as q, in a backend reniced first (the server's work is what is heavy, not psql's)
qn() {
  local db=$1; shift
  { echo "SELECT pg_backend_pid() AS bpid \\gset"; echo "\\setenv BPID :bpid"; echo "\\! renice -n 10 -p \$BPID >/dev/null"
    for s in "$@"; do printf '%s\n' "$s"; done; } | psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" >/dev/null
}
step() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s\n", b - a }'; }
if [ ! -s "$tsv" ]; then
  mkdir -p "$(dirname "$tsv")"
  nice zstd -dc "$rec" | nice /usr/bin/python3 "$here/to_tsv.py" 0 > "$tsv.tmp"
  mv "$tsv.tmp" "$tsv"
fi
chmod 755 "$(dirname "$tsv")"; chmod 644 "$tsv"
export PGOPTIONS="${PGOPTIONS:-} -c max_parallel_workers_per_gather=0 -c jit=off -c maintenance_work_mem=1GB"
q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q -d "$db" -c "CREATE EXTENSION pg_observe" -c "CREATE EXTENSION pg_trgm" \
  -c "CREATE TABLE heap_trgm (time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb)"
cat "$tsv" > /dev/null
echo -n "COPY observe.logs: "; step qn "$db" "\\copy observe.logs (time, labels, line, metadata) FROM '$tsv'"
echo -n "observe.compact: "; step qn "$db" "SELECT observe.compact('observe.logs');"
for r in $(q -d "$db" -c "SELECT string_agg(c.oid::regclass::text, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'observe' AND c.relkind = 'r' AND c.relname LIKE '\\_ts\\_%'"); do q -d "$db" -c "VACUUM FULL $r"; done
echo -n "COPY heap_trgm: "; step qn "$db" "\\copy heap_trgm FROM '$tsv'"
echo -n "CREATE INDEX (GIN on line, btree on time): "
step qn "$db" "CREATE INDEX heap_trgm_line ON heap_trgm USING gin (line gin_trgm_ops);" \
  "CREATE INDEX heap_trgm_time ON heap_trgm (time);"
q -d "$db" -c "VACUUM ANALYZE heap_trgm" -c "VACUUM ANALYZE observe.logs" 2>/dev/null || true
echo "rows: observe.logs $(q -d "$db" -c "SELECT count(*) FROM observe.logs"), heap_trgm $(q -d "$db" -c "SELECT count(*) FROM heap_trgm");" \
  "chunks $(q -d "$db" -c "SELECT chunks FROM observe.storage_stats('observe.logs')")"
