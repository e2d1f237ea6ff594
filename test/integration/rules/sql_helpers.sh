# Sourced by the rules tests: q SQL (one statement, unaligned, errors fatal) and
# wait_for SQL SECONDS (until the statement returns t; 1 when it never does).
q() { psql -X -qtA -v ON_ERROR_STOP=1 -c "$1"; }
wait_for() {
  for _ in $(seq 1 $(($2 * 4))); do
    [ "$(q "$1" 2>/dev/null || true)" = t ] && return 0
    sleep 0.25
  done
  return 1
}
