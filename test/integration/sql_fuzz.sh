#!/usr/bin/env bash
# Fuzzes every SQL function of pg_observe (test/integration/sql_fuzz/sql_fuzz.py lists them from
# pg_proc) with random and adversarial arguments for SQL_FUZZ_SECONDS (default 90), as the
# superuser and as a login role in observe_reader, in a UTF-8 and a SQL_ASCII database (the
# only place raw invalid bytes reach a text argument). Fails on a crash, a hang past
# statement_timeout, an internal or SQLSTATE-less error, or a message that is not valid UTF-8.
# Prints the seed; SQL_FUZZ_SEED=N replays a run.
#
# Needs PGHOST/PGPORT/PGUSER of a server with pg_observe installable (test/run.sh exports them).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=/usr/bin/python3   # Debian's, with python3-psycopg2 (scripts/install-deps.sh)
SECONDS_TOTAL=${SQL_FUZZ_SECONDS:-90}

DB=sql_fuzz_$$
ADB=sql_fuzz_ascii_$$
READER=regress_fuzz_reader_$$
# The servers ask for a password over TCP (scram-sha-256): the reader login gets one of its own.
READER_PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $ADB WITH (FORCE)" || true
  psql -X -q -d postgres -c "DROP ROLE IF EXISTS $READER" || true
}
trap cleanup EXIT

createdb "$DB"
createdb -T template0 -E SQL_ASCII --locale=C "$ADB"
psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE ROLE $READER LOGIN PASSWORD '$READER_PW'"
for d in "$DB" "$ADB"; do
  # Throwaway tables for the functions that take a table (and write: set_series_key, compact,
  # drop_chunks, set_retention); a little data so queries reach the evaluator.
  psql -X -q -v ON_ERROR_STOP=1 -d "$d" <<SQL
CREATE EXTENSION pg_observe;
GRANT observe_reader TO $READER;
CREATE TABLE fuzz_ts (LIKE observe.metrics) USING observe_ts;
CREATE TABLE fuzz_heap (time timestamptz, name text, labels jsonb, value float8);
CREATE VIEW fuzz_view AS SELECT * FROM observe.metrics;
GRANT SELECT ON fuzz_ts, fuzz_heap, fuzz_view TO observe_reader;
SELECT observe.ingest_prometheus_text(
  'm{job="a",src="host-1"} 1' || chr(10) || 'm{job="b",src="host-2"} 2' || chr(10) ||
  'up{job="a"} 1' || chr(10) || 'h_bucket{le="1"} 3' || chr(10) || 'h_bucket{le="+Inf"} 5' || chr(10),
  '{"instance":"fuzz"}', now() - interval '1 minute' * g) FROM generate_series(0, 30) g;
INSERT INTO fuzz_ts SELECT * FROM observe.metrics;
INSERT INTO fuzz_heap SELECT * FROM observe.metrics;
SQL
done

seed_args=()
[ -n "${SQL_FUZZ_SEED:-}" ] && seed_args=(--seed "$SQL_FUZZ_SEED")
conn="host=$PGHOST port=$PGPORT"
# Each phase gets a quarter of the time; the client gives up on a statement well before this
# whole run's timeout, so a hang is reported, not waited for.
timeout $((SECONDS_TOTAL + 300)) "$PY" "$ROOT/test/integration/sql_fuzz/sql_fuzz.py" "${seed_args[@]}" \
  --seconds "$SECONDS_TOTAL" \
  --admin-dsn "$conn dbname=$DB user=$PGUSER" \
  --tables observe.metrics,fuzz_ts,fuzz_heap,fuzz_view \
  --dsn "super-utf8:utf8:$conn dbname=$DB user=$PGUSER" \
  --dsn "reader-utf8:utf8:$conn dbname=$DB user=$READER password=$READER_PW" \
  --dsn "super-ascii:ascii:$conn dbname=$ADB user=$PGUSER" \
  --dsn "reader-ascii:ascii:$conn dbname=$ADB user=$READER password=$READER_PW"
