#!/usr/bin/env bash
# The summary table at the top of bench/run.sh's report: headline figures (KEY=VALUE lines the
# parts wrote with `figure`) against their same-run baselines and the targets. Rows whose
# figures are missing (part not run) are left out.
#   bench/tools/summary.sh FIGURES_FILE
set -uo pipefail
source "$(dirname "$0")/common.sh"
declare -A f
while IFS='=' read -r k v; do [ -n "$k" ] && f[$k]=$v; done < "${1:-$BENCH_WORK/figures.env}"
have() { local key; for key in "$@"; do [ -n "${f[$key]:-}" ] || return 1; done; }
verdict() { awk -v x="$1" -v t="$2" -v dir="${3:-ge}" 'BEGIN { ok = dir == "ge" ? x >= t : x <= t; print ok ? "met" : "**NOT met**" }'; }

echo "## Summary"
echo
echo "| figure | pg_observe | baseline, same run | ratio | target | |"
echo "|---|---:|---:|---:|---|---|"
if have st_obs_bps st_prom_bps st_heapidx_bps; then
  echo "| bytes/sample, node recording, everything included | **${f[st_obs_bps]}** | Prometheus block ${f[st_prom_bps]}; heap + btree ${f[st_heapidx_bps]} | $(ratio "${f[st_prom_bps]}" "${f[st_obs_bps]}")× smaller than Prometheus, $(ratio "${f[st_heapidx_bps]}" "${f[st_obs_bps]}" 0)× than heap + btree | ≤ 1.0 (goal ≤ 0.5) | $(verdict "${f[st_obs_bps]}" 1.0 le) (goal $(verdict "${f[st_obs_bps]}" 0.5 le)) |"
fi
if have st_copy_obs st_copy_heap st_copy_heapidx; then
  echo "| COPY samples/s, node recording | $(fmt "${f[st_copy_obs]}") | heap + btree $(fmt "${f[st_copy_heapidx]}"); heap $(fmt "${f[st_copy_heap]}") | $(ratio "${f[st_copy_obs]}" "${f[st_copy_heapidx]}")× heap + btree; $(ratio "${f[st_copy_obs]}" "${f[st_copy_heap]}")× heap | ≥ 3× heap + btree, ≥ 1× heap | $(verdict "$(ratio "${f[st_copy_obs]}" "${f[st_copy_heapidx]}")" 3), $(verdict "$(ratio "${f[st_copy_obs]}" "${f[st_copy_heap]}")" 1) |"
fi
if have in_copy_obs in_copy_heap in_copy_heapidx; then
  echo "| COPY samples/s, devops set ($(fmt "${f[in_samples]}") samples) | $(fmt "${f[in_copy_obs]}") | heap + btree $(fmt "${f[in_copy_heapidx]}"); heap $(fmt "${f[in_copy_heap]}") | $(ratio "${f[in_copy_obs]}" "${f[in_copy_heapidx]}")× heap + btree; $(ratio "${f[in_copy_obs]}" "${f[in_copy_heap]}")× heap | ≥ 3× heap + btree, ≥ 1× heap | $(verdict "$(ratio "${f[in_copy_obs]}" "${f[in_copy_heapidx]}")" 3), $(verdict "$(ratio "${f[in_copy_obs]}" "${f[in_copy_heap]}")" 1) |"
fi
for m in insert insert1; do
  have in_${m}_obs in_${m}_heap in_${m}_heapidx || continue
  what=$([ $m = insert ] && echo "autocommit" || echo "one transaction")
  echo "| multi-row INSERT samples/s (1,000 rows/statement, $what) | $(fmt "${f[in_${m}_obs]}") | heap + btree $(fmt "${f[in_${m}_heapidx]}"); heap $(fmt "${f[in_${m}_heap]}") | $(ratio "${f[in_${m}_obs]}" "${f[in_${m}_heapidx]}")× heap + btree; $(ratio "${f[in_${m}_obs]}" "${f[in_${m}_heap]}")× heap | — | |"
done
if have wp_cpu wp_wall; then
  echo "| workers' write path without parsing (MetricsWriter, 1,000 series x 12 labels a scrape, a transaction each): samples per CPU-second; per wall second | $(fmt "${f[wp_cpu]}"); $(fmt "${f[wp_wall]}") | — | — | ≥ 1,000,000 | $(verdict "${f[wp_cpu]}" 1000000) |"
fi
if have in_worker in_worker_rec; then
  echo "| \`ingest_prometheus_text\` samples/s (text parsing included): devops scrapes; node recording | $(fmt "${f[in_worker]}"); $(fmt "${f[in_worker_rec]}") | — | — | — | |"
fi
names=("one series over a day" "1,000 series over an hour" "full-table aggregate"
       "full scan with a value filter" "Grafana time-bucket aggregate (6 h, every host)")
targets=(1 1 3 3 3)
for i in 0 1 2 3 4; do
  have q${i}_obs q${i}_heap || continue
  x=$(ratio "${f[q${i}_heap]}" "${f[q${i}_obs]}")
  echo "| query: ${names[$i]}, ms | ${f[q${i}_obs]} | heap + btree ${f[q${i}_heap]} | heap ÷ pg_observe = ${x}× | ≥ ${targets[$i]}× | $(verdict "$x" "${targets[$i]}") |"
done
if have rules_backfill_samples rules_backfill_identical; then
  echo "| Recording rules backfilled over the node recording: observe.backfill_rules vs promtool tsdb create-blocks-from rules | ${f[rules_backfill_samples]} samples, $([ "${f[rules_backfill_identical]}" = 1 ] && echo identical || echo DIFFERENT) | promtool 2.42 | — | same series (issue 17) | $([ "${f[rules_backfill_identical]}" = 1 ] && echo met || echo "**NOT met**") |"
fi
for k in pq_dash pq_extra; do
  have ${k}_agree ${k}_pairs ${k}_geo || continue
  what=$([ $k = pq_dash ] && echo "node dashboard set" || echo "extra semantic checks")
  echo "| PromQL $what: answers agree with Prometheus | ${f[${k}_agree]} of ${f[${k}_pairs]} query/window pairs | Prometheus 2.42 | — | all agree | $([ "${f[${k}_agree]}" = "${f[${k}_pairs]}" ] && echo met || echo "**NOT met**") |"
  echo "| PromQL $what: latency, Prometheus / promql_range (a row per point) | geometric mean ${f[${k}_geo]}× (min ${f[${k}_min]}×, max ${f[${k}_max]}×) | Prometheus 2.42 HTTP API | pg_observe as fast in ${f[${k}_faster]} of ${f[${k}_pairs]} | ≥ 1× each | $(verdict "${f[${k}_min]}" 1) |"
  if have ${k}_series_geo; then
    echo "| PromQL $what: latency, Prometheus / promql_range_series (a row per series) | geometric mean ${f[${k}_series_geo]}× (min ${f[${k}_series_min]}×) | Prometheus 2.42 HTTP API | as fast in ${f[${k}_series_faster]} of ${f[${k}_pairs]}; of the pairs promql_range loses, ${f[${k}_floor_bound]} lose already on fetching its rows from a heap table | ≥ 1× each | $(verdict "${f[${k}_series_min]}" 1) |"
  fi
  if have ${k}_http_geo; then
    echo "| PromQL $what: latency over HTTP, Prometheus / pg_observe's /api/v1/query_range (the same request and JSON) | geometric mean ${f[${k}_http_geo]}× (min ${f[${k}_http_min]}×) | Prometheus 2.42 HTTP API | as fast in ${f[${k}_http_faster]} of ${f[${k}_pairs]}; JSON identical in ${f[${k}_http_json_identical]:-?} of ${f[${k}_pairs]} | ≥ 1× each (issue 16) | $(verdict "${f[${k}_http_min]}" 1) |"
  fi
done
echo
