#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# scripts/pg_server.sh (the run command's server) authenticates: peer over the Unix socket,
# scram-sha-256 over TCP; the superuser's generated password is in a file only root reads; a
# wrong or missing password is refused; docs/grafana.md's login role works as written. A
# cluster made with trust authentication before 0.3.0 is converted on its next start.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR=$(mktemp -d /tmp/pgo_auth.XXXXXX)
chmod 755 "$DIR"   # the server runs as pgobserve; the password file stays 600
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
RUN_USER=${OBSERVE_PG_USER:-pgobserve}
cleanup() { "$ROOT/scripts/pg_server.sh" stop "$DIR/data" || true; rm -rf "$DIR"; }
trap cleanup EXIT
unset PGPASSWORD OBSERVE_PG_PASSWORD PGPASSFILE   # the password is generated
export OBSERVE_PG_PASSFILE=$DIR/pgobserve.pgpass
"$ROOT/scripts/pg_server.sh" start "$DIR/data" "$PORT" 2>"$DIR/start.err"
cat "$DIR/start.err"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$RUN_USER PGDATABASE=postgres
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
can() { psql -X -qtA -c "SELECT current_user" >/dev/null 2>&1; }

grep -q "$OBSERVE_PG_PASSFILE" "$DIR/start.err" && ok "the start says where the password is" || bad "password file not named"
[ "$(stat -c '%a %U' "$OBSERVE_PG_PASSFILE")" = "600 $(id -un)" ] && ok "password file mode 600, owner $(id -un)" ||
  bad "password file: $(stat -c '%a %U' "$OBSERVE_PG_PASSFILE")"
if [ "$(id -u)" -eq 0 ] && [ "$RUN_USER" != root ]; then
  runuser -u "$RUN_USER" -- cat "$OBSERVE_PG_PASSFILE" >/dev/null 2>&1 && bad "$RUN_USER reads the password file" ||
    ok "$RUN_USER cannot read the password file"
fi
PGPASSFILE=$OBSERVE_PG_PASSFILE can && ok "the password file logs in" || bad "the password file does not log in"
PGPASSFILE=/dev/null PGPASSWORD=wrong can && bad "a wrong password logs in" || ok "a wrong password is refused"
refusal=$(PGPASSFILE=/dev/null PGPASSWORD=wrong psql -X -c "SELECT 1" 2>&1 || true)
grep -q 'password authentication failed' <<<"$refusal" && ok "refused by password authentication" ||
  bad "not refused by password authentication: $refusal"
PGPASSFILE=/dev/null can && bad "no password logs in" || ok "no password is refused"
if [ "$(id -u)" -eq 0 ]; then
  [ "$(runuser -u "$RUN_USER" -- psql -X -qtA -h "$DIR/data" -p "$PORT" -d postgres -c "SELECT current_user")" = "$RUN_USER" ] &&
    ok "peer over the socket for $RUN_USER" || bad "peer login over the socket"
fi

echo "--- docs/grafana.md's data source login, as written"
export PGPASSFILE=$OBSERVE_PG_PASSFILE
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_observe" \
  -c "CREATE ROLE grafana LOGIN PASSWORD 'change-me' IN ROLE observe_reader"
[ "$(PGPASSFILE=/dev/null PGUSER=grafana PGPASSWORD=change-me psql -X -qtA -c "SELECT count(*) FROM observe.scrape_target_health")" = 0 ] &&
  ok "grafana logs in and reads" || bad "grafana cannot log in"
PGPASSFILE=/dev/null PGUSER=grafana PGPASSWORD=change-it can && bad "grafana with a wrong password" || ok "grafana with a wrong password is refused"

echo "--- a cluster made with trust authentication is converted on its next start"
"$ROOT/scripts/pg_server.sh" stop "$DIR/data"
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$DIR/data/pg_hba.conf"
rm -f "$OBSERVE_PG_PASSFILE"
"$ROOT/scripts/pg_server.sh" start "$DIR/data" "$PORT" 2>/dev/null
PGPASSFILE=/dev/null PGPASSWORD=wrong can && bad "trust survived the restart" || ok "trust replaced by scram-sha-256"
PGPASSFILE=$OBSERVE_PG_PASSFILE can && ok "the new password file logs in" || bad "the new password does not log in"
exit $fail
