# Sourced by the bench scripts: paths, the bench server's connection, timing helpers.
# Everything is overridable from the environment so one part can be rerun alone.
BENCH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_WORK=${BENCH_WORK:-/tmp/pgo_perf/work}          # CSVs, Prometheus blocks, reports
BENCH_BUILD=${BENCH_BUILD:-$BENCH_REPO/build-bench}     # CMake build of the bench tools
RECORDING=${RECORDING:-$BENCH_REPO/../shared/data/node-recording/samples.om.zst}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5495} PGUSER=${PGUSER:-pgobserve}
export PGOPTIONS=${PGOPTIONS:--c client_min_messages=warning}
PY=/usr/bin/python3
mkdir -p "$BENCH_WORK"
# The server runs as another user and reads payload files from here (pg_read_file).
chmod 755 "$BENCH_WORK"

now() { date +%s.%N; }
# elapsed START: seconds since START, 3 decimals
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# ratio A B [digits]: A / B
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "n/a"; else printf "%." d "f", a / b }'; }
# fmt N: integer with thousands separators
fmt() { awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'; }

q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }   # q DB -c SQL: unaligned, tuples only

# fresh_db NAME: an empty database with pg_observe (a fresh observe.metrics)
fresh_db() {
  q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
  q -d "$1" -c "CREATE EXTENSION pg_observe"
}

# time_sql DB RUNS SQL: runs SQL once to warm up, then RUNS times; prints the median in ms.
# psql's \timing measures round trip and result transfer; the rows go to /dev/null.
time_sql() {
  local db=$1 runs=$2 sql=$3 i
  {
    echo '\timing on'
    for i in $(seq 0 "$runs"); do printf '%s\n\\g /dev/null\n' "$sql"; done
  } | psql -X -q -v ON_ERROR_STOP=1 -d "$db" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n +2 |
    sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# build_tools TARGET...: the bench programs, Release, in their own build directory
build_tools() {
  cmake -S "$BENCH_REPO" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BENCH_BUILD" --target "$@" -j2 >/dev/null
}

# figure KEY VALUE: a headline figure for the summary bench/run.sh puts at the top of its report
figure() { echo "$1=$2" >> "$BENCH_WORK/figures.env"; }
