#!/usr/bin/env bash
# ANALYZE of an observe_ts table samples it like a heap table's blocks: a table larger than the
# 300 x statistics_target blocks ANALYZE visits is read only in the sampled blocks' series, and
# the row estimate stays close; a smaller one is read whole and counted exactly.
set -euo pipefail
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
DB=ts_analyze_$$
cleanup() { "$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null || true; }
trap cleanup EXIT
"$PGBIN/createdb" "$DB"
q() { psql -qAtX -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
q <<'SQL'
CREATE EXTENSION pg_observe;
-- random values compress poorly: about 8 bytes a row, a few hundred 8 kB "blocks"
CREATE TABLE big (time timestamptz, host text, v float8) USING observe_ts;
INSERT INTO big SELECT '2024-01-01'::timestamptz + (i / 400) * interval '1 s', 'h' || (i % 400), random()
  FROM generate_series(0, 399999) i;
SQL
pages() { q -c "SELECT relpages FROM pg_class WHERE oid = 'big'::regclass"; }  # ANALYZE sets it
reltuples() { q -c "SELECT reltuples::bigint FROM pg_class WHERE oid = 'big'::regclass"; }
fail=0

# statistics target 1: 300 blocks sampled of more: part of the series read, estimate close
start=$(date +%s%N)
q -c "SET default_statistics_target = 1" -c "ANALYZE big"
sampled_ms=$(( ($(date +%s%N) - start) / 1000000 ))
est=$(reltuples)
echo "blocks: $(pages); sampled ANALYZE: ${sampled_ms} ms, reltuples $est of 400000"
[ "$(pages)" -gt 300 ] || { echo "FAIL: the table must be larger than the 300 blocks sampled"; fail=1; }
if [ "$est" -lt 360000 ] || [ "$est" -gt 440000 ]; then echo "FAIL: estimate off by more than 10%"; fail=1; fi
[ "$(q -c "SELECT count(*) FROM pg_stats WHERE tablename = 'big'")" = 3 ] || { echo "FAIL: no statistics"; fail=1; }

# the default target visits every block: every row read, the count exact
start=$(date +%s%N)
q -c "ANALYZE big"
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "full ANALYZE: ${full_ms} ms, reltuples $(reltuples)"
[ "$(reltuples)" = 400000 ] || { echo "FAIL: a fully read table must be counted exactly"; fail=1; }
[ "$sampled_ms" -lt "$full_ms" ] || echo "note: the sampled ANALYZE was not faster (${sampled_ms} vs ${full_ms} ms)"
[ "$(q -c "SELECT n_distinct FROM pg_stats WHERE tablename = 'big' AND attname = 'host'")" = 400 ] ||
  { echo "FAIL: n_distinct of host after a full read"; fail=1; }
[ "$fail" = 0 ] && echo "ok: ANALYZE samples large observe_ts tables and counts small ones exactly"
exit $fail
