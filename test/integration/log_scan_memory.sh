#!/usr/bin/env bash
# LogQL over an observe_log stream reads it chunk by chunk (issue 14: LogStore::scan streams):
# one stream of OBSERVE_LOG_MEM_MB (default 120) MiB of lines, written by two interleaved
# INSERTs so that its chunks overlap in time (the scan merges them), is read whole by a log
# query that keeps no line, a backward and a forward log query, and a metric query. The answers
# must equal SQL's over the same rows, and the backend's peak resident memory (VmHWM of
# /proc/self/status, read by the backend itself) may grow, past a warm-up query that decodes
# one chunk, by a quarter of the lines' size at most (holding them would take all of it).
set -euo pipefail
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
MB=${OBSERVE_LOG_MEM_MB:-120}
DB=log_scan_memory_$$
cleanup() { "$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null || true; }
trap cleanup EXIT
"$PGBIN/createdb" "$DB"
n=$((MB * 1024 / 2))  # lines per INSERT: 1 KiB each, two INSERTs
psql -qX -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL
CREATE EXTENSION pg_observe;
CREATE TABLE big (time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb)
  USING observe_log;
SELECT observe.set_retention('big', '3650 days');
-- even then odd milliseconds: the second INSERT's chunks overlap the first's in time
INSERT INTO big SELECT '2024-01-01'::timestamptz + (2 * i) * interval '1 ms', '{"app": "big"}',
       'even ' || lpad(i::text, 8, '0') || ' ' || repeat(md5(i::text), 31), NULL FROM generate_series(1, $n) i;
INSERT INTO big SELECT '2024-01-01'::timestamptz + (2 * i + 1) * interval '1 ms', '{"app": "big"}',
       'odd  ' || lpad(i::text, 8, '0') || ' ' || repeat(md5(i::text), 31),
       CASE WHEN i % 1000 = 0 THEN '{"trace": "t"}'::jsonb END FROM generate_series(1, $n) i;
SQL

fail=0
chunks=$(psql -qAtX -d "$DB" -c "SELECT chunks FROM observe.storage_stats('big')")
bytes=$(psql -qAtX -d "$DB" -c "SELECT sum(octet_length(line)) FROM big")
echo "lines: $((2 * n)), $((bytes / 1048576)) MiB in $chunks chunks"
[ "$chunks" -ge 20 ] || { echo "FAIL: expected many chunks, got $chunks"; fail=1; }

# One fresh backend: the queries, then its own peak resident memory.
out=$(psql -qAtX -v ON_ERROR_STOP=1 -d "$DB" <<'SQL'
SET work_mem = '64kB';
-- warm-up: catalogs, the extension's caches and one chunk decoded
SELECT 'warm', count(*) FROM observe.logql('{app="big"}', '2024-01-01 00:00:00', '2024-01-01 00:00:01', 5, 'forward', 'big');
SELECT 'warm_kb', (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+)'))[1];
SELECT 'none', count(*) FROM observe.logql('{app="big"} |~ "^never"', '2024-01-01', '2024-01-02', 1000, 'forward', 'big');
SELECT 'backward', string_agg(substr(line, 1, 13), ',' ORDER BY n)
  FROM observe.logql('{app="big"}', '2024-01-01', '2024-01-02', 5, 'backward', 'big') WITH ORDINALITY AS q(t, l, line, n);
SELECT 'forward', string_agg(substr(line, 1, 13), ',' ORDER BY n)
  FROM observe.logql('{app="big"} | json', '2024-01-01', '2024-01-02', 5, 'forward', 'big') WITH ORDINALITY AS q(t, l, line, n);
SELECT 'count', value FROM observe.logql_instant('sum(count_over_time({app="big"}[1d]))', '2024-01-02', 'big');
SELECT 'bytes', value FROM observe.logql_instant('sum(bytes_over_time({app="big"}[1d]))', '2024-01-02', 'big');
SELECT 'vmhwm_kb', (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+)'))[1];
SQL
)
echo "$out"
get() { echo "$out" | awk -F'|' -v k="$1" '$1 == k { print $2 }'; }
expect_backward=$(psql -qAtX -d "$DB" -c "SELECT string_agg(substr(line, 1, 13), ',' ORDER BY time DESC) FROM (SELECT * FROM big ORDER BY time DESC LIMIT 5) s")
expect_forward=$(psql -qAtX -d "$DB" -c "SELECT string_agg(substr(line, 1, 13), ',' ORDER BY time) FROM (SELECT * FROM big ORDER BY time LIMIT 5) s")
[ "$(get none)" = 0 ] || { echo "FAIL: the filter matched lines"; fail=1; }
[ "$(get backward)" = "$expect_backward" ] || { echo "FAIL: backward: expected $expect_backward"; fail=1; }
[ "$(get forward)" = "$expect_forward" ] || { echo "FAIL: forward: expected $expect_forward"; fail=1; }
[ "$(get count)" = "$((2 * n))" ] || { echo "FAIL: count_over_time: expected $((2 * n))"; fail=1; }
[ "$(get bytes)" = "$bytes" ] || { echo "FAIL: bytes_over_time: expected $bytes"; fail=1; }
peak_kb=$(get vmhwm_kb)
warm_kb=$(get warm_kb)
limit_kb=$((bytes / 1024 / 4))
echo "backend peak resident memory: $((warm_kb / 1024)) MiB after a one-chunk query, $((peak_kb / 1024)) MiB after" \
     "reading every line: +$(((peak_kb - warm_kb) / 1024)) MiB (limit +$((limit_kb / 1024)) MiB, lines $((bytes / 1048576)) MiB)"
[ $((peak_kb - warm_kb)) -lt "$limit_kb" ] || { echo "FAIL: the scan's memory grows with the range"; fail=1; }
[ $fail = 0 ] && echo "log_scan_memory: OK"
exit $fail
