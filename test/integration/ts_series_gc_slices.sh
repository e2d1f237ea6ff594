#!/usr/bin/env bash
# lane: own-server (starts its own server: the maintenance worker is off, then on for part D)
# Series GC keeps its scan between calls (issue 18): a process scans every chunk row once and
# removes the unused series it found a slice at a time (observe.series_gc_slice; 2 here), each
# slice in its own transaction. The kept scan must stay exact across those transactions:
#  A. a candidate written again between two slices (its series row re-used) keeps its series
#     and rows; a candidate named only by an L0 batch read by an earlier slice keeps them too
#     (the batch is not parsed twice, so the ids it names must be remembered for later slices);
#  B. a slice whose transaction rolled back is tried again (not skipped);
#  C. candidates whose series rows another session removed meanwhile, their TIDs freed by
#     VACUUM and given to new series, are not removed by TID (the new series keep their rows);
#  D. the maintenance worker takes the next slices right away, not one per interval.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$ROOT/test/integration/scrape/own_server.sh" gc_slices
start_own_server "observe.maintenance_interval = 0"
q -c "CREATE EXTENSION pg_observe"
q -c "CREATE TABLE gcs_t (time timestamptz NOT NULL, name text, labels jsonb, value float8) USING observe_ts"
ST=$(q -c "SELECT relfilenode FROM pg_class WHERE oid = 'gcs_t'::regclass")

# Sessions kept open (a session's process keeps the scan): open_session, send, wait_lines.
source "$ROOT/test/integration/lib/sessions.sh"
# The answer of session NAME's next statement (one line).
ask() {
  local n
  n=$(wc -l <"$DIR/$1.out")
  send "$1" "$2"
  wait_lines "$1" $((n + 1))
  sed -n "$((n + 1))p" "$DIR/$1.out"
}
series() {
  q -c "SELECT coalesce(string_agg(labels->>'s', ',' ORDER BY series_id), '') FROM observe._ts_series
         WHERE storage_id = $ST AND labels->>'s' LIKE '$1%'"
}
id_of() { q -c "SELECT series_id FROM observe._ts_series WHERE storage_id = $ST AND labels->>'s' = '$1'"; }
# Series NAME1..NAMEn, one statement each (ascending ids), their chunks then dropped and vacuumed.
chunkless() {
  for i in $(seq 1 "$2"); do
    q -c "INSERT INTO gcs_t VALUES ('2020-01-01', 's', jsonb_build_object('s', '$1$i'), 0)"
  done
  q -c "SELECT observe.drop_chunks('gcs_t', '2021-01-01')" >/dev/null
  q -c "VACUUM observe._ts_chunks"
}
open_session g
send g "SET observe.series_gc_slice = 2;"

# A. The live series (for a batch row later) and 8 chunkless ones.
q -c "INSERT INTO gcs_t SELECT '2026-01-01', 's', jsonb_build_object('s', 'live' || i), i FROM generate_series(1, 40) i"
chunkless j 8
check "A: slice 1 removes the 2 lowest" "$(ask g "SELECT observe.series_gc('gcs_t');")" "2"
check "A: left" "$(series j)" "j3,j4,j5,j6,j7,j8"
j3=$(id_of j3)
j6=$(id_of j6)
# Between slices: j3 written again (its own chunk), j6 in an L0 batch with the 40 live series.
q -c "INSERT INTO gcs_t VALUES ('2026-01-02', 's', '{\"s\": \"j3\"}', 3)"
q -c "INSERT INTO gcs_t SELECT '2026-01-03'::timestamptz, 's', jsonb_build_object('s', 'live' || i), i FROM generate_series(1, 40) i
      UNION ALL SELECT '2026-01-03', 's', '{\"s\": \"j6\"}', 6"
check "A: j6's row is in an L0 batch (41 rows)" \
  "$(q -c "SELECT count(*) FROM observe._ts_chunks WHERE storage_id = $ST AND series_id = 0 AND row_count = 41")" "1"
check "A: j3 and j6 written with their ids" "$(id_of j3) $(id_of j6)" "$j3 $j6"
# Slice 2: j3 has a chunk again, j4 and j5 go; it parses the batch (j6 named). Slice 3: j6 must
# be skipped (the batch is not parsed again), j7 and j8 go.
check "A: slice 2" "$(ask g "SELECT observe.series_gc('gcs_t');")" "2"
check "A: slice 3" "$(ask g "SELECT observe.series_gc('gcs_t');")" "2"
check "A: the written candidates kept their series" "$(series j)" "j3,j6"
check "A: ... and their rows" \
  "$(q -c "SELECT string_agg(labels->>'s' || ':' || value, ',' ORDER BY value) FROM gcs_t WHERE labels->>'s' LIKE 'j%'")" \
  "j3:3,j6:6"
check "A: a new scan finds nothing more" "$(ask g "SELECT observe.series_gc('gcs_t');")" "0"
check "A: no chunk row names a removed series" "$(q -c "SELECT count(*) FROM observe._ts_chunks c
  WHERE c.storage_id = $ST AND c.series_id > 0 AND NOT EXISTS
        (SELECT 1 FROM observe._ts_series s WHERE s.storage_id = c.storage_id AND s.series_id = c.series_id)")" "0"
check "A: every row reads back" "$(q -c "SELECT count(*) FROM gcs_t")" "82"

# B. A rolled-back slice: its series are removed by the next one, not skipped. Behind k1..k4,
# 400 more candidates (m1..m400, written in one statement: they fill the last pages of
# observe._ts_series) stay in g's kept scan for part C.
for i in 1 2 3 4; do
  q -c "INSERT INTO gcs_t VALUES ('2020-01-01', 's', jsonb_build_object('s', 'k$i'), 0)"
done
q -c "INSERT INTO gcs_t SELECT '2020-01-01', 's', jsonb_build_object('s', 'm' || i), 0 FROM generate_series(1, 400) i"
q -c "SELECT observe.drop_chunks('gcs_t', '2021-01-01')" >/dev/null
q -c "VACUUM observe._ts_chunks"
send g "BEGIN;"
check "B: slice in a transaction" "$(ask g "SELECT observe.series_gc('gcs_t');")" "2"
send g "ROLLBACK;"
check "B: rolled back" "$(series k)" "k1,k2,k3,k4"
check "B: the next slice" "$(ask g "SELECT observe.series_gc('gcs_t');")" "2"
check "B: it removed the rolled-back slice's series" "$(series k)" "k3,k4"
check "B: and the next" "$(ask g "SELECT observe.series_gc('gcs_t');")" "2"
check "B: k all gone, m1..m400 left in g's kept scan" "$(series k)/$(series m | tr ',' '\n' | wc -l)" "/400"

# C. Another session removes m1..m400 (its own scan); VACUUM frees their TIDs (and truncates the
# pages they filled); new series with rows take those TIDs. g's kept scan still lists m1..m400:
# their ids have no chunks, so only checking each TID again keeps g from deleting the new rows.
freed=$(q -c "SELECT '{' || string_agg(chr(34) || ctid::text || chr(34), ',') || '}' FROM observe._ts_series WHERE storage_id = $ST AND labels->>'s' LIKE 'm%'")
check "C: another session removes m1..m400" \
  "$(PGOPTIONS="-c observe.series_gc_slice=1000" q -c "SELECT observe.series_gc('gcs_t')")" "400"
q -c "VACUUM (INDEX_CLEANUP ON) observe._ts_series"
q -c "INSERT INTO gcs_t SELECT '2026-01-04', 's', jsonb_build_object('s', 'n' || i), i FROM generate_series(1, 400) i"
reused=$(q -c "SELECT count(*) FROM observe._ts_series WHERE labels->>'s' LIKE 'n%' AND ctid = ANY ('$freed'::tid[])")
echo "C: $reused of the 400 new series rows took a TID of a removed one"
check "C: the freed TIDs were re-used" "$([ "$reused" -ge 100 ] && echo yes || echo "no: $reused")" "yes"
send g "SET observe.series_gc_slice = 1000;"
check "C: g's next slice removes nothing" "$(ask g "SELECT observe.series_gc('gcs_t');")" "0"
check "C: the new series and their rows are all there" \
  "$(series n | tr ',' '\n' | wc -l) $(q -c "SELECT count(*) FROM gcs_t WHERE labels->>'s' LIKE 'n%'")" "400 400"

# D. The maintenance worker: 3,000 chunkless series, slices of 500. One slice per round would
# take 6 rounds; the worker takes the next slices in the same round.
q -c "INSERT INTO gcs_t SELECT '2020-01-01', 's', jsonb_build_object('s', 'w' || i), 0 FROM generate_series(1, 3000) i"
q -c "SELECT observe.drop_chunks('gcs_t', '2021-01-01')" >/dev/null
q -c "VACUUM observe._ts_chunks"
q -c "ALTER SYSTEM SET observe.series_gc_slice = 500"
q -c "ALTER SYSTEM SET observe.maintenance_interval = 2"
q -c "SELECT pg_reload_conf()" >/dev/null
runs=""
left=3000
for _ in $(seq 1 300); do
  left=$(q -c "SELECT count(*) FROM observe._ts_series WHERE storage_id = $ST AND labels->>'s' LIKE 'w%'")
  run=$(q -c "SELECT coalesce(max(last_run)::text, '') FROM observe._maintenance_status WHERE relid = 'gcs_t'::regclass")
  [ -n "$run" ] && [[ " $runs " != *" ${run// /_} "* ]] && runs="$runs ${run// /_}"
  [ "$left" = 0 ] && break
  sleep 0.1
done
rounds=$(wc -w <<<"$runs")
echo "D: 3,000 series removed in $rounds maintenance round(s)"
check "D: the worker removed them" "$left" "0"
check "D: in at most 2 rounds (6 slices)" "$([ "$rounds" -le 2 ] && echo yes || echo "no: $rounds")" "yes"
check "D: the other series are all there" "$(q -c "SELECT count(*) FROM gcs_t")" "482"
check "session g without error" "$(ask g "SELECT 'end';")" "end"
exit $fail
