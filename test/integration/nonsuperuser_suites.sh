#!/usr/bin/env bash
# The SQL surface as an ordinary user sees it: pg_regress suites run again, unchanged and against
# the same expected output, as a role that is no superuser — a member of observe_reader and
# observe_ingest_admin that owns the tables it creates, with SELECT, INSERT and TRUNCATE on
# observe.metrics. Suites left out need a superuser by design: they read observe's internal
# tables to check storage details (ts_am, ts_l0_batches, ts_settings, metrics_table), create roles
# and switch to them (promql_permissions, ts_roles, ts_copy_fastpath, scrape_config,
# grafana_functions), or load C test functions (border).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PGXS_SRC=$(dirname "$(dirname "$(pg_config --pgxs)")")
SUITES="promql_basics promql_range_series promql_sql ts_value_filters ts_agg_pushdown"
db=nonsuper_$$
role=observe_tester_$$
# The servers ask for a password over TCP (scram-sha-256): the role gets one of its own.
role_pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
out=$ROOT/build/nonsuperuser
rm -rf "$out"; mkdir -p "$out"
q() { psql -qX -v ON_ERROR_STOP=1 "$@"; }
cleanup() { dropdb --if-exists "$db" 2>/dev/null || true; q -c "DROP ROLE IF EXISTS $role" 2>/dev/null || true; }
trap cleanup EXIT
createdb "$db"
q -d "$db" <<SQL
CREATE EXTENSION pg_observe;
CREATE ROLE $role LOGIN NOSUPERUSER PASSWORD '$role_pw' IN ROLE observe_reader, observe_ingest_admin;
GRANT CREATE ON SCHEMA public TO $role;
GRANT CREATE ON DATABASE $db TO $role;
GRANT SELECT, INSERT, TRUNCATE ON observe.metrics TO $role;
SQL
[ "$(q -d "$db" -Atc "SELECT rolsuper FROM pg_roles WHERE rolname = '$role'")" = f ]
if PGPASSWORD=$role_pw "$PGXS_SRC/test/regress/pg_regress" --use-existing --host="${PGHOST:-127.0.0.1}" --port="${PGPORT:-5432}" \
     --user="$role" --dbname="$db" --inputdir="$ROOT" --outputdir="$out" $SUITES; then
  exit 0
fi
head -c 20000 "$out/regression.diffs" 2>/dev/null
exit 1
