#!/usr/bin/env bash
# pg_dump / pg_restore round trip of observe_ts tables: the user's tables and observe.metrics are
# dumped by COPY through the access method and restored through its write path, the internal
# tables are not dumped a second time, and every row comes back (custom and plain formats), with
# the table's settings (time column, series key, retention: carried by its security label, and for
# observe.metrics by a row of observe._member_ts_options).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
SRC=ts_dump_src_$$ DST=ts_dump_dst_$$ DST2=ts_dump_plain_$$
WORK=$(mktemp -d /tmp/ts_dump.XXXXXX)
cleanup() {
  for db in $SRC $DST $DST2; do "$PGBIN/dropdb" --if-exists "$db" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

"$PGBIN/createdb" "$SRC"
psql -qX -v ON_ERROR_STOP=1 -d "$SRC" >/dev/null <<'SQL'
CREATE EXTENSION pg_observe;
CREATE TABLE cpu (time timestamptz, host text, usage float8, cores int4, note text) USING observe_ts;
-- settings that differ from the defaults (the key would be host and note)
SELECT observe.set_series_key('cpu', 'time', ARRAY['host']);
SELECT observe.set_retention('cpu', '3650 days');
INSERT INTO cpu SELECT '2024-01-01'::timestamptz + i * interval '10 s', 'h' || (i % 13), i / 7.0, i % 64,
                       CASE WHEN i % 5 = 0 THEN NULL ELSE 'n' END
  FROM generate_series(1, 30000) i;
INSERT INTO cpu VALUES ('2024-02-01', 'special', 'NaN', NULL, NULL), ('2024-02-01', 'special', '-0', 1, NULL),
                       ('2024-02-01', 'special', 'Infinity', 2, NULL);
INSERT INTO observe.metrics SELECT '2024-01-01'::timestamptz + i * interval '15 s', 'up',
       jsonb_build_object('job', 'api', 'instance', 'i' || (i % 4)), i % 2
  FROM generate_series(1, 4000) i;
SELECT observe.compact('cpu');
-- observe.metrics is the extension's: pg_dump writes no label for it (observe._member_ts_options)
SELECT observe.set_retention('observe.metrics', '4000 days');
SQL

fingerprint() {
  psql -qAtX -d "$1" <<'SQL'
SELECT 'cpu', count(*), md5(string_agg(format('%s|%s|%s|%s|%s', time, host, float8send(usage), cores, note), ',' ORDER BY time, host, float8send(usage))) FROM cpu;
SELECT 'metrics', count(*), md5(string_agg(format('%s|%s|%s|%s', time, name, labels, value), ',' ORDER BY time, labels::text)) FROM observe.metrics;
SELECT 'am', count(*) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'observe_ts';
SELECT 'options', time_column, key_columns, retention FROM observe._ts_options WHERE relid = 'cpu'::regclass;
SELECT 'metrics options', time_column, key_columns, retention FROM observe._ts_options WHERE relid = 'observe.metrics'::regclass;
SELECT 'series', series FROM observe.storage_stats('cpu');
SQL
}
fingerprint "$SRC" >"$WORK/src.txt"
cat "$WORK/src.txt"

"$PGBIN/pg_dump" -Fc -f "$WORK/dump.fc" "$SRC"
"$PGBIN/createdb" "$DST"
"$PGBIN/pg_restore" --exit-on-error -d "$DST" "$WORK/dump.fc"
fingerprint "$DST" >"$WORK/dst.txt"

"$PGBIN/pg_dump" -f "$WORK/dump.sql" "$SRC"
if grep -q '_ts_chunks\|_ts_series' "$WORK/dump.sql"; then
  echo "FAIL: the internal tables were dumped"; exit 1
fi
"$PGBIN/createdb" "$DST2"
psql -qX -v ON_ERROR_STOP=1 -d "$DST2" -f "$WORK/dump.sql" >/dev/null
fingerprint "$DST2" >"$WORK/dst2.txt"

fail=0
diff "$WORK/src.txt" "$WORK/dst.txt" || { echo "FAIL: custom-format restore differs"; fail=1; }
diff "$WORK/src.txt" "$WORK/dst2.txt" || { echo "FAIL: plain-format restore differs"; fail=1; }
[ "$fail" = 0 ] && echo "ok: pg_dump/pg_restore gave back every row"
exit $fail
