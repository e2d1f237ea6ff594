#!/usr/bin/env bash
# observe_log beside PostgreSQL heap tables on the real log recording, in one run, one server:
#   observe.logs (observe_log) vs a heap table (time, labels jsonb, line, metadata jsonb) without
#   index vs the same heap with a pg_trgm GIN index on line and a btree on time.
# Measures: size everything included (ratio to the raw line bytes), COPY rows/s and MB/s of raw
# lines, needle and scan latency (SQL LIKE and LogQL), chunks read/skipped, a few LogQL metric
# queries; every query's answer is compared with the heap's (count + md5 of the sorted lines, or
# of the sorted series points): a mismatch fails the benchmark (exit 1). Prints markdown.
#   bench/logsql/run.sh        (needs the bench server: see bench/run.sh)
# Environment: LOG_RECORDING (lines.jsonl.zst), LOG_LINES (first N entries; 0 = all, default),
#   LOG_RUNS (timed repetitions after one warm-up, default 3), LOG_REPLAY (N: the entries N times,
#   copy k shifted k × LOG_REPLAY_PERIOD_S later, default 1; 15 makes the issue's ≥ 10 GB of raw
#   lines), LOG_TRGM_INDEX (during: the heap_trgm indexes exist during its COPY, the default for
#   LOG_REPLAY=1; after: CREATE INDEX once the rows are in, timed apart, the default otherwise;
#   btree: only the btree on time, after COPY: no GIN, for a replay whose single-threaded GIN
#   build would not fit the session; every "GIN" of the report then reads "no GIN").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/common.sh"
db=pgo_logs
LOG_RECORDING=${LOG_RECORDING:-$BENCH_REPO/../shared/data/log-recording/lines.jsonl.zst}
LOG_LINES=${LOG_LINES:-0}
LOG_RUNS=${LOG_RUNS:-3}
LOG_REPLAY=${LOG_REPLAY:-1}
LOG_REPLAY_PERIOD_S=${LOG_REPLAY_PERIOD_S:-2460}   # the recording spans 2,438 s: 41 min a copy
LOG_TRGM_INDEX=${LOG_TRGM_INDEX:-$([ "$LOG_REPLAY" = 1 ] && echo during || echo after)}
tsv=$BENCH_WORK/log_lines.$LOG_LINES.tsv
# One backend per query (per-core figures for both sides); no JIT compile time in the heap scans.
export PGOPTIONS="$PGOPTIONS -c max_parallel_workers_per_gather=0 -c jit=off"
failures=0

if [ ! -s "$tsv" ]; then
  # (to_tsv.py stops after LOG_LINES entries: zstd's SIGPIPE is not a failure)
  (set +o pipefail; zstd -dc "$LOG_RECORDING" 2>/dev/null | "$PY" "$here/to_tsv.py" "$LOG_LINES" > "$tsv.tmp")
  mv "$tsv.tmp" "$tsv"
fi
chmod 644 "$tsv"
if [ "$LOG_REPLAY" != 1 ]; then
  rtsv=$BENCH_WORK/log_lines.$LOG_LINES.x$LOG_REPLAY.tsv
  if [ ! -s "$rtsv" ]; then
    t=$(now); "$PY" "$here/replay_tsv.py" "$LOG_REPLAY" "$LOG_REPLAY_PERIOD_S" < "$tsv" > "$rtsv.tmp"
    mv "$rtsv.tmp" "$rtsv"; echo "replay_tsv.py x$LOG_REPLAY: $(elapsed "$t") s" >&2
  fi
  tsv=$rtsv; chmod 644 "$tsv"
fi

q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q -d $db -c "CREATE EXTENSION pg_observe" -c "CREATE EXTENSION pg_trgm"
cols="time timestamptz NOT NULL, labels jsonb NOT NULL, line text NOT NULL, metadata jsonb"
trgm_indexes=(-c "CREATE INDEX heap_trgm_line ON heap_trgm USING gin (line gin_trgm_ops)"
  -c "CREATE INDEX heap_trgm_time ON heap_trgm (time)")
gin=GIN
if [ "$LOG_TRGM_INDEX" = btree ]; then
  trgm_indexes=(-c "CREATE INDEX heap_trgm_time ON heap_trgm (time)"); gin="no GIN"
fi
q -d $db -c "CREATE TABLE heap_logs ($cols)" -c "CREATE TABLE heap_trgm ($cols)"
[ "$LOG_TRGM_INDEX" != during ] || q -d $db "${trgm_indexes[@]}"

# copy_into TABLE: COPY the rows from the TSV; prints the seconds
copy_into() {
  q -d $db -c CHECKPOINT
  local t; t=$(now)
  q -d $db -c "\\copy $1 FROM '$tsv'"
  elapsed "$t"
}
cat "$tsv" > /dev/null                          # the file in the page cache for every COPY
obs_copy_s=$(copy_into observe.logs)
t=$(now); q -d $db -c "SELECT observe.compact('observe.logs')" >/dev/null; compact_s=$(elapsed "$t")
heap_copy_s=$(copy_into heap_logs)
trgm_copy_s=$(copy_into heap_trgm)
trgm_index_s=0
if [ "$LOG_TRGM_INDEX" != during ]; then
  t=$(now); q -d $db -c "SET maintenance_work_mem = '1GB'" "${trgm_indexes[@]}"; trgm_index_s=$(elapsed "$t")
  echo "heap_trgm: COPY $trgm_copy_s s, then CREATE INDEX ($gin + btree) $trgm_index_s s" >&2
fi
# No dead space counted anywhere: the heaps are append-only (VACUUM for the VM/FSM); observe's
# compaction leaves the replaced chunks' rows dead in _ts_chunks, which VACUUM FULL removes.
q -d $db -c "VACUUM ANALYZE heap_logs" -c "VACUUM ANALYZE heap_trgm"
internal_rels=$(q -d $db -c "SELECT string_agg(c.oid::regclass::text, ' ') FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'observe' AND c.relkind = 'r' AND c.relname LIKE '\\_ts\\_%'")
for r in $internal_rels; do q -d $db -c "VACUUM FULL $r"; done
q -d $db -c "VACUUM ANALYZE observe.logs" 2>/dev/null || true

IFS='|' read -r lines raw_bytes streams t0 t1 <<<"$(q -d $db -c "SELECT count(*), sum(octet_length(line)),
  count(DISTINCT labels), min(time), max(time) + interval '1 s' FROM heap_logs")"
internal_sql="SELECT c.oid::regclass AS relation, pg_total_relation_size(c.oid) AS bytes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'observe' AND c.relkind = 'r' AND c.relname LIKE '\\_ts\\_%'
 UNION ALL SELECT 'observe.logs'::regclass, pg_total_relation_size('observe.logs')"
obs_bytes=$(q -d $db -c "SELECT sum(bytes) FROM ($internal_sql) s")
chunk_data=$(q -d $db -c "SELECT sum(octet_length(data)) FROM observe._ts_chunks")
IFS='|' read -r obs_rows obs_series obs_chunks <<<"$(q -d $db -c \
  "SELECT rows, series, chunks FROM observe.storage_stats('observe.logs')")"
heap_bytes=$(q -d $db -c "SELECT pg_total_relation_size('heap_logs')")
trgm_bytes=$(q -d $db -c "SELECT pg_total_relation_size('heap_trgm')")
trgm_gin=$(q -d $db -c "SELECT coalesce(pg_relation_size(to_regclass('heap_trgm_line')), 0)")
# zstd -19 --long of the same lines (each + \n): the STATS figure for the whole recording,
# measured here when only part of it is loaded.
if [ "$LOG_LINES" = 0 ]; then
  zstd_bytes=20070974; zstd_note="STATS of the recording (zstd 1.5.4 -19 --long=27 -T1)"
else
  zstd_bytes=$(set +o pipefail; zstd -dc "$LOG_RECORDING" | head -n "$LOG_LINES" |
    "$PY" -c 'import sys, json
for l in sys.stdin: sys.stdout.write(json.loads(l)["line"] + "\n")' | zstd -19 --long=27 -T1 -c | wc -c)
  zstd_note="zstd -19 --long=27 -T1 of these $(fmt "$LOG_LINES") lines, this run"
fi

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
rows_s() { awk -v s="$1" -v n="$lines" 'BEGIN { printf "%.0f", n / s }'; }
mb_s() { awk -v s="$1" -v b="$raw_bytes" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }
gb_s() { awk -v ms="$1" -v b="$raw_bytes" 'BEGIN { printf "%.2f", b / 1e9 / (ms / 1000) }'; }

# --- queries -------------------------------------------------------------------------------------
# Needles from the data: an order id the access log has in one request, and a PostgreSQL session
# id that a few lines carry.
needle1=$(q -d $db -c "SELECT m FROM (SELECT substring(line from 'orders/[0-9]+ ') m FROM heap_logs
  WHERE labels->>'filename' = '/var/log/nginx/access.log') s WHERE m IS NOT NULL
  GROUP BY m HAVING count(*) = $LOG_REPLAY ORDER BY m LIMIT 1")
needle1=${needle1% }
needle2=$(q -d $db -c "SELECT s FROM (SELECT substring(line from '\"session_id\":\"([0-9a-f]+\\.[0-9a-f]+)\"') s
  FROM heap_logs WHERE labels->>'job' = 'postgres') x WHERE s IS NOT NULL
  GROUP BY s HAVING count(*) BETWEEN 5 * $LOG_REPLAY AND 20 * $LOG_REPLAY ORDER BY s LIMIT 1")
range_s=$(q -d $db -c "SELECT ceil(extract(epoch FROM timestamptz '$t1' - timestamptz '$t0'))::int + 1")
# Range steps on whole seconds (LogQL times are milliseconds).
step_t0=$(q -d $db -c "SELECT date_trunc('second', timestamptz '$t0')")

lines_sig() { echo "SELECT count(*) || ' ' || md5(coalesce(string_agg(line, E'\\n' ORDER BY line), '')) FROM ($1) s"; }
series_sig() { echo "SELECT count(*) || ' ' || md5(coalesce(string_agg(k, E'\\n' ORDER BY k), '')) FROM ($1) s"; }
logql_lines() { echo "SELECT line FROM observe.logql('$1', '$t0', '$t1', 5000, 'forward')"; }

results=$BENCH_WORK/logsql.rows
: > "$results"
# bench NAME STORE SQL: time SQL (median of LOG_RUNS), get its answer; row for the report
bench() {
  local name=$1 store=$2 sql=$3 ms ans
  if ans=$(q -d $db -c "$sql" 2>&1); then ms=$(time_sql $db "$LOG_RUNS" "$sql")
  else echo "$name / $store: $ans" >&2; ans="ERROR ${ans//$'\t'/ }"; ans=${ans//$'\n'/ }; ms=0; fi
  printf '%s\t%s\t%s\t%s\n' "$name" "$store" "$ms" "$ans" >> "$results"
}
chunks_line() {  # the custom scan's chunk counts for a query on observe.logs
  q -d $db -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) $1" | sed -n 's/^ *Chunks: *//p' | head -1
}

for tok in "$needle1" "$needle2"; do
  for tbl in heap_logs heap_trgm observe.logs; do
    bench "needle \`$tok\`" "SQL LIKE, $tbl" "$(lines_sig "SELECT line FROM $tbl WHERE line LIKE '%$tok%'")"
  done
  bench "needle \`$tok\`" "LogQL |=, observe.logs" "$(lines_sig "$(logql_lines "{host=\"vm\"} |= \"$tok\"")")"
done
for tbl in heap_logs heap_trgm observe.logs; do
  bench 'scan `GET`' "SQL count(*) LIKE, $tbl" "SELECT count(*) FROM $tbl WHERE line LIKE '%GET%'"
done
bench 'scan `GET`' "LogQL sum(count_over_time(|= GET)), observe.logs" \
  "SELECT value::bigint FROM observe.logql_instant('sum(count_over_time({host=\"vm\"} |= \"GET\" [${range_s}s]))', '$t1')"

# Metric queries: LogQL on observe.logs vs the SQL a heap user writes (on heap + btree on time).
m1="sum by (job) (count_over_time({host=\"vm\"}[1m]))"
bench "\`$m1\`, step 1m" "SQL, heap_trgm (btree on time)" "$(series_sig "SELECT g::text || ' ' || (labels->>'job') || ' ' || count(*) AS k
  FROM generate_series(timestamptz '$step_t0', timestamptz '$t1', interval '1 min') g
  JOIN heap_trgm h ON h.time > g - interval '1 min' AND h.time <= g GROUP BY g, labels->>'job'")"
bench "\`$m1\`, step 1m" "LogQL logql_range, observe.logs" "$(series_sig "SELECT time::text || ' ' || substring(metric from 'job=\"([^\"]*)\"') || ' ' || value AS k
  FROM observe.logql_range('$m1', '$step_t0', '$t1', '1 min')")"
pgjson=/var/log/postgresql/postgresql-15-app.json
m2="sum by (error_severity) (sum_over_time({filename=\"$pgjson\"} | json error_severity=\"error_severity\", line_num=\"line_num\" | unwrap line_num [${range_s}s]))"
bench "\`$m2\`" "SQL jsonb, heap_logs" "$(series_sig "SELECT s || ' ' || sum(n) AS k FROM (SELECT line::jsonb->>'error_severity' s, (line::jsonb->>'line_num')::float8 n
  FROM heap_logs WHERE labels->>'filename' = '$pgjson') x GROUP BY s")"
bench "\`$m2\`" "LogQL logql_instant, observe.logs" "$(series_sig "SELECT substring(metric from 'error_severity=\"([^\"]*)\"') || ' ' || value AS k
  FROM observe.logql_instant('$m2', '$t1')")"
m3="sum by (caller) (count_over_time({job=\"node-exporter\"} | logfmt caller [${range_s}s]))"
bench "\`$m3\`" "SQL regexp, heap_logs" "$(series_sig "SELECT c || ' ' || count(*) AS k FROM (SELECT substring(line from '(?:^| )caller=([^ ]*)') c
  FROM heap_logs WHERE labels->>'job' = 'node-exporter') s GROUP BY c")"
bench "\`$m3\`" "LogQL logql_instant, observe.logs" "$(series_sig "SELECT substring(metric from 'caller=\"([^\"]*)\"') || ' ' || value AS k
  FROM observe.logql_instant('$m3', '$t1')")"

# --- Issue 14's dashboard / on-call queries (LogQL on observe.logs vs the SQL a heap user writes
# on heap_trgm: pg_trgm GIN on line where a literal or a regex gives it trigrams, btree on time).
# Log queries return every matching line (fewer than logql's 5,000 cap on the recording); metric
# queries are instant over the whole range (or 1 m steps) so both sides count the same lines.
access=/var/log/nginx/access.log
# Log queries look at the last copy of a replay (the whole recording when LOG_REPLAY=1), as a
# dashboard shows the last 41 minutes; both sides get the same time range.
lq_t0=$t0; [ "$LOG_REPLAY" = 1 ] || lq_t0=$(q -d $db -c "SELECT timestamptz '$t1' - interval '$LOG_REPLAY_PERIOD_S s'")
in_lq="time >= '$lq_t0' AND time < '$t1'"
lq_lines() { echo "SELECT line FROM observe.logql('$1', '$lq_t0', '$t1', 5000, 'forward')"; }
# |= … != …: nginx's upstream trouble other than the dead upstream's refusals (the timeouts)
q1="{job=\"nginx\"} |= \"upstream\" != \"Connection refused\""
bench "\`$q1\`" "SQL LIKE / NOT LIKE, heap_trgm ($gin)" "$(lines_sig "SELECT line FROM heap_trgm
  WHERE line LIKE '%upstream%' AND line NOT LIKE '%Connection refused%' AND labels->>'job' = 'nginx' AND $in_lq")"
bench "\`$q1\`" "LogQL logql, observe.logs" "$(lines_sig "$(lq_lines "$q1")")"
# |~ with alternation: the database's concurrency failures
q2="{job=\"postgres\"} |~ \"deadlock detected|could not serialize access|canceling statement due to lock timeout\""
bench "\`$q2\`" "SQL ~ regex, heap_trgm ($gin)" "$(lines_sig "SELECT line FROM heap_trgm
  WHERE line ~ 'deadlock detected|could not serialize access|canceling statement due to lock timeout' AND labels->>'job' = 'postgres' AND $in_lq")"
bench "\`$q2\`" "LogQL logql, observe.logs" "$(lines_sig "$(lq_lines "$q2")")"
# | json | numeric label filter (the jsonlog's counterpart of status >= 500): errors of
# transactions that had written (txid > 0), by SQLSTATE
q3="sum by (state_code) (count_over_time({job=\"postgres\"} | json | error_severity=\"ERROR\" and txid > 0 [${range_s}s]))"
bench "\`$q3\`" "SQL LIKE ($gin) + jsonb, heap_trgm" "$(series_sig "SELECT s || ' ' || count(*) AS k FROM (SELECT line::jsonb AS j
  FROM heap_trgm WHERE line LIKE '%\"error_severity\":\"ERROR\"%' AND labels->>'job' = 'postgres') x,
  LATERAL (SELECT j->>'state_code' AS s) y WHERE j->>'error_severity' = 'ERROR' AND (j->>'txid')::float8 > 0 GROUP BY s")"
bench "\`$q3\`" "LogQL logql_instant, observe.logs" "$(series_sig "SELECT substring(metric from 'state_code=\"([^\"]*)\"') || ' ' || value AS k
  FROM observe.logql_instant('$q3', '$t1')")"
# | logfmt | level="error": the monitoring stack's errors
q4="{job=~\"prometheus|node-exporter\"} | logfmt | level=\"error\""
bench "\`$q4\`" "SQL LIKE ($gin) + regexp, heap_trgm" "$(lines_sig "SELECT line FROM heap_trgm
  WHERE line LIKE '%level=error%' AND labels->>'job' IN ('prometheus', 'node-exporter')
    AND substring(line from '(?:^| )level=(\"[^\"]*\"|[^ ]*)') = 'error' AND $in_lq")"
bench "\`$q4\`" "LogQL logql, observe.logs" "$(lines_sig "$(lq_lines "$q4")")"
# | pattern | status >= 500: server errors of the access log by status
q5="sum by (status) (count_over_time({filename=\"$access\"} | pattern \"<_> - - [<_>] \\\"<method> <_> <_>\\\" <status> <_>\" | status >= 500 | __error__=\"\" [${range_s}s]))"
bench "\`$q5\`" "SQL regexp, heap_trgm" "$(series_sig "SELECT st || ' ' || count(*) AS k FROM (SELECT substring(line from '^[^ ]* - - \\[[^]]*\\] \"[^ ]* [^ ]* [^\"]*\" ([0-9]+) ') st
  FROM heap_trgm WHERE labels->>'filename' = '$access') s WHERE st::int >= 500 GROUP BY st")"
bench "\`$q5\`" "LogQL logql_instant, observe.logs" "$(series_sig "SELECT substring(metric from 'status=\"([^\"]*)\"') || ' ' || value AS k
  FROM observe.logql_instant('$q5', '$t1')")"
# rate by label over 1 m steps: the database's lines per second by level
q6="sum by (level) (rate({job=\"postgres\"}[1m]))"
# (a rate per stream, then their sum, as LogQL: level="log" has two streams, and 20633/60 + 2/60
# is not 20635/60 in floating point). Windows of 1 m at 1 m steps do not overlap: each row is in
# the window of the step at or after it, so one pass groups the rows by that step (the join with
# generate_series of m1 and q7 was planned here as a nested loop over the steps and every
# postgres row: 8 s at 1x, more than 10 minutes at 15x).
bench "\`$q6\`, step 1m" "SQL, heap_trgm (btree on time)" "$(series_sig "SELECT g::text || ' ' || l || ' ' || sum(n / 60.0::float8) AS k FROM (
  SELECT g, labels, labels->>'level' l, count(*) n FROM (
    SELECT timestamptz '$step_t0' + ceil(extract(epoch FROM time - timestamptz '$step_t0') / 60) * interval '1 min' AS g, labels
      FROM heap_trgm WHERE labels->>'job' = 'postgres' AND time > timestamptz '$step_t0' - interval '1 min' AND time <= '$t1') x
   WHERE g <= '$t1' GROUP BY g, labels) s
  GROUP BY g, l")"
bench "\`$q6\`, step 1m" "LogQL logql_range, observe.logs" "$(series_sig "SELECT time::text || ' ' || substring(metric from 'level=\"([^\"]*)\"') || ' ' || value AS k
  FROM observe.logql_range('$q6', '$step_t0', '$t1', '1 min')")"
# topk over 1 m steps: the 3 busiest streams each minute
q7="topk(3, sum by (filename, level) (count_over_time({host=\"vm\"}[1m])))"
bench "\`$q7\`, step 1m" "SQL rank(), heap_trgm (btree on time)" "$(series_sig "SELECT g::text || ' ' || f || ' ' || coalesce(l, '') || ' ' || n AS k FROM (
  SELECT g, labels->>'filename' f, labels->>'level' l, count(*) n, rank() OVER (PARTITION BY g ORDER BY count(*) DESC) r
    FROM generate_series(timestamptz '$step_t0', timestamptz '$t1', interval '1 min') g
    JOIN heap_trgm h ON h.time > g - interval '1 min' AND h.time <= g GROUP BY g, labels->>'filename', labels->>'level') s WHERE r <= 3")"
bench "\`$q7\`, step 1m" "LogQL logql_range, observe.logs" "$(series_sig "SELECT time::text || ' ' || substring(metric from 'filename=\"([^\"]*)\"') || ' ' || coalesce(substring(metric from 'level=\"([^\"]*)\"'), '') || ' ' || value AS k
  FROM observe.logql_range('$q7', '$step_t0', '$t1', '1 min')")"
# quantile_over_time with unwrap: p99 collector time of node-exporter by collector
q8="quantile_over_time(0.99, {job=\"node-exporter\"} |= \"duration_seconds=\" | logfmt | unwrap duration_seconds | __error__=\"\" [${range_s}s]) by (name)"
# (the SQL computes Prometheus' quantile, as Loki does: v[lo]·(1−w) + v[hi]·w; percentile_cont's
# v[lo] + (v[hi]−v[lo])·w can differ in the last bit)
bench "\`$q8\`" "SQL LIKE ($gin) + array_agg quantile, heap_trgm" "$(series_sig "SELECT n || ' ' || (a[lo + 1] * (1 - w) + a[hi + 1] * w) AS k FROM (
  SELECT n, a, floor(r)::int lo, least(c - 1, floor(r) + 1)::int hi, r - floor(r) w FROM (
    SELECT n, a, c, 0.99::float8 * (c - 1) r FROM (
      SELECT n, array_agg(d ORDER BY d) a, count(*)::float8 c FROM (
        SELECT substring(line from ' name=([^ ]*)') n, substring(line from ' duration_seconds=([^ ]*)')::float8 d
          FROM heap_trgm WHERE line LIKE '%duration_seconds=%' AND labels->>'job' = 'node-exporter') s
       GROUP BY n) x) y) z")"
bench "\`$q8\`" "LogQL logql_instant, observe.logs" "$(series_sig "SELECT substring(metric from 'name=\"([^\"]*)\"') || ' ' || value AS k
  FROM observe.logql_instant('$q8', '$t1')")"

needle1_chunks=$(chunks_line "SELECT line FROM observe.logs WHERE line LIKE '%$needle1%'")
needle2_chunks=$(chunks_line "SELECT line FROM observe.logs WHERE line LIKE '%$needle2%'")
get_chunks=$(chunks_line "SELECT count(*) FROM observe.logs WHERE line LIKE '%GET%'")

# The report rows: each query's answer against the heap's (the first store of its name).
table_rows() {
  awk -F'\t' -v raw="$raw_bytes" '
    !($1 in ref) { ref[$1] = $4 }
    { same = ($4 == ref[$1]) ? "same" : "**DIFFERENT**"; split($4, a, " ")
      gbs = ($1 ~ /^scan/ && $3 > 0) ? sprintf("%.2f", raw / 1e9 / ($3 / 1000)) : ""
      n = $1; st = $2; gsub(/\|/, "\\|", n); gsub(/\|/, "\\|", st)
      printf "| %s | %s | %s | %.1f | %s | %s |\n", n, st, a[1], $3, gbs, same }' "$results"
}
grep -q . "$results"
diffs=$(table_rows | grep -c DIFFERENT || true)
[ "$diffs" = 0 ] || failures=1
ms_of() { awk -F'\t' -v n="$1" -v s="$2" '$1 == n && $2 == s { print $3 }' "$results"; }
get_obs_ms=$(ms_of 'scan `GET`' "SQL count(*) LIKE, observe.logs")
get_logql_ms=$(ms_of 'scan `GET`' "LogQL sum(count_over_time(|= GET)), observe.logs")
get_heap_ms=$(ms_of 'scan `GET`' "SQL count(*) LIKE, heap_logs")
n1_obs_ms=$(ms_of "needle \`$needle1\`" "SQL LIKE, observe.logs")
n1_trgm_ms=$(ms_of "needle \`$needle1\`" "SQL LIKE, heap_trgm")
n1_logql_ms=$(ms_of "needle \`$needle1\`" "LogQL |=, observe.logs")
read -r n1_read n1_skip <<<"$(echo "$needle1_chunks" | sed -n 's/.*read \([0-9]*\), skipped \([0-9]*\).*/\1 \2/p')"
n1_pct=$(awk -v r="${n1_read:-0}" -v s="${n1_skip:-0}" 'BEGIN { if (r + s == 0) print "n/a"; else printf "%.2f", 100 * r / (r + s) }')
ratio_all=$(ratio "$raw_bytes" "$obs_bytes" 2)
met() { awk -v x="$1" -v t="$2" -v dir="${3:-ge}" 'BEGIN { if (x == "n/a" || x == "") { print "n/a"; exit }
  ok = dir == "ge" ? x >= t : x <= t; print ok ? "met" : "NOT met" }'; }
figure lg_ratio "$ratio_all"; figure lg_copy_obs "$(rows_s "$obs_copy_s")"
figure lg_copy_heap "$(rows_s "$heap_copy_s")"; figure lg_copy_trgm "$(rows_s "$trgm_copy_s")"
figure lg_needle_pct "$n1_pct"; figure lg_scan_gbs "$(gb_s "$get_obs_ms")"

cat <<MD
## Logs: observe_log beside heap and heap + pg_trgm GIN (bench/logsql)

$(fmt "$lines") entries of \`$(basename "$LOG_RECORDING")\`$([ "$LOG_LINES" = 0 ] && echo " (the whole recording)" || echo " (its first $(fmt "$LOG_LINES") entries)"),
$streams streams, $(fmt "$raw_bytes") bytes of raw lines ($(mb "$raw_bytes") MB), $t0 to $t1; loaded by
COPY from the same file into each table$([ "$LOG_REPLAY" = 1 ] || echo " (the entries replayed $LOG_REPLAY times, each copy $LOG_REPLAY_PERIOD_S s after the previous)"). Command: \`bench/run.sh logs\` (bench/logsql/run.sh$([ "$LOG_LINES" = 0 ] || echo ", LOG_LINES=$LOG_LINES")$([ "$LOG_REPLAY" = 1 ] || echo ", LOG_REPLAY=$LOG_REPLAY")).
Every query runs in one backend (\`max_parallel_workers_per_gather = 0\`, \`jit = off\`), median of
$LOG_RUNS warm runs. pg_observe is \`observe.logs\` (observe_log) after COPY, \`observe.compact\`
and \`VACUUM FULL\` of its internal relations (no dead space counted); the heaps are append-only
and VACUUMed.$([ "$gin" = GIN ] || printf '\n\n**No GIN in this run** (`LOG_TRGM_INDEX=btree`): `heap_trgm` has only the btree on time, so its rows\nand every "heap + GIN" ratio below are heap + btree; the GIN targets stand on the runs that built it.')

### Size, everything included

| store | bytes | raw lines / bytes | vs pg_observe |
|---|---:|---:|---:|
| **pg_observe** \`observe.logs\`, every internal relation (chunks + TOAST, series, options, indexes, FSM/VM) | $(fmt "$obs_bytes") | **$ratio_all×** | 1 |
| zstd -19 --long of the lines ($zstd_note) | $(fmt "$zstd_bytes") | $(ratio "$raw_bytes" "$zstd_bytes" 2)× | $(ratio "$zstd_bytes" "$obs_bytes" 2)× |
| heap, no index | $(fmt "$heap_bytes") | $(ratio "$raw_bytes" "$heap_bytes" 2)× | $(ratio "$heap_bytes" "$obs_bytes" 1)× |
| heap + $([ "$gin" = GIN ] && echo "pg_trgm GIN (line) + ")btree (time) | $(fmt "$trgm_bytes") | $(ratio "$raw_bytes" "$trgm_bytes" 2)× | $(ratio "$trgm_bytes" "$obs_bytes" 1)× |

pg_observe: $obs_series series, $obs_chunks chunks, $(fmt "$obs_rows") rows; chunk payloads
$(fmt "$chunk_data") bytes ($(ratio "$raw_bytes" "$chunk_data" 2)× the raw lines). The GIN index alone: $(fmt "$trgm_gin") bytes.
Target ≥ 20× everything included: **$(met "$ratio_all" 20)**; goal smaller than zstd -19 --long:
$(met "$(ratio "$zstd_bytes" "$obs_bytes" 3)" 1).

| relation | bytes |
|---|---:|
$(q -d $db -F ' | ' -c "SELECT '| ' || relation, to_char(bytes, 'FM999,999,999,990') || ' |' FROM ($internal_sql) s ORDER BY 1")

### COPY ingest (the same TSV, time/labels/line/metadata)

| target | seconds | rows/s | MB/s of raw lines | vs heap | vs heap + GIN |
|---|---:|---:|---:|---:|---:|
| pg_observe \`observe.logs\` (COPY; then \`observe.compact\` ${compact_s} s, not included) | $obs_copy_s | $(fmt "$(rows_s "$obs_copy_s")") | $(mb_s "$obs_copy_s") | $(ratio "$heap_copy_s" "$obs_copy_s")× | $(ratio "$trgm_copy_s" "$obs_copy_s")× |
| heap, no index | $heap_copy_s | $(fmt "$(rows_s "$heap_copy_s")") | $(mb_s "$heap_copy_s") | 1× | $(ratio "$trgm_copy_s" "$heap_copy_s")× |
| heap + $([ "$gin" = GIN ] && echo "pg_trgm GIN + ")btree (time), $([ "$LOG_TRGM_INDEX" != during ] && echo "COPY without indexes, then CREATE INDEX: $trgm_index_s s, not included" || echo "maintained during COPY") | $trgm_copy_s | $(fmt "$(rows_s "$trgm_copy_s")") | $(mb_s "$trgm_copy_s") | $(ratio "$heap_copy_s" "$trgm_copy_s")× | 1× |

Targets: ≥ heap → **$(met "$(ratio "$heap_copy_s" "$obs_copy_s" 3)" 1)**; ≥ 3× heap + GIN →
**$(met "$(ratio "$trgm_copy_s" "$obs_copy_s" 3)" 3)**.

### Queries (answers compared with the first row of each query, the heap's)

| query | store | answer (count) | ms | GB/s of all raw lines | answer |
|---|---|---:|---:|---:|---|
$(table_rows)

EXPLAIN ANALYZE of the custom scan on \`observe.logs\` (\`Chunks:\` line): needle \`$needle1\`: ${needle1_chunks:-none};
needle \`$needle2\`: ${needle2_chunks:-none}; \`LIKE '%GET%'\`: ${get_chunks:-none}.

Targets: needle reads ≤ 1 % of chunks → $n1_read of $((n1_read + n1_skip)) = $n1_pct % **$(met "$n1_pct" 1 le)**;
needle LogQL ≥ 10× faster than heap + GIN: $(ratio "$n1_trgm_ms" "$n1_logql_ms")× **$(met "$(ratio "$n1_trgm_ms" "$n1_logql_ms" 3)" 10)**
(SQL LIKE on observe.logs: $(ratio "$n1_trgm_ms" "$n1_obs_ms")×);
scan \`|= "GET"\` ≥ 1.5 GB/s per core: SQL $(gb_s "$get_obs_ms") GB/s **$(met "$(gb_s "$get_obs_ms")" 1.5)**, LogQL
$(gb_s "$get_logql_ms") GB/s **$(met "$(gb_s "$get_logql_ms")" 1.5)** (heap seq scan $(gb_s "$get_heap_ms") GB/s; figures over all raw
line bytes — see the chunks line for what had to be read); same answers everywhere: **$([ "$diffs" = 0 ] && echo "yes" || echo "NO, $diffs differ")**.
MD

# Issue 14's dashboard / on-call queries: LogQL against the heap + GIN SQL, per query (the
# metric and log query rows: the first store of a name is the heap's, the second LogQL's).
logql_rows() {
  awk -F'\t' '
  { n = $1; if (!(n in first)) { first[n] = $2; fms[n] = $3; fans[n] = $4; order[++k] = n }
    else { oms[n] = $3; oans[n] = $4 } }
  END { for (i = 1; i <= k; i++) { n = order[i]; if (n ~ /^(needle|scan)/) continue
      q = n; st = first[n]; gsub(/\|/, "\\|", q); gsub(/\|/, "\\|", st); split(fans[n], a, " ")
      r = oms[n] > 0 ? sprintf("%.1f×", fms[n] / oms[n]) : "n/a"
      same = fans[n] == oans[n] ? "same" : "**DIFFERENT**"
      met = (oms[n] > 0 && fms[n] >= oms[n]) ? "met" : "**NOT met**"
      printf("| %s | %s | %.1f | %.1f | %s | %s (%s) | %s |\n", q, st, fms[n], oms[n], r, same, a[1], met) } }' "$results"
}
cat <<MD

### Dashboard and on-call queries: LogQL on observe.logs against the heap SQL

Target (issue 14): each query at least as fast as the heap + pg_trgm GIN SQL (ratio = heap ms /
LogQL ms, ≥ 1 is met); answers compared as above.

| query | heap SQL | heap ms | LogQL ms | ratio | answer (count) | target |
|---|---|---:|---:|---:|---|---|
$(logql_rows)
MD
exit $failures
