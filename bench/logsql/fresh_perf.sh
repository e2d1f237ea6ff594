#!/usr/bin/env bash
# perf profile of one query run as the FIRST statement of a new connection (fresh_needle.sh's
# measurement, profiled): perf record --call-graph dwarf attaches to the new backend before the
# query and stops after it; prints perf report's top entries (children and self).
#   bench/logsql/fresh_perf.sh DB "SQL" [OUT.data]
# Needs root (perf attaches to the server's backend), PG* environment, the server on this machine.
set -euo pipefail
db=${1:?usage: fresh_perf.sh DB SQL [OUT]}; sql=$2; out=${3:-/tmp/fresh_perf.$$.data}
export PGOPTIONS="${PGOPTIONS:-} -c max_parallel_workers_per_gather=0 -c jit=off"
app="fresh_perf_$$"
printf '%s\n' \
  "\\! pid=\$(psql -X -At -d $db -c \"SELECT pid FROM pg_stat_activity WHERE application_name = '$app' AND pid <> pg_backend_pid()\"); (perf record -q -F 4999 --call-graph dwarf,16384 -o $out -p \$pid >/dev/null 2>&1 & echo \$! > $out.perfpid); sleep 1" \
  "\\o /dev/null" "$sql;" "\\o" \
  "\\! kill -INT \$(cat $out.perfpid); sleep 3" |
  PGAPPNAME=$app psql -X -q -d "$db"
rm -f "$out.perfpid"
perf report -i "$out" --no-children --percent-limit 1.5 --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40
echo "--- children ---"
perf report -i "$out" --children --percent-limit 4 --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -50
echo "(perf data: $out)"
