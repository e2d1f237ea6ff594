#!/usr/bin/env bash
# Starts or stops a PostgreSQL 15 server with pg_observe preloaded, run as an unprivileged
# user (PostgreSQL refuses to run as root), listening on 127.0.0.1 only.
#
#   scripts/pg_server.sh start DATADIR PORT [extra postgresql.conf lines...]
#   scripts/pg_server.sh stop DATADIR
#   scripts/pg_server.sh free-port          prints a free local TCP port
set -euo pipefail

PGBIN=$(pg_config --bindir)
RUN_USER=${OBSERVE_PG_USER:-pgobserve}

as_user() {
  if [ "$(id -un)" = "$RUN_USER" ]; then "$@"; else runuser -u "$RUN_USER" -- "$@"; fi
}

ensure_user() {
  if [ "$(id -u)" -ne 0 ]; then RUN_USER=$(id -un); return; fi
  id "$RUN_USER" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash "$RUN_USER"
}

free_port() {
  local port
  # Below Linux's ephemeral range (32768+), so no outgoing connection holds the port.
  for port in $(shuf -i 20000-32000 -n 50); do
    if ! (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "no free port" >&2; exit 1
}

cmd=${1:-}
case "$cmd" in
  start)
    datadir=$2; port=$3; shift 3
    ensure_user
    mkdir -p "$datadir"
    chown "$RUN_USER" "$datadir"
    chmod 700 "$datadir"
    if [ ! -f "$datadir/PG_VERSION" ]; then
      as_user "$PGBIN/initdb" -D "$datadir" -U "$RUN_USER" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
      {
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$datadir'"
        echo "shared_preload_libraries = 'pg_observe'"
        echo "fsync = on"
        echo "max_worker_processes = 16"
        echo "log_min_messages = warning"
        for line in "$@"; do echo "$line"; done
      } >> "$datadir/postgresql.conf"
    fi
    sed -i "/^port = /d" "$datadir/postgresql.conf"
    echo "port = $port" >> "$datadir/postgresql.conf"
    if ! as_user "$PGBIN/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 start >/dev/null; then
      echo "pg_server.sh: the server did not start; its log says:" >&2
      tail -n 20 "$datadir/server.log" >&2 || true
      exit 1
    fi
    ;;
  stop)
    datadir=$2
    ensure_user
    if [ -f "$datadir/postmaster.pid" ]; then
      as_user "$PGBIN/pg_ctl" -D "$datadir" -m fast -w -t 60 stop >/dev/null || \
        as_user "$PGBIN/pg_ctl" -D "$datadir" -m immediate -w stop >/dev/null || true
    fi
    ;;
  free-port) free_port ;;
  *) echo "usage: $0 start DATADIR PORT [conf...] | stop DATADIR | free-port" >&2; exit 2 ;;
esac
