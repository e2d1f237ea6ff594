#!/usr/bin/env bash
# Query latency on the devops set bench/ingest loaded into database pgo_ingest: observe.metrics
# (after observe.compact, the steady state the maintenance worker leaves) vs the heap table with
# btree (name, labels, time), same run, warm cache, median of RUNS after one warm-up run:
#   one series over a day; 1,000 series (every metric name) over an hour; a full-table aggregate.
#   A full scan with a value filter; a time-bucket aggregate as Grafana's $__timeGroup writes it
#   (1-min buckets x metric, 6 h).
# Times are psql's \timing (round trip and the whole result to the client, rows discarded).
# Prints a markdown section with EXPLAIN (ANALYZE, COSTS OFF) of the pushed-down queries.
#   HOURS=24 RUNS=5 bench/query/run.sh
set -euo pipefail
source "$(dirname "$0")/../tools/common.sh"
db=pgo_ingest
HOURS=${HOURS:-24}
RUNS=${RUNS:-5}
t0=1795392000   # gen_devops's default --start, 2026-11-23 00:00:00Z

q -d $db -c "SELECT observe.compact('observe.metrics')" >/dev/null
q -d $db -c "VACUUM ANALYZE observe.metrics" -c "VACUUM ANALYZE heap_idx"
IFS='|' read -r rows nseries chunks <<<"$(q -d $db -c \
  "SELECT rows, series, chunks FROM observe.storage_stats('observe.metrics')")"

ts() { q -d postgres -c "SELECT to_char(to_timestamp($1) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS+00')"; }
day_hours=$(( HOURS < 24 ? HOURS : 24 ))
day_from=$(ts $t0); day_to=$(ts $(( t0 + day_hours * 3600 )))
hour_from=$(ts $(( t0 + HOURS * 1800 ))); hour_to=$(ts $(( t0 + HOURS * 1800 + 3600 )))
series_labels=$(q -d $db -c "SELECT labels FROM heap_idx WHERE name = 'cpu_usage_user'
  AND labels->>'hostname' = 'host_1' AND time = '$day_from'")
names=$(q -d $db -c "SELECT string_agg(DISTINCT quote_literal(name), ', ') FROM heap_idx
  WHERE time = '$day_from'")

# Each query as a template: @T@ is the table.
declare -a labels sqls
labels+=("one series over ${day_hours} h (name = and labels = , time range)")
sqls+=("SELECT time, value FROM @T@ WHERE name = 'cpu_usage_user' AND labels = '$series_labels'
  AND time >= '$day_from' AND time < '$day_to'")
labels+=("$nseries series over 1 h (name IN (every name), time range)")
sqls+=("SELECT time, name, labels->>'hostname' AS host, value FROM @T@
  WHERE name IN ($names) AND time >= '$hour_from' AND time < '$hour_to'")
labels+=("full-table aggregate (avg(value) GROUP BY name)")
sqls+=("SELECT name, avg(value) FROM @T@ GROUP BY name")
six_hours=$(( day_hours < 6 ? day_hours : 6 ))
bucket_to=$(ts $(( t0 + six_hours * 3600 )))
labels+=("full scan with a value filter (value > 99.99 AND value < 100)")
sqls+=("SELECT time, name, labels->>'hostname' AS host, value FROM @T@ WHERE value > 99.99 AND value < 100")
labels+=("Grafana time buckets: 1-min avg per metric over ${six_hours} h of every host")
sqls+=("SELECT floor(extract(epoch from time)/60)*60 AS time, name, avg(value) FROM @T@
  WHERE time >= '$day_from' AND time < '$bucket_to' GROUP BY 1, 2")

cat <<MD
## Query latency: observe.metrics vs heap + btree (name, labels, time)

The devops set of the ingest section ($(fmt "$rows") samples, $nseries series) in database
\`$db\`: observe.metrics after \`observe.compact\` ($chunks chunks) and the heap table with its
btree, both after VACUUM ANALYZE. Median of $RUNS runs after a warm-up run, psql \`\\timing\`
(whole result to the client). Command: \`bench/run.sh query\` (bench/query/run.sh, after
bench/ingest/run.sh).

| query | rows | pg_observe ms | heap + btree ms | heap / pg_observe |
|---|---:|---:|---:|---:|
MD
for i in "${!sqls[@]}"; do
  o=${sqls[$i]//@T@/observe.metrics}; h=${sqls[$i]//@T@/heap_idx}
  n=$(q -d $db -c "SELECT count(*) FROM ($o) s")
  nh=$(q -d $db -c "SELECT count(*) FROM ($h) s")
  [ "$n" = "$nh" ] || n="$n (heap: $nh — DIFFERENT)"
  to=$(time_sql $db "$RUNS" "$o"); th=$(time_sql $db "$RUNS" "$h")
  figure "q${i}_obs" "$to"; figure "q${i}_heap" "$th"
  echo "| ${labels[$i]} | $(fmt "${n%% *}")${n#${n%% *}} | $to | $th | **$(ratio "$th" "$to")×** |"
done
echo
echo "Targets: time-range and series-key queries at least as fast as heap + btree (ratio ≥ 1);"
echo "full scans and aggregates ≥ 3× faster than heap."
echo
for i in "${!sqls[@]}"; do
  echo "EXPLAIN (ANALYZE, COSTS OFF) of \"${labels[$i]}\":"
  echo
  echo '```'
  {  # long label sets shortened to '{...}'
    echo "${sqls[$i]//@T@/observe.metrics}"
    q -d $db -c "EXPLAIN (ANALYZE, COSTS OFF) ${sqls[$i]//@T@/observe.metrics}"
    echo "-- heap + btree:"
    q -d $db -c "EXPLAIN (ANALYZE, COSTS OFF) ${sqls[$i]//@T@/heap_idx}"
  } | sed -E "s/'\{\"[^']{60,}\}'/'{...}'/g"
  echo '```'
  echo
done
