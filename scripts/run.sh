#!/usr/bin/env bash
# Runs pg_observe for real: installs the Debian packages it needs, builds and installs the
# extension, starts a PostgreSQL 15 server (as the unprivileged user pgobserve, on 127.0.0.1)
# with pg_observe preloaded, creates the extension, and says how to connect.
#
#   scripts/run.sh          start (or restart after a rebuild)
#   scripts/run.sh stop     stop the server
# Environment: OBSERVE_DATA (default /var/lib/pg_observe), OBSERVE_PORT (default 5432).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${OBSERVE_DATA:-/var/lib/pg_observe}
PGDATA_DIR=$DATA/pgdata
PORT=${OBSERVE_PORT:-5432}
USER_NAME=${OBSERVE_PG_USER:-pgobserve}

NODE_EXPORTER_PORT=${OBSERVE_NODE_EXPORTER_PORT:-9100}
NODE_EXPORTER_PID=$DATA/node_exporter.pid

stop_node_exporter() {
  if [ -f "$NODE_EXPORTER_PID" ]; then
    kill "$(cat "$NODE_EXPORTER_PID")" 2>/dev/null || true
    rm -f "$NODE_EXPORTER_PID"
  fi
}

if [ "${1:-}" = "stop" ]; then
  scripts/pg_server.sh stop "$PGDATA_DIR"
  stop_node_exporter
  echo "pg_observe stopped"
  exit 0
fi

scripts/install-deps.sh
echo "building pg_observe..."
make -j2 >/tmp/pg_observe-build.log 2>&1 || { tail -30 /tmp/pg_observe-build.log; exit 1; }
make install >>/tmp/pg_observe-build.log 2>&1 || { tail -30 /tmp/pg_observe-build.log; exit 1; }

mkdir -p "$DATA"
scripts/pg_server.sh stop "$PGDATA_DIR"   # a restart picks up a freshly installed library
if (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null; then
  echo "port $PORT is taken by another server; set OBSERVE_PORT" >&2
  exit 1
fi
scripts/pg_server.sh start "$PGDATA_DIR" "$PORT"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$USER_NAME PGDATABASE=postgres
PGOPTIONS="-c client_min_messages=warning" psql -qX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pg_observe" \
     -c "ALTER EXTENSION pg_observe UPDATE" >/dev/null

# Something real to scrape: this host, through Debian's node exporter (loopback only).
stop_node_exporter
if ! (exec 3<>/dev/tcp/127.0.0.1/"$NODE_EXPORTER_PORT") 2>/dev/null; then
  runuser -u "$USER_NAME" -- setsid prometheus-node-exporter \
    --web.listen-address=127.0.0.1:"$NODE_EXPORTER_PORT" >"$DATA/node_exporter.log" 2>&1 &
  echo $! > "$NODE_EXPORTER_PID"
fi
psql -qX -v ON_ERROR_STOP=1 -c "
  INSERT INTO observe.scrape_targets (job, url, scrape_interval)
  VALUES ('node', 'http://127.0.0.1:$NODE_EXPORTER_PORT/metrics', '15 seconds')
  ON CONFLICT (job, url) DO NOTHING" >/dev/null

cat <<MSG

pg_observe $(psql -qtAX -c "SELECT observe.version()") is running.
  data:    $PGDATA_DIR (owned by $USER_NAME), log: $PGDATA_DIR/server.log
  connect: psql -h 127.0.0.1 -p $PORT -U $USER_NAME postgres
  scrapes: node exporter at http://127.0.0.1:$NODE_EXPORTER_PORT/metrics every 15 s (observe.scrape_targets)
  try:     SELECT * FROM observe.promql('up');
           SELECT * FROM observe.scrape_target_health;
  stop:    scripts/run.sh stop

Grafana (docs/grafana.md):
  1. add a PostgreSQL data source: host 127.0.0.1:$PORT, database postgres, TLS disabled, and a
     read-only login, e.g.  CREATE ROLE grafana LOGIN PASSWORD '...' IN ROLE observe_reader;
  2. Dashboards > New > Import, upload $(pwd)/docs/grafana/node-overview.json
     and $(pwd)/docs/grafana/pg-observe-health.json, and pick that data source.
MSG
