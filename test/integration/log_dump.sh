#!/usr/bin/env bash
# pg_dump / pg_restore round trip of observe_log tables (the same mechanisms as observe_ts,
# test/integration/ts_dump.sh): a user's log table and observe.logs are dumped by COPY through
# the access method and restored through its write path, with their settings (retention: the
# table's security label, observe._member_ts_options for observe.logs). Every line comes back
# byte for byte (empty, 1 MiB, tabs, newlines, backslashes, non-ASCII), metadata NULL and '{}'
# told apart, and the lines of a stream that share a microsecond in their stored order.
set -euo pipefail
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
SRC=log_dump_src_$$ DST=log_dump_dst_$$
WORK=$(mktemp -d /tmp/log_dump.XXXXXX)
cleanup() {
  for db in $SRC $DST; do "$PGBIN/dropdb" --if-exists "$db" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

"$PGBIN/createdb" "$SRC"
psql -qX -v ON_ERROR_STOP=1 -d "$SRC" >/dev/null <<'SQL'
CREATE EXTENSION pg_observe;
CREATE TABLE app_logs (time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb)
  USING observe_log;
SELECT observe.set_retention('app_logs', '3650 days');
INSERT INTO app_logs SELECT '2024-01-01'::timestamptz + (i / 3) * interval '1 ms',
       jsonb_build_object('app', 'a' || (i % 7)),
       CASE i % 5 WHEN 0 THEN '' WHEN 1 THEN E'tab\there, newline\nand \\ backslash' WHEN 2 THEN 'Grüße ' || i
                  ELSE 'GET /item/' || i || ' 200' END,
       CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN '{}'::jsonb ELSE jsonb_build_object('trace', 't' || i) END
  FROM generate_series(1, 20000) i;
INSERT INTO app_logs SELECT '2024-02-01', '{"app": "big"}', repeat(md5(i::text), 32768), NULL FROM generate_series(1, 3) i;
-- one microsecond, lines in insertion order
INSERT INTO app_logs SELECT '2024-03-01 00:00:00.000001', '{"app": "same"}', 'line ' || i, NULL FROM generate_series(1, 50) i;
SELECT observe.compact('app_logs');
INSERT INTO observe.logs SELECT '2024-01-01'::timestamptz + i * interval '1 s', '{"job": "x"}', 'observe.logs ' || i, NULL
  FROM generate_series(1, 500) i;
SELECT observe.set_retention('observe.logs', '4000 days');
SQL

fingerprint() {
  psql -qAtX -d "$1" <<'SQL'
SELECT 'app_logs', count(*), md5(string_agg(format('%s|%s|%s|%s', time, labels, md5(line), coalesce(metadata::text, 'NULL')), ','
       ORDER BY time, labels::text, line, metadata::text)) FROM app_logs;
SELECT 'same µs order', string_agg(line, ',') FROM app_logs WHERE labels @> '{"app": "same"}';
SELECT 'logs', count(*), md5(string_agg(format('%s|%s|%s', time, labels, line), ',' ORDER BY time)) FROM observe.logs;
SELECT 'am', count(*) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'observe_log';
SELECT 'options', retention FROM observe._ts_options WHERE relid = 'app_logs'::regclass;
SELECT 'logs options', retention FROM observe._ts_options WHERE relid = 'observe.logs'::regclass;
SELECT 'series', series FROM observe.storage_stats('app_logs');
SQL
}
fingerprint "$SRC" >"$WORK/src.txt"
cut -c1-200 "$WORK/src.txt"

"$PGBIN/pg_dump" -Fc -f "$WORK/dump.fc" "$SRC"
if "$PGBIN/pg_restore" -f - "$WORK/dump.fc" | grep -q '_ts_chunks\|_ts_series'; then
  echo "FAIL: the internal tables were dumped"; exit 1
fi
"$PGBIN/createdb" "$DST"
"$PGBIN/pg_restore" --exit-on-error -d "$DST" "$WORK/dump.fc"
fingerprint "$DST" >"$WORK/dst.txt"
if ! diff -u "$WORK/src.txt" "$WORK/dst.txt"; then
  echo "FAIL: the restored observe_log tables differ"; exit 1
fi
echo "ok: pg_dump/pg_restore gave back every line of the observe_log tables"
