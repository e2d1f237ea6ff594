#!/usr/bin/env bash
# A quick look at observe.logs alone on a subset of the log recording, for iterating on the
# line filters and the LogQL scan path: the needle / scan / count_over_time queries of run.sh
# (no heap, no GIN), each timed by the CPU its backend spent (from /proc/<pid>/stat, median of
# 3 after a warm-up), which a busy shared machine distorts less than wall time.
#   bench/logsql/subset_cpu.sh DB TSV [load]
# TSV from to_tsv.py (zstd -dc lines.jsonl.zst | to_tsv.py 700000 > sub.tsv); `load` (re)creates
# DB, COPYs the TSV into observe.logs, compacts and VACUUM FULLs its internal relations.
# Needs a server with pg_observe on this machine (PG* environment); NEEDLES= to change needles.
set -euo pipefail
db=$1; tsv=$2
q() { psql -qAtX -v ON_ERROR_STOP=1 -d "$db" "$@"; }
export PGOPTIONS="-c max_parallel_workers_per_gather=0 -c jit=off"
if [ "${3:-}" = load ]; then
  psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  q -c "CREATE EXTENSION pg_observe"
  s=$(date +%s.%N); q -c "\\copy observe.logs (time, labels, line, metadata) FROM '$tsv'"; e=$(date +%s.%N)
  echo "COPY $(echo "$e - $s" | bc) s"
  q -c "SELECT observe.compact('observe.logs')" >/dev/null
  for r in $(q -c "SELECT string_agg(c.oid::regclass::text, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'observe' AND c.relkind = 'r' AND c.relname LIKE '\\_ts\\_%'"); do q -c "VACUUM FULL $r"; done
fi
t0=$(q -c "SELECT min(time) FROM observe.logs"); t1=$(q -c "SELECT max(time) + interval '1 ms' FROM observe.logs")
range_s=$(q -c "SELECT ceil(extract(epoch FROM timestamptz '$t1' - timestamptz '$t0'))::int + 1")
step_t0=$(q -c "SELECT date_trunc('second', timestamptz '$t0')")
raw=$(q -c "SELECT sum(octet_length(line)) FROM observe.logs")
echo "rows $(q -c "SELECT count(*) FROM observe.logs") raw $raw chunks $(q -c "SELECT chunks FROM observe.storage_stats('observe.logs')")"
time_q() {  # name sql: median backend CPU ms of 3 runs after a warm-up (the machine is shared)
  local name=$1 sql=$2 ans cpu=()
  ans=$(q -c "$sql" | md5sum | cut -c1-8)
  for i in 1 2 3; do
    out=$(printf '%s\n' "SELECT pg_backend_pid() AS pid \\gset" "\\setenv BPID :pid" \
      "\\! awk '{print \"cpu\", \$14+\$15}' /proc/\$BPID/stat" "\\o /dev/null" "$sql;" "\\o" \
      "\\! awk '{print \"cpu\", \$14+\$15}' /proc/\$BPID/stat" | psql -qAtX -d "$db")
    a=$(echo "$out" | sed -n 's/^cpu //p' | head -1); b=$(echo "$out" | sed -n 's/^cpu //p' | tail -1)
    cpu+=($(( (b - a) * 10 )))
  done
  med=$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n 2p)
  [ "$med" -gt 0 ] || med=5
  printf '%-55s %6s ms CPU  %6s GB/s  answer %s (%s rows)\n' "$name" "$med" "$(echo "scale=2; $raw / ($med * 1000000)" | bc)" "$ans" "$(q -c "$sql" | wc -l)"
}
for n in ${NEEDLES:-orders/100002 6b14bb84.7007}; do
  echo "needle $n chunks: $(q -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT line FROM observe.logs WHERE line LIKE '%$n%'" | sed -n 's/^ *Chunks: *//p' | head -1)"
  time_q "needle $n SQL LIKE" "SELECT line FROM observe.logs WHERE line LIKE '%$n%' ORDER BY 1"
  time_q "needle $n LogQL |=" "SELECT line FROM observe.logql('{host=\"vm\"} |= \"$n\"', '$t0', '$t1', 5000, 'forward') ORDER BY 1"
done
echo "GET chunks: $(q -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT count(*) FROM observe.logs WHERE line LIKE '%GET%'" | sed -n 's/^ *Chunks: *//p' | head -1)"
time_q "scan GET SQL count(*) LIKE" "SELECT count(*) FROM observe.logs WHERE line LIKE '%GET%'"
time_q "scan GET LogQL sum(count_over_time(|= GET))" "SELECT value::bigint FROM observe.logql_instant('sum(count_over_time({host=\"vm\"} |= \"GET\" [${range_s}s]))', '$t1')"
time_q "count_over_time by job 1m, LogQL range" "SELECT time::text || ' ' || substring(metric from 'job=\"([^\"]*)\"') || ' ' || value FROM observe.logql_range('sum by (job) (count_over_time({host=\"vm\"}[1m]))', '$step_t0', '$t1', '1 min') ORDER BY 1"
time_q "count by job 1m, SQL on observe.logs" "SELECT b::text || ' ' || j || ' ' || c FROM (SELECT g.b, l.labels->>'job' j, count(*) c FROM generate_series(timestamptz '$step_t0', timestamptz '$t1', interval '1 min') g(b) JOIN observe.logs l ON l.time > g.b - interval '1 min' AND l.time <= g.b GROUP BY 1, 2) s ORDER BY 1"
