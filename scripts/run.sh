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

if [ "${1:-}" = "stop" ]; then
  scripts/pg_server.sh stop "$PGDATA_DIR"
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

cat <<MSG

pg_observe $(psql -qtAX -c "SELECT observe.version()") is running.
  data:    $PGDATA_DIR (owned by $USER_NAME), log: $PGDATA_DIR/server.log
  connect: psql -h 127.0.0.1 -p $PORT -U $USER_NAME postgres
  try:     SELECT observe.version();
  stop:    scripts/run.sh stop
MSG
