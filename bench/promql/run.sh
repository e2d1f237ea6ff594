#!/usr/bin/env bash
# PromQL vs Prometheus on the node recording, same machine, same run: Prometheus 2.42 serves a
# copy of the promtool block (bench/storage/load_recording.sh builds it and loads observe.metrics
# of database pgo_storage, if they are not there yet); bench/promql/compare.py times each query
# through /api/v1/query_range and observe.promql_range and checks the answers agree. When this
# run owns the bench server (bench/run.sh started it: BENCH_PGDATA), pg_observe's own HTTP API is
# timed too: the server is restarted with its workers in pgo_storage and the HTTP worker on, and
# restarted with its settings back afterwards. Prints a markdown section.
#   RUNS=5 bench/promql/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/common.sh"
RUNS=${RUNS:-5}

"$here/../storage/load_recording.sh" --if-missing

data=$BENCH_WORK/prom_data
rm -rf "$data" && mkdir -p "$data"
cp -a "$BENCH_WORK"/prom_block/* "$data/"   # Prometheus adds its WAL and lock beside the block
echo "global: {}" > "$BENCH_WORK/prometheus.yml"
port=$("$BENCH_REPO/scripts/pg_server.sh" free-port)
prom_pid=""
http_args=()
restore_server() {
  q -d postgres -c "ALTER SYSTEM RESET observe.database" -c "ALTER SYSTEM RESET observe.http_port" \
    -c "ALTER SYSTEM RESET observe.http_workers"
  "$BENCH_REPO/scripts/pg_server.sh" restart "$BENCH_PGDATA"
}
cleanup() {
  [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null
  [ ${#http_args[@]} -eq 0 ] || restore_server
  rm -rf "$data"
}
trap cleanup EXIT
if [ "${BENCH_EXTERNAL_SERVER:-0}" != 1 ] && [ -n "${BENCH_PGDATA:-}" ] && [ -n "${PGPASSWORD:-}" ]; then
  hport=$("$BENCH_REPO/scripts/pg_server.sh" free-port)
  q -d postgres -c "ALTER SYSTEM SET observe.database = 'pgo_storage'" -c "ALTER SYSTEM SET observe.http_port = $hport" \
    -c "ALTER SYSTEM SET observe.http_workers = 1"
  http_args=(--http "http://$PGUSER:$PGPASSWORD@127.0.0.1:$hport")
  "$BENCH_REPO/scripts/pg_server.sh" restart "$BENCH_PGDATA"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$hport/-/ready" >/dev/null && break; sleep 0.2; done
fi
# timeout bounds Prometheus's life even if this script dies before its trap runs.
timeout 3600 prometheus --storage.tsdb.path="$data" --storage.tsdb.retention.time=100y \
  --config.file="$BENCH_WORK/prometheus.yml" --web.listen-address="127.0.0.1:$port" \
  > "$BENCH_WORK/prometheus.log" 2>&1 &
prom_pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null ||
  { echo "promql/run.sh: Prometheus did not start" >&2; cat "$BENCH_WORK/prometheus.log" >&2; exit 1; }

stats=$(dirname "$RECORDING")/STATS
# first/last sample in unix seconds, from the database (the same samples Prometheus holds)
IFS='|' read -r first last <<<"$(q -d pgo_storage -c \
  "SELECT extract(epoch FROM min(time)), extract(epoch FROM max(time)) FROM observe.metrics")"
version=$(prometheus --version 2>&1 | head -1)

cat <<MD
## PromQL: observe.promql_range and promql_range_series vs Prometheus

The node recording ($(fmt "$(awk '$1 == "samples" { print $2 }' "$stats")") samples, $(awk '$1 == "series" { print $2 }' "$stats") series) in
Prometheus (\`$version\`, the promtool block of the storage section, HTTP API
\`/api/v1/query_range\`) and in observe.metrics (COPY + compact), queried over windows from the
last 5 minutes to the whole recording with steps from 1 s to 5 min. Median of $RUNS runs after a
warm-up, the systems alternating. Prometheus is timed until its JSON body is read,
pg_observe until libpq holds every row (psycopg2), both of \`SELECT * FROM observe.promql_range(...)\`
(a row per point) and of \`SELECT * FROM observe.promql_range_series(...)\` (a row per series,
values in a float8[]). "Its rows from a heap table" is \`SELECT *\` of promql_range's rows stored
beforehand in a temporary heap table: what PostgreSQL costs to return those rows at all. Answers
of both functions compared series by series, timestamp by timestamp, values within 1e-6
relative (NaN = NaN). With the bench server run by bench/run.sh, pg_observe's HTTP API is timed
too (\`/api/v1/query_range\` of its HTTP worker, one worker, basic auth, timed like Prometheus until
the whole JSON body is read) and its answers compared with Prometheus's the same way.
Command: \`bench/run.sh promql\` (bench/promql/run.sh, compare.py).

MD
"$PY" "$here/compare.py" --prom "http://127.0.0.1:$port" \
  --dsn "host=$PGHOST port=$PGPORT user=$PGUSER dbname=pgo_storage" \
  --first "$first" --last "$last" --runs "$RUNS" --figures "$BENCH_WORK/figures.env" "${http_args[@]}"
