#!/usr/bin/env bash
# Latency of the node overview dashboard: loads 6 hours of about 1,000 node-exporter series at
# 15 s (16 instances x 62 series, 1.43 M samples) into observe.metrics of a fresh database and
# times every variable and panel query as Grafana sends it for "last 6 hours" (budget 100 ms).
#
#   PGHOST=127.0.0.1 PGPORT=5496 PGUSER=pgobserve bench/grafana/run.sh [--keep]
# (a server with pg_observe installed: scripts/pg_server.sh start DIR PORT)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
DB=${BENCH_DB:-grafana_bench}
SERIES=${BENCH_SERIES:-1000}

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB"
createdb "$DB"
[ "${1:-}" = --keep ] || trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB"' EXIT
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c 'CREATE EXTENSION pg_observe'

start=$(date +%s.%N)
"$PY" "$ROOT/test/integration/grafana/gen_node_data.py" --dsn "dbname=$DB" --series "$SERIES" --hours 6 --step 15
echo "load: $(echo "$(date +%s.%N) - $start" | bc) s"
# steady state: what the maintenance worker's compaction leaves (long per-series chunks)
psql -X -q -d "$DB" -c "SELECT observe.compact('observe.metrics')" >/dev/null
psql -X -d "$DB" -c "SELECT * FROM observe.storage_stats('observe.metrics')"
# baseline: the same rows in a plain heap table with a btree on (name, time)
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" <<'SQL'
CREATE TABLE bench_heap AS SELECT * FROM observe.metrics;
CREATE INDEX ON bench_heap (name, time);
VACUUM ANALYZE;
SQL

"$PY" "$ROOT/bench/grafana/bench_panels.py" --dsn "dbname=$DB" --hours 6 --points 1000 \
  --baseline bench_heap "$ROOT/docs/grafana/node-overview.json"
