# Sourced by the scrape tests that run their own server (the lane own-server):
#   ROOT=...; source "$ROOT/test/integration/scrape/own_server.sh" NAME
# gives a scratch directory DIR (/tmp/pgo_NAME.*), a free PORT, a password, `pids` whose
# processes are killed at exit with the server stopped and DIR removed, `check WHAT GOT WANT`
# (sets fail=1 on a difference) and `q` (psql, tuples only, stop on error). After
# `start_own_server [SETTING...]` the PG* variables reach that server.
DIR=$(mktemp -d "/tmp/pgo_$1.XXXXXX")
chmod 755 "$DIR"
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PGPASSWORD=${PGPASSWORD:-pw_$RANDOM$RANDOM}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$ROOT/scripts/pg_server.sh" stop "$DIR/data" || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail=0
check() { if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', expected '$3'"; fail=1; fi; }
q() { psql -X -qtA -v ON_ERROR_STOP=1 "$@"; }
start_own_server() {
  "$ROOT/scripts/pg_server.sh" start "$DIR/data" "$PORT" "$@"
  export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
}
