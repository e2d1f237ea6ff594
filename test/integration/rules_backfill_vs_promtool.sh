#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# observe.backfill_rules against `promtool tsdb create-blocks-from rules` (issue 17's target):
# the same generated data and rule file, the same series out (rules/backfill_vs_promtool.py).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export DIR=$(mktemp -d /tmp/rules_backfill.XXXXXX)
chmod 755 "$DIR"
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PROM_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
cleanup() {
  "$ROOT/scripts/pg_server.sh" stop "$DIR/data" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
"$ROOT/scripts/pg_server.sh" start "$DIR/data" "$PORT" >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
[ -f "$DIR/data.pgpass" ] && export PGPASSFILE=$DIR/data.pgpass
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_observe"
printf 'global:\n  scrape_interval: 1m\nscrape_configs: []\n' >"$DIR/prometheus.yml"
timeout 240 /usr/bin/python3 "$ROOT/test/integration/rules/backfill_vs_promtool.py"
