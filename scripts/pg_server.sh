#!/usr/bin/env bash
# Starts or stops a PostgreSQL 15 server with pg_observe preloaded, run as an unprivileged
# user (PostgreSQL refuses to run as root), listening on 127.0.0.1 only.
#
#   scripts/pg_server.sh start DATADIR PORT [extra postgresql.conf lines...]
#   scripts/pg_server.sh stop DATADIR
#   scripts/pg_server.sh restart DATADIR     (settings changed with ALTER SYSTEM take effect)
#   scripts/pg_server.sh free-port          prints a free local TCP port
#
# Authentication: the OS user's own role over the Unix socket (peer), a password over TCP
# (scram-sha-256), for every role. The superuser's (pgobserve's) password is set when the
# cluster is created: $OBSERVE_PG_PASSWORD, else $PGPASSWORD, else a generated one; it is
# written, pgpass-formatted (libpq reads it with PGPASSFILE=FILE), to $OBSERVE_PG_PASSFILE
# (default DATADIR.pgpass), readable by the invoking user only. A cluster made earlier with
# trust authentication gets the same treatment on its next start.
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

HBA='# pg_observe (scripts/pg_server.sh): peer over the socket, passwords over TCP
local   all          all                   peer
host    all          all   127.0.0.1/32    scram-sha-256
host    all          all   ::1/128         scram-sha-256
local   replication  all                   peer
host    replication  all   127.0.0.1/32    scram-sha-256
host    replication  all   ::1/128         scram-sha-256'

new_password() {
  if [ -n "${OBSERVE_PG_PASSWORD:-}" ]; then echo "$OBSERVE_PG_PASSWORD"
  elif [ -n "${PGPASSWORD:-}" ]; then echo "$PGPASSWORD"
  else head -c 24 /dev/urandom | base64 | tr -d '/+='; fi
}

# The password, pgpass-formatted, in a file only the invoking user (root) reads. A password
# the caller gave (in the environment) is written only where OBSERVE_PG_PASSFILE says.
write_passfile() {
  local file=$1 password=$2
  if [ -z "${OBSERVE_PG_PASSFILE:-}" ] && [ -n "${OBSERVE_PG_PASSWORD:-}${PGPASSWORD:-}" ]; then return; fi
  local p=${password//\\/\\\\}
  p=${p//:/\\:}
  (umask 077; rm -f "$file"
   printf '127.0.0.1:*:*:%s:%s\nlocalhost:*:*:%s:%s\n' "$RUN_USER" "$p" "$RUN_USER" "$p" >"$file")
  echo "pg_server.sh: the password of $RUN_USER is in $file (psql: PGPASSFILE=$file)" >&2
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
    passfile=${OBSERVE_PG_PASSFILE:-$datadir.pgpass}
    set_password=
    if [ ! -f "$datadir/PG_VERSION" ]; then
      password=$(new_password)
      pwfile=$(mktemp /tmp/pg_server_pw.XXXXXX)   # mode 600; initdb runs as $RUN_USER
      printf '%s\n' "$password" >"$pwfile"
      chown "$RUN_USER" "$pwfile"
      as_user "$PGBIN/initdb" -D "$datadir" -U "$RUN_USER" --auth-local=peer --auth-host=scram-sha-256 \
        --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >/dev/null || { rm -f "$pwfile"; exit 1; }
      rm -f "$pwfile"
      printf '%s\n' "$HBA" >"$datadir/pg_hba.conf"
      write_passfile "$passfile" "$password"
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
    if grep -qE '^[[:space:]]*(local|host)[^#]*[[:space:]]trust([[:space:]]|$)' "$datadir/pg_hba.conf"; then
      # made with trust authentication (before pg_observe 0.3.0): a password, then scram
      password=$(new_password)
      set_password=$password
    fi
    sed -i "/^port = /d" "$datadir/postgresql.conf"
    echo "port = $port" >> "$datadir/postgresql.conf"
    if ! as_user "$PGBIN/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 start >/dev/null; then
      echo "pg_server.sh: the server did not start; its log says:" >&2
      tail -n 20 "$datadir/server.log" >&2 || true
      exit 1
    fi
    if [ -n "$set_password" ]; then
      # over the socket, still trusted; the password on stdin, not in a command line
      printf "ALTER ROLE %s PASSWORD '%s'\n" "$RUN_USER" "${set_password//\'/\'\'}" |
        as_user "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$datadir" -p "$port" -d postgres >/dev/null
      printf '%s\n' "$HBA" >"$datadir/pg_hba.conf"
      as_user "$PGBIN/pg_ctl" -D "$datadir" reload >/dev/null
      write_passfile "$passfile" "$set_password"
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
  restart)
    datadir=$2
    ensure_user
    if ! as_user "$PGBIN/pg_ctl" -D "$datadir" -l "$datadir/server.log" -m fast -w -t 60 restart >/dev/null; then
      echo "pg_server.sh: the server did not restart; its log says:" >&2
      tail -n 20 "$datadir/server.log" >&2 || true
      exit 1
    fi
    ;;
  free-port) free_port ;;
  *) echo "usage: $0 start DATADIR PORT [conf...] | stop DATADIR | restart DATADIR | free-port" >&2; exit 2 ;;
esac
