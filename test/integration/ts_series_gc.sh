#!/usr/bin/env bash
# Series lifecycle (issue 11): a series with no chunk left (retention, drop_chunks, compaction)
# is removed from observe._ts_series by compaction and from every backend's cache; an id is
# never given again, and never removed while a row could still name it: an open transaction's
# buffered rows, or chunks an older snapshot can still read.
set -euo pipefail
psql_q() { psql -X -qtA -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
DIR=$(mktemp -d /tmp/ts_series_gc.XXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
  psql_q "DROP TABLE IF EXISTS gc_t" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# Sessions kept open: open_session NAME, send NAME "SQL", wait_lines NAME N.
SESSION_PIDS_VAR=PIDS
source "$(cd "$(dirname "$0")" && pwd)/lib/sessions.sh"
series_ids() {
  psql_q "SELECT string_agg(s.labels->>'s' || '=' || s.series_id, ' ' ORDER BY s.series_id)
            FROM observe._ts_series s WHERE s.storage_id = (SELECT relfilenode FROM pg_class WHERE oid = 'gc_t'::regclass)"
}
# VACUUM and compaction until the series left are `want` (a concurrent worker transaction may
# hold back the vacuum horizon for a moment).
gc_until() {
  local want=$1 got=""
  for _ in $(seq 1 20); do
    psql_q "VACUUM observe._ts_chunks" >/dev/null
    psql_q "SELECT observe.compact('gc_t')" >/dev/null
    got=$(series_ids)
    [ "$got" = "$want" ] && return 0
    sleep 0.5
  done
  echo "series after GC: '$got', expected '$want'"; exit 1
}
# GC rounds that must leave the series as they are.
gc_keeps() {
  local want=$1 got
  for _ in 1 2; do
    psql_q "VACUUM observe._ts_chunks" >/dev/null
    psql_q "SELECT observe.compact('gc_t')" >/dev/null
  done
  got=$(series_ids)
  [ "$got" = "$want" ] || { echo "GC removed a series still in use: '$got', expected '$want'"; exit 1; }
}
row() { echo "INSERT INTO gc_t VALUES ('$1', 's', jsonb_build_object('s', '$2'), $3);"; }

psql_q "CREATE EXTENSION IF NOT EXISTS pg_observe"
psql_q "DROP TABLE IF EXISTS gc_t"
psql_q "CREATE TABLE gc_t (time timestamptz NOT NULL, name text, labels jsonb, value float8) USING observe_ts"
psql_q "$(row 2020-01-01 a 1) $(row 2026-01-01 b 2) $(row 2020-01-01 c 3)"
before=$(series_ids)
echo "series: $before"

# A backend that has cached the dictionary (a, b, c) and stays connected.
open_session cached
send cached "SELECT string_agg(labels->>'s', ',' ORDER BY value) FROM gc_t;"
wait_lines cached 1

# Retention drops a and c: compaction removes their series once no snapshot can read them.
psql_q "SELECT observe.drop_chunks('gc_t', '2021-01-01'::timestamptz)" >/dev/null
b_id=${before#*b=}; b_id=${b_id%% *}
gc_until "b=$b_id"
echo "after retention and compaction: $(series_ids)"

# The cached backend forgot them: writing a again creates a new series with a new id.
send cached "$(row 2026-01-02 a 4) SELECT string_agg(labels->>'s', ',' ORDER BY value) FROM gc_t;"
wait_lines cached 2
[ "$(sed -n 2p "$DIR/cached.out")" = "b,a" ] || { echo "cached backend reads:"; cat "$DIR/cached.out"; exit 1; }
max_old=$(echo "$before" | tr ' ' '\n' | cut -d= -f2 | sort -n | tail -1)
a_id=$(series_ids | tr ' ' '\n' | sed -n 's/^a=//p')
echo "a recreated as id $a_id (highest id before: $max_old)"
[ "$a_id" -gt "$max_old" ] || { echo "a series id was given again"; exit 1; }
[ "$(psql_q "SELECT string_agg(labels->>'s', ',' ORDER BY value) FROM gc_t")" = "b,a" ]

# An open transaction with a buffered row of b: b's chunks all dropped meanwhile, b must stay
# (the buffered row names it) and the row must read as b after the commit.
open_session holder
send holder "BEGIN; $(row 2026-01-03 b 5) SELECT 'buffered';"
wait_lines holder 1
psql_q "DELETE FROM observe._ts_chunks WHERE storage_id = (SELECT relfilenode FROM pg_class WHERE oid = 'gc_t'::regclass)
          AND series_id = $b_id"
gc_keeps "b=$b_id a=$a_id"
send holder "COMMIT; SELECT string_agg(labels->>'s' || value, ',' ORDER BY value) FROM gc_t;"
wait_lines holder 2
[ "$(sed -n 2p "$DIR/holder.out")" = "a4,b5" ] || { echo "holder reads:"; cat "$DIR/holder.out"; exit 1; }

# An older snapshot that still reads a's deleted chunks keeps a; after it ends, a goes.
open_session reader
send reader "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM gc_t;"
wait_lines reader 1
psql_q "SELECT observe.drop_chunks('gc_t', '2026-01-02 12:00'::timestamptz)" >/dev/null
gc_keeps "b=$b_id a=$a_id"
send reader "SELECT string_agg(labels->>'s' || value, ',' ORDER BY value) FROM gc_t; COMMIT;"
wait_lines reader 2
[ "$(sed -n 2p "$DIR/reader.out")" = "a4,b5" ] || { echo "reader reads:"; cat "$DIR/reader.out"; exit 1; }
gc_until "b=$b_id"
[ "$(psql_q "SELECT string_agg(labels->>'s' || value, ',' ORDER BY value) FROM gc_t")" = "b5" ]
echo "ok"
