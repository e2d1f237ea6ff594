#!/usr/bin/env bash
# The first needle of a new connection (a `psql -c`, Grafana's first query, a pooler's new
# backend): for each query, RUNS fresh connections that run it as their FIRST statement; the
# backend's CPU time for that statement is read from /proc/<pid>/schedstat (ns on CPU) before
# and after it, by psql's \! (the backend's pid is looked up in pg_stat_activity by a second
# connection, so the measured backend runs no statement before the query). The connection's
# own start (authentication, catalog init) is not counted. Runs are interleaved (run i of
# every query, then run i+1), so the machine's load drifts over every query alike; a warm-up
# round first (not counted) fills shared buffers and observe's server-wide header cache.
# Prints min / median / max ms of backend CPU, and psql's \timing wall ms (median).
#   bench/logsql/fresh_needle.sh DB [RUNS]     (database from load_needle.sh; RUNS default 9)
# Needs PG* environment for a server on this machine and root (or the server's user) to read
# the backend's /proc entry. CHECK=0 skips the answer check (count + md5 of sorted lines vs
# heap_trgm's); QUERIES=list of names to run a subset (default: all below).
set -euo pipefail
db=${1:?usage: fresh_needle.sh DB [RUNS]}
runs=${2:-9}
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }
export PGOPTIONS="${PGOPTIONS:-} -c max_parallel_workers_per_gather=0 -c jit=off"
t0=$(q -c "SELECT min(time) FROM heap_trgm"); t1=$(q -c "SELECT max(time) + interval '1 s' FROM heap_trgm")
logql() { echo "SELECT line FROM observe.logql('{host=\"vm\"} |= \"$1\"', '$t0', '$t1', 5000, 'forward')"; }
declare -A sql=(
  [select1]="SELECT 1"
  [heap_orders]="SELECT line FROM heap_trgm WHERE line LIKE '%orders/100002%'"
  [obs_orders]="SELECT line FROM observe.logs WHERE line LIKE '%orders/100002%'"
  [logql_orders]="$(logql orders/100002)"
  [heap_session]="SELECT line FROM heap_trgm WHERE line LIKE '%6b14bb84.7007%'"
  [obs_session]="SELECT line FROM observe.logs WHERE line LIKE '%6b14bb84.7007%'"
  [logql_session]="$(logql 6b14bb84.7007)"
  [heap_absent]="SELECT line FROM heap_trgm WHERE line LIKE '%zzqqxxkkvv%'"
  [obs_absent]="SELECT line FROM observe.logs WHERE line LIKE '%zzqqxxkkvv%'"
)
names=(${QUERIES:-select1 heap_orders obs_orders logql_orders heap_session obs_session logql_session heap_absent obs_absent})
dir=$(mktemp -d /tmp/fresh_needle.XXXXXX)
trap 'rm -rf "$dir"' EXIT

if [ "${CHECK:-1}" = 1 ]; then
  for n in orders session absent; do
    ref=$(q -c "${sql[heap_$n]}" | LC_ALL=C sort | md5sum | cut -c1-8)
    for s in obs logql; do
      [ -n "${sql[${s}_$n]:-}" ] || continue
      got=$(q -c "${sql[${s}_$n]}" | LC_ALL=C sort | md5sum | cut -c1-8)
      echo "answer $n $s: $got (heap $ref, $(q -c "${sql[${s}_$n]}" | wc -l) rows) $([ "$got" = "$ref" ] && echo same || echo DIFFERENT)"
      [ "$got" = "$ref" ] || exit 1
    done
  done
fi

# one NAME TAG: the query NAME as the first statement of a new connection; appends "cpu_ms wall_ms"
one() {
  local name=$1 app="fresh_needle_$$_$2"
  printf '%s\n' \
    "\\! psql -X -At -d $db -c \"SELECT pid FROM pg_stat_activity WHERE application_name = '$app' AND pid <> pg_backend_pid()\" > $dir/pid; awk '{print \$1}' /proc/\$(cat $dir/pid)/schedstat > $dir/before" \
    "\\timing on" "\\o /dev/null" "${sql[$name]};" "\\o" "\\timing off" \
    "\\! awk '{print \$1}' /proc/\$(cat $dir/pid)/schedstat > $dir/after" |
    PGAPPNAME=$app psql -X -q -d "$db" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' > "$dir/wall"
  echo "$(awk -v a="$(cat "$dir/before")" -v b="$(cat "$dir/after")" 'BEGIN { printf "%.2f", (b - a) / 1e6 }') $(cat "$dir/wall")" >> "$dir/$name"
}
for n in "${names[@]}"; do one "$n" warm; done
for i in $(seq 1 "$runs"); do
  for n in "${names[@]}"; do one "$n" "$i"; done
done
stats() { sort -g | awk '{ a[NR] = $1 } END { printf "%.2f / %.2f / %.2f", a[1], (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), a[NR] }'; }
echo "backend CPU ms of the first statement, $runs fresh connections each (min / median / max); wall ms median; load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${names[@]}"; do
  printf '%-14s cpu %-26s wall %s   [%s]\n' "$n" "$(cut -d' ' -f1 "$dir/$n" | stats)" \
    "$(cut -d' ' -f2 "$dir/$n" | stats | awk -F' / ' '{print $2}')" "${sql[$n]}"
done
