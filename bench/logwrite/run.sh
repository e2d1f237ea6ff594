#!/usr/bin/env bash
# observe_log's write paths on the real log recording, in one run, one server:
#   - observe.push_loki: the recording as Loki push requests in JSON (~1 MiB of lines each, as
#     promtail batches; one transaction each, as a Loki client's requests), then the same
#     requests again (a client retrying: every line is a duplicate and is dropped);
#   - beside COPY of the same lines into observe.logs and into a heap table (the SQL baseline);
#   - observe.delete_logs of needles (the GDPR request) on the COPY-loaded observe_log table beside
#     DELETE ... WHERE strpos(line, needle) > 0 on the heap, with the same rows removed.
# Figures: seconds, backend CPU seconds (/proc of the backend, so a busy machine shows in wall
# time but not in CPU), MB/s of raw line bytes per CPU-second. Prints markdown; exits 1 when the
# stores disagree.
#   bench/logwrite/run.sh        (needs the bench server: see bench/run.sh)
# Environment: LOG_RECORDING (lines.jsonl.zst).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/common.sh"
db=pgo_logwrite
LOG_RECORDING=${LOG_RECORDING:-$BENCH_REPO/../shared/data/log-recording/lines.jsonl.zst}
pushes=$BENCH_WORK/log_pushes.tsv
push_stats=$BENCH_WORK/log_pushes.stats
tsv=$BENCH_WORK/log_lines.0.tsv
export PGOPTIONS="$PGOPTIONS -c max_parallel_workers_per_gather=0 -c jit=off"
failures=0

if [ ! -s "$pushes" ] || [ ! -s "$push_stats" ]; then
  zstd -dc "$LOG_RECORDING" | "$PY" "$here/make_pushes.py" "$push_stats" > "$pushes.tmp"
  mv "$pushes.tmp" "$pushes"
fi
if [ ! -s "$tsv" ]; then
  zstd -dc "$LOG_RECORDING" | "$PY" "$here/../logsql/to_tsv.py" 0 > "$tsv.tmp"
  mv "$tsv.tmp" "$tsv"
fi
chmod 644 "$pushes" "$tsv"

q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q -d $db -c "CREATE EXTENSION pg_observe"
cols="time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb"
# Bodies stored uncompressed: a push arrives as plain bytes (no pglz to undo in the timing).
q -d $db -c "CREATE TABLE payloads (n int PRIMARY KEY, body text NOT NULL)" \
  -c "ALTER TABLE payloads ALTER COLUMN body SET STORAGE EXTERNAL" \
  -c "CREATE TABLE copied ($cols) USING observe_log" -c "CREATE TABLE heap_logs ($cols)"
q -d $db -c "\\copy payloads FROM '$pushes'"
# The backend's own CPU time in clock ticks (utime + stime of /proc/self/stat).
q -d $db <<'SQL'
CREATE FUNCTION cpu_ticks() RETURNS bigint LANGUAGE sql AS $$
  SELECT split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint
  FROM pg_read_file('/proc/self/stat') s $$;
CREATE PROCEDURE push_all(INOUT stored bigint DEFAULT 0) LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  stored := 0;
  FOR r IN SELECT body FROM payloads ORDER BY n LOOP
    stored := stored + observe.push_loki(r.body);
    COMMIT;
  END LOOP;
END $$;
SQL
hz=$(getconf CLK_TCK)
npayloads=$(q -d $db -c "SELECT count(*) FROM payloads")
payload_bytes=$(q -d $db -c "SELECT sum(octet_length(body)) FROM payloads")

# measure NAME SQL-SCRIPT: runs the psql script in one backend; prints "wall_s cpu_s result"
# (result: the script's last \gset value `r`, if any).
measure() {
  q -d $db -c CHECKPOINT
  {
    echo "SELECT cpu_ticks() AS c0, clock_timestamp() AS w0 \\gset"
    echo "\\set r ''"
    echo "$1"
    echo "SELECT round(extract(epoch FROM clock_timestamp() - :'w0')::numeric, 3) AS w, round((cpu_ticks() - :c0) / $hz.0, 2) AS c \\gset"
    echo "\\echo :w :c :r"
  } | q -d $db | tail -1
}

cat "$tsv" "$pushes" > /dev/null   # both files in the page cache
read -r push_s push_cpu push_rows <<<"$(measure "CALL push_all() \\gset
SELECT :stored AS r \\gset")"
read -r retry_s retry_cpu retry_rows <<<"$(measure "CALL push_all() \\gset
SELECT :stored AS r \\gset")"
read -r copy_s copy_cpu _ <<<"$(measure "\\copy copied FROM '$tsv'")"
read -r heap_s heap_cpu _ <<<"$(measure "\\copy heap_logs FROM '$tsv'")"
q -d $db -c "VACUUM ANALYZE heap_logs"
IFS='|' read -r lines raw_bytes <<<"$(q -d $db -c "SELECT count(*), sum(octet_length(line)) FROM heap_logs")"
IFS='|' read -r pushed_lines pushed_bytes <<<"$(q -d $db -c "SELECT count(*), sum(octet_length(line)) FROM observe.logs")"
mb=$(awk -v b="$raw_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
per_cpu() { awk -v b="$raw_bytes" -v c="$1" 'BEGIN { if (c > 0) printf "%.1f", b / 1e6 / c; else print "n/a" }'; }
per_wall() { awk -v b="$raw_bytes" -v s="$1" 'BEGIN { if (s > 0) printf "%.1f", b / 1e6 / s; else print "n/a" }'; }

echo "$(fmt "$lines") entries of \`lines.jsonl.zst\` (the whole recording), $mb MB of raw lines; pushed as"
echo "$(fmt "$npayloads") Loki push requests in JSON ($(fmt "$payload_bytes") bytes of JSON), one transaction each."
echo "Backend CPU from /proc of the backend; every statement in one backend."
echo
echo "### Ingest"
echo
echo "| path | lines stored | seconds | CPU s | MB/s of raw lines per CPU-second | MB/s wall |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| \`observe.push_loki\` into observe.logs | $(fmt "$push_rows") | $push_s | $push_cpu | **$(per_cpu "$push_cpu")** | $(per_wall "$push_s") |"
echo "| the same requests again (a retrying client: all duplicates, dropped) | $(fmt "$retry_rows") | $retry_s | $retry_cpu | $(per_cpu "$retry_cpu") | $(per_wall "$retry_s") |"
echo "| COPY into an observe_log table | $(fmt "$lines") | $copy_s | $copy_cpu | $(per_cpu "$copy_cpu") | $(per_wall "$copy_s") |"
echo "| COPY into a heap table (no index) | $(fmt "$lines") | $heap_s | $heap_cpu | $(per_cpu "$heap_cpu") | $(per_wall "$heap_s") |"
echo
read -r st_entries st_bytes st_dups st_dup_bytes < "$push_stats"
ok=yes
[ "$st_entries" = "$lines" ] && [ "$st_bytes" = "$raw_bytes" ] || ok=NO
[ "$push_rows" = $((lines - st_dups)) ] && [ "$pushed_lines" = $((lines - st_dups)) ] || ok=NO
[ "$pushed_bytes" = $((raw_bytes - st_dup_bytes)) ] && [ "$retry_rows" = 0 ] || ok=NO
echo "The recording holds $(fmt "$st_dups") exact duplicates (same stream, ns time and line), which Loki and push_loki"
echo "drop: every other line stored once (push: $(fmt "$pushed_lines") lines, $(fmt "$pushed_bytes") bytes; the retry stored"
echo "$retry_rows): **$ok**. COPY keeps duplicates, as a heap does."
[ "$ok" = yes ] || failures=$((failures + 1))
target=$(awk -v v="$(per_cpu "$push_cpu")" 'BEGIN { print (v >= 50) ? "met" : "NOT met" }')
echo "Target push_loki ≥ 50 MB/s of raw lines per core: $(per_cpu "$push_cpu") MB/s per CPU-second, **$target**."
figure logwrite_push_mb_per_cpu_s "$(per_cpu "$push_cpu")"
echo
echo "### Deletion of a needle (observe.delete_logs beside DELETE on the heap)"
echo
echo "| needle | store | lines removed | seconds | CPU s |"
echo "|---|---|---:|---:|---:|"
# a request id, a session id, a client IP (16,985 lines: the GDPR case)
for needle in 'orders/100002' '6b14bb84.7007' '127.44.110.168'; do
  read -r ds dc dr <<<"$(measure "SELECT observe.delete_logs('{job=~\".+\"}', NULL, NULL, '|= \"$needle\"', 'copied') AS r \\gset")"
  read -r hs hc hr <<<"$(measure "WITH d AS (DELETE FROM heap_logs WHERE strpos(line, '$needle') > 0 RETURNING 1) SELECT count(*) AS r FROM d \\gset")"
  left=$(q -d $db -c "SELECT count(*) FROM copied WHERE strpos(line, '$needle') > 0")
  echo "| \`$needle\` | observe.delete_logs | $(fmt "$dr") | $ds | $dc |"
  echo "| \`$needle\` | heap DELETE (seq scan) | $(fmt "$hr") | $hs | $hc |"
  if [ "$dr" != "$hr" ] || [ "$left" != 0 ]; then
    echo "| \`$needle\` | **MISMATCH**: $dr vs $hr removed, $left left | | | |"; failures=$((failures + 1))
  fi
done
same=$(q -d $db -c "SELECT (SELECT count(*) FROM copied) = (SELECT count(*) FROM heap_logs)
  AND NOT EXISTS (SELECT time, labels, line FROM copied EXCEPT ALL SELECT time, labels, line FROM heap_logs)")
echo
echo "Same lines left in both stores afterwards: **$([ "$same" = t ] && echo yes || echo NO)**."
[ "$same" = t ] || failures=$((failures + 1))
[ "$failures" -eq 0 ]
