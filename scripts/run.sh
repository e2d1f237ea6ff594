#!/usr/bin/env bash
# Runs pg_observe for real: installs the Debian packages it needs, builds and installs the
# extension, starts a PostgreSQL 15 server (as the unprivileged user pgobserve, on 127.0.0.1)
# with pg_observe preloaded, creates the extension, starts two scrape targets on loopback
# (Debian's node exporter and prometheus), waits for their first scrape, and says how to
# connect. Logins over TCP need a password (scram-sha-256): pgobserve's is generated once and
# kept, pgpass-formatted, in $OBSERVE_DATA/pgobserve.pgpass, readable by root only.
#
#   scripts/run.sh          start (or restart after a rebuild)
#   scripts/run.sh stop     stop the server and the scrape targets
# Environment: OBSERVE_DATA (default /var/lib/pg_observe), OBSERVE_PORT (default 5432).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${OBSERVE_DATA:-/var/lib/pg_observe}
PGDATA_DIR=$DATA/pgdata
PORT=${OBSERVE_PORT:-5432}
USER_NAME=${OBSERVE_PG_USER:-pgobserve}

NODE_EXPORTER_PORT=${OBSERVE_NODE_EXPORTER_PORT:-9100}
PROMETHEUS_PORT=${OBSERVE_PROMETHEUS_PORT:-9090}
# pg_observe's HTTP API (Prometheus's and Loki's APIs, docs/http.md), on loopback.
HTTP_PORT=${OBSERVE_HTTP_PORT:-9095}
export OBSERVE_PG_PASSFILE=$DATA/pgobserve.pgpass

stop_pidfile() {  # the process we started, by the id we recorded
  if [ -f "$1" ]; then
    kill "$(cat "$1")" 2>/dev/null || true
    rm -f "$1"
  fi
}
stop_targets() {
  stop_pidfile "$DATA/node_exporter.pid"
  stop_pidfile "$DATA/prometheus.pid"
}

if [ "${1:-}" = "stop" ]; then
  scripts/pg_server.sh stop "$PGDATA_DIR"
  stop_targets
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
# The password comes from the file once the cluster exists (not from the caller's PGPASSWORD).
unset PGPASSWORD OBSERVE_PG_PASSWORD
if (exec 3<>/dev/tcp/127.0.0.1/"$HTTP_PORT") 2>/dev/null; then
  echo "port $HTTP_PORT is taken; set OBSERVE_HTTP_PORT" >&2
  exit 1
fi
if [ -f "$PGDATA_DIR/postgresql.conf" ]; then  # a cluster made before the HTTP API, or another port
  sed -i "/^observe.http_port = /d" "$PGDATA_DIR/postgresql.conf"
  echo "observe.http_port = $HTTP_PORT" >> "$PGDATA_DIR/postgresql.conf"
fi
scripts/pg_server.sh start "$PGDATA_DIR" "$PORT" "observe.http_port = $HTTP_PORT"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$USER_NAME PGDATABASE=postgres PGPASSFILE=$OBSERVE_PG_PASSFILE
PGOPTIONS="-c client_min_messages=warning" psql -qX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pg_observe" \
     -c "ALTER EXTENSION pg_observe UPDATE" >/dev/null

# Something real to scrape, on loopback only: this host through Debian's node exporter, and
# Debian's prometheus (its own metrics; it scrapes nothing itself).
stop_targets
started=()
if ! (exec 3<>/dev/tcp/127.0.0.1/"$NODE_EXPORTER_PORT") 2>/dev/null; then
  runuser -u "$USER_NAME" -- setsid prometheus-node-exporter \
    --web.listen-address=127.0.0.1:"$NODE_EXPORTER_PORT" >"$DATA/node_exporter.log" 2>&1 &
  echo $! > "$DATA/node_exporter.pid"
  started+=("node exporter")
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/"$PROMETHEUS_PORT") 2>/dev/null; then
  mkdir -p "$DATA/prometheus"
  printf 'global:\n  scrape_interval: 1m\nscrape_configs: []\n' > "$DATA/prometheus/prometheus.yml"
  chown -R "$USER_NAME" "$DATA/prometheus"
  runuser -u "$USER_NAME" -- setsid prometheus --config.file="$DATA/prometheus/prometheus.yml" \
    --storage.tsdb.path="$DATA/prometheus/data" --web.listen-address=127.0.0.1:"$PROMETHEUS_PORT" \
    >"$DATA/prometheus.log" 2>&1 &
  echo $! > "$DATA/prometheus.pid"
  started+=("prometheus")
fi
psql -qX -v ON_ERROR_STOP=1 -c "
  INSERT INTO observe.scrape_targets (job, url, scrape_interval) VALUES
    ('node', 'http://127.0.0.1:$NODE_EXPORTER_PORT/metrics', '15 seconds'),
    ('prometheus', 'http://127.0.0.1:$PROMETHEUS_PORT/metrics', '15 seconds')
  ON CONFLICT (job, url) DO NOTHING" >/dev/null

# The first scrape of each target lands within one interval (15 s): wait for it, so the first
# queries of the README return something.
echo "waiting for the first scrape of each target (up to 30 s)..."
for _ in $(seq 1 60); do
  [ "$(psql -qtAX -c "SELECT count(*) FILTER (WHERE last_scrape IS NULL) FROM observe.scrape_target_health WHERE enabled")" = 0 ] && break
  sleep 0.5
done
health=$(psql -qtAX -F ' ' -c "SELECT job, CASE WHEN up THEN 'up' WHEN up IS NULL THEN 'not scraped yet'
                                       ELSE 'down: ' || last_error END
                                 FROM observe.scrape_target_health ORDER BY job" | sed 's/^/           /')

cat <<MSG

pg_observe $(psql -qtAX -c "SELECT observe.version()") is running.
  data:     $PGDATA_DIR (owned by $USER_NAME), log: $PGDATA_DIR/server.log
  password: $OBSERVE_PG_PASSFILE (pgobserve's, readable by root only)
  connect:  PGPASSFILE=$OBSERVE_PG_PASSFILE psql -h 127.0.0.1 -p $PORT -U $USER_NAME postgres
            (or, without a password: runuser -u $USER_NAME -- psql -h $PGDATA_DIR -p $PORT postgres)
  targets:  every 15 s, on loopback${started:+ (started here: ${started[*]})}:
$health
  try:      SELECT * FROM observe.scrape_target_health;
            SELECT * FROM observe.promql('up');
  HTTP API: http://127.0.0.1:$HTTP_PORT (Prometheus's /api/v1/*, Loki's /loki/api/v1/*, remote_write
            /api/v1/write; basic auth with a PostgreSQL role and its password; docs/http.md)
  stop:     scripts/run.sh stop
  security: docs/security.md (roles, what readers see, the outbound network policy)

Grafana (docs/grafana.md):
  1. add a PostgreSQL data source: host 127.0.0.1:$PORT, database postgres, TLS disabled, and a
     read-only login, e.g.  CREATE ROLE grafana LOGIN PASSWORD '...' IN ROLE observe_reader;
  2. Dashboards > New > Import, upload $(pwd)/docs/grafana/node-overview.json,
     $(pwd)/docs/grafana/pg-observe-health.json and $(pwd)/docs/grafana/logs-overview.json
     (logs in observe.logs, docs/logql.md), and pick that data source.
  Or a Prometheus (or Loki) data source: URL http://127.0.0.1:$HTTP_PORT, Basic auth with that
  role's name and password (docs/http.md); PromQL and LogQL then run in pg_observe.
MSG
