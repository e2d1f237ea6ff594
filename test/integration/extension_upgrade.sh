#!/usr/bin/env bash
# Installing the previous release and updating (CREATE EXTENSION pg_observe VERSION '0.1.0';
# ALTER EXTENSION pg_observe UPDATE) must give the same extension as a fresh install of the
# current version: the same member objects, function definitions, columns, views, comments and
# grants; and data written under the old version stays readable after the update.
set -euo pipefail
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
OLD=upgrade_old_$$ NEW=upgrade_new_$$
cleanup() { for db in "$OLD" "$NEW"; do "$PGBIN/dropdb" --if-exists "$db" 2>/dev/null || true; done; }
trap cleanup EXIT
"$PGBIN/createdb" "$OLD"
"$PGBIN/createdb" "$NEW"
q() { local db=$1; shift; psql -qAtX -v ON_ERROR_STOP=1 -d "$db" "$@"; }
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$(dirname "$0")/../../pg_observe.control")

q "$OLD" -c "CREATE EXTENSION pg_observe VERSION '0.1.0'"
q "$OLD" <<'SQL'
INSERT INTO observe.metrics
SELECT '2026-01-01'::timestamptz + i * interval '15 s', 'up', '{"job": "a"}', i % 2 FROM generate_series(0, 99) i;
SELECT observe.set_retention('observe.metrics', '4000 days');
SQL
q "$OLD" -c "ALTER EXTENSION pg_observe UPDATE"
q "$NEW" -c "CREATE EXTENSION pg_observe"

# Everything the extension defines, as text: two installs match when these lines do.
describe() {
  q "$1" <<'SQL'
SELECT 'member ' || pg_describe_object(classid, objid, objsubid)
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_observe')
UNION ALL
SELECT 'function ' || p.oid::regprocedure || E'\n' || pg_get_functiondef(p.oid)
       || E'\ncomment ' || coalesce(obj_description(p.oid, 'pg_proc'), '-') || E'\nacl ' || coalesce(p.proacl::text, '-')
  FROM pg_proc p WHERE p.pronamespace = 'observe'::regnamespace AND p.prokind IN ('f', 'p')
UNION ALL
SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' am ' || coalesce(am.amname, '-')
       || ' acl ' || coalesce(c.relacl::text, '-') || ' comment ' || coalesce(obj_description(c.oid, 'pg_class'), '-')
       || CASE WHEN c.relkind = 'v' THEN E'\n' || pg_get_viewdef(c.oid) ELSE '' END
  FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam WHERE c.relnamespace = 'observe'::regnamespace
UNION ALL
SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'observe'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'observe'::regnamespace
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'observe'::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = 'observe'::regnamespace
UNION ALL
SELECT 'config table ' || unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'pg_observe'UNION ALL
SELECT 'role ' || rolname FROM pg_roles WHERE rolname LIKE 'observe\_%'
ORDER BY 1;
SQL
}
describe "$OLD" > "/tmp/upgrade_old_$$.txt"
describe "$NEW" > "/tmp/upgrade_new_$$.txt"
fail=0
echo "updated to $(q "$OLD" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_observe'"), current $current"
[ "$(q "$OLD" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_observe'")" = "$current" ] ||
  { echo "FAIL: ALTER EXTENSION UPDATE did not reach $current"; fail=1; }
if ! diff -u "/tmp/upgrade_new_$$.txt" "/tmp/upgrade_old_$$.txt"; then
  echo "FAIL: the updated extension differs from a fresh install (- fresh, + updated)"; fail=1
fi
echo "$(grep -c '' "/tmp/upgrade_new_$$.txt") lines of definitions compared"
rm -f "/tmp/upgrade_old_$$.txt" "/tmp/upgrade_new_$$.txt"

# rows written by 0.1.0 read back through the new functions
got=$(q "$OLD" -c "SELECT count(*), sum(v) FROM observe.promql_range_series('up', '2026-01-01', '2026-01-01 00:24:45', '15 s'), unnest(value) v")
[ "$got" = "100|50" ] || { echo "FAIL: data written under 0.1.0 read back as '$got', expected 100|50"; fail=1; }
# a retention set under 0.1.0 is carried into observe._member_ts_options (so pg_dump keeps it)
got=$(q "$OLD" -c "SELECT settings::jsonb->>'retention' FROM observe._member_ts_options WHERE relation = 'observe.metrics'")
[ "$got" = "4000 days" ] || { echo "FAIL: observe.metrics' retention after the update: '$got'"; fail=1; }
exit $fail
