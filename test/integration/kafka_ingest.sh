#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# Kafka ingestion end to end, against librdkafka's mock cluster (test/kafka/mock_broker.cpp,
# 3 brokers on 127.0.0.1) and a server with 3 Kafka workers:
#  1. every format lands as it should (lines / samples regenerated from the message number),
#     and its poison messages are exactly the dead letters;
#  2. kcat (Debian) as an outside producer;
#  3. one source with 2, then 3 consumers in one group (rebalances), a broker down and up, and
#     the postmaster killed with -9 mid-batch CRASH_ROUNDS times (default 20) while the producer
#     keeps writing: afterwards every produced message is in the table exactly once (count and
#     an md5 of all lines in order) and the dead letters are exactly the poison messages; with
#     asynchronous commits (this server's setting) some kills must have undone committed batches.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
ROUNDS=${CRASH_ROUNDS:-20}
MOCK=${KAFKA_MOCK_BROKER:-$ROOT/build/test/kafka/kafka_mock_broker}
[ -x "$MOCK" ] || cmake --build "$ROOT/build" --target kafka_mock_broker >/dev/null
command -v kcat >/dev/null || { echo "FAIL: kcat is not installed (scripts/install-deps.sh)"; exit 1; }
DIR=$(mktemp -d /tmp/kafka_ingest.XXXXXX)
chmod 755 "$DIR"
DATA=$DIR/data
PORT=$("$ROOT/scripts/pg_server.sh" free-port)
MOCK_PID=
cleanup() {
  [ -n "$MOCK_PID" ] && { echo quit >&3 || true; sleep 0.5; kill "$MOCK_PID" 2>/dev/null || true; }
  "$ROOT/scripts/pg_server.sh" stop "$DATA" || true
  rm -rf "$DIR"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

# The fixture reads commands from a fifo (fd 3) and writes its answers to mock.out.
mkfifo "$DIR/cmd"
"$MOCK" 3 <"$DIR/cmd" >"$DIR/mock.out" 2>"$DIR/mock.err" &
MOCK_PID=$!
exec 3>"$DIR/cmd"
for _ in $(seq 100); do grep -q '^READY' "$DIR/mock.out" && break; sleep 0.1; done
BOOT=$(sed -n 's/^BOOTSTRAP=//p' "$DIR/mock.out")
[ -n "$BOOT" ] || { echo "FAIL: no bootstrap from the mock broker"; cat "$DIR/mock.err"; exit 1; }
echo "mock cluster: $BOOT"
mock() { echo "$*" >&3; }
# waits for a line of the fixture matching $1 (a grep -E pattern), counting from line $2
mock_wait() {
  for _ in $(seq 600); do
    if tail -n +"$2" "$DIR/mock.out" | grep -qE "$1"; then return 0; fi
    sleep 0.1
  done
  echo "FAIL: the fixture did not answer $1"; tail "$DIR/mock.out"; return 1
}
mock_lines() { wc -l <"$DIR/mock.out"; }
# the offsets group $1 committed to Kafka for topic $2's $3 partitions, "o0 o1 ..." (-1: none)
kafka_committed() {
  local from
  from=$(($(mock_lines) + 1))
  mock committed "$1" "$2" "$3"
  mock_wait "^(COMMITTED $2|ERROR)" "$from" >&2 || return 1
  tail -n +"$from" "$DIR/mock.out" | grep -m1 "^COMMITTED $2 " | cut -d' ' -f3-
}
# the table's next offsets of source $1 for $2 partitions, in the same form (-1: no row)
table_offsets() {
  q -c "SELECT string_agg(coalesce(o.next_offset, -1)::text, ' ' ORDER BY p)
          FROM generate_series(0, $2 - 1) p
          LEFT JOIN observe.kafka_offsets o ON o.source = '$1' AND o.\"partition\" = p"
}

# KAFKA_SYNCHRONOUS_COMMIT: the workers' observe.kafka_synchronous_commit (default off)
SERVER_CONF=("observe.kafka_workers = 3" "observe.kafka_synchronous_commit = ${KAFKA_SYNCHRONOUS_COMMIT:-off}")
"$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT" "${SERVER_CONF[@]}"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
q() { psql -qAtX -v ON_ERROR_STOP=1 "$@"; }
q -c "CREATE EXTENSION pg_observe" >/dev/null

# The mock keeps a consumer group waiting session.timeout.ms after a member vanishes: short
# sessions keep the restarts quick (ingest.md §2: 4500-6000 on this mock).
KOPTS='{"session.timeout.ms": "4500", "heartbeat.interval.ms": "300", "topic.metadata.refresh.interval.ms": "1000", "fetch.wait.max.ms": "50"}'

# waits until the SQL $2 answers $3 (or 120 s); $1 names the wait. (The mock's offsets are not
# dense, so the tests wait for rows, never for an offset sum.)
wait_for() {
  local got=
  for _ in $(seq 1200); do
    got=$(q -c "$2" 2>/dev/null || echo "")
    [ "$got" = "$3" ] && return 0
    sleep 0.1
  done
  echo "FAIL: $1: got '$got', expected '$3'"
  q -c "SELECT * FROM observe.kafka_status" || true
  return 1
}
stored() {  # rows of source $1 in the tables + its dead letters
  echo "SELECT (SELECT count(*) FROM observe.kafka_dead_letters WHERE source = '$1') + ($2)"
}

## 1. formats and poison messages ------------------------------------------------------------
GOOD=300 POISON=20
declare -A FOPTS=(
  [raw]='{"labels": {"job": "raw", "topic": "$topic"}}'
  [json_lines]='{"time_field": "ts", "line_field": "msg", "label_fields": {"level": "level"}, "labels": {"job": "json_lines"}}'
  [logfmt]='{"time_field": "ts", "label_fields": {"level": "level"}, "labels": {"job": "logfmt"}}'
  [loki_push]='{"labels": {"source": "kafka"}}'
  [prometheus_text]='{}'
  [prometheus_json]='{}'
  [prometheus_remote_write]='{}'
)
start=$(mock_lines)
for f in "${!FOPTS[@]}"; do
  mock create "t_$f" 3
  mock produce "t_$f" "$f" 0 "$GOOD" 0
  mock poison "t_$f" "$f" "$GOOD" "$POISON" 0
  q -v name="src_$f" -v topic="t_$f" -v format="$f" -v fopts="${FOPTS[$f]}" -v kopts="$KOPTS" -v boot="$BOOT" <<'SQL'
INSERT INTO observe.kafka_sources (name, brokers, topics, format, format_options, options)
VALUES (:'name', :'boot', ARRAY[:'topic'], :'format', :'fopts', :'kopts');
SQL
done
mock wait
mock_wait '^IDLE' "$start"
grep -q '^ERROR' "$DIR/mock.out" && { fail "the fixture reported errors"; grep '^ERROR' "$DIR/mock.out"; }
# Rows the store refuses after decoding (the test hook observe.kafka_test_refuse_line): the
# batch's grouped append fails, the batch is stored again message by message, and exactly these
# messages go to the dead letters.
REFUSED=5
q -c "ALTER SYSTEM SET observe.kafka_test_refuse_line = 'refuse-me'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
seq 1 $REFUSED | sed 's/^/refuse-me /' | kcat -P -b "$BOOT" -t t_raw
for f in raw json_lines loki_push logfmt; do
  extra=0; [ "$f" = raw ] && extra=$REFUSED
  wait_for "src_$f" "$(stored "src_$f" "SELECT count(*) FROM observe.logs WHERE line LIKE '%$f line %'")" $((GOOD + POISON + extra)) ||
    FAILS=$((FAILS + 1))
done
got=$(q -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE convert_from(payload, 'UTF8') ~ '^refuse-me [1-5]$')
              FROM observe.kafka_dead_letters WHERE error LIKE '%kafka_test_refuse_line%'")
[ "$got" = "$REFUSED $REFUSED" ] || fail "refused after decoding: dead letters (all, expected ones) = $got"
got=$(q -c "SELECT count(*) FROM observe.logs WHERE line LIKE 'refuse-me%'")
[ "$got" = 0 ] || fail "refused lines stored: $got"
q -c "ALTER SYSTEM RESET observe.kafka_test_refuse_line" -c "SELECT pg_reload_conf()" >/dev/null
for f in prometheus_text prometheus_json prometheus_remote_write; do
  wait_for "src_$f" "$(stored "src_$f" "SELECT count(*) FROM observe.metrics WHERE name = 'kafka_$f'")" $((GOOD + POISON)) ||
    FAILS=$((FAILS + 1))
done

# Lines and samples, regenerated from i (2024-01-01 + i ms, the fixture's formula).
base="'2024-01-01 00:00:00+00'::timestamptz"
for f in raw json_lines loki_push logfmt; do
  case $f in
    logfmt) expr="'ts=' || (1704067200000 + i) || ' level=info msg=\"logfmt line ' || i || '\"'" ;;
    *) expr="'$f line ' || i" ;;
  esac
  bad=$(q -c "WITH want AS (SELECT $expr AS line FROM generate_series(0, $GOOD - 1) i),
                   got AS (SELECT line FROM observe.logs WHERE line LIKE '%$f line %')
              SELECT (SELECT count(*) FROM got) || ' ' || (SELECT count(*) FROM (SELECT line FROM want EXCEPT ALL SELECT line FROM got) x)
                     || ' ' || (SELECT count(*) FROM (SELECT line FROM got EXCEPT ALL SELECT line FROM want) y)")
  [ "$bad" = "$GOOD 0 0" ] || fail "$f: (stored, missing, extra) = $bad"
done
# times and labels where the format sets them
bad=$(q -c "SELECT count(*) FROM observe.logs WHERE line LIKE 'json_lines line %'
              AND (time <> $base + split_part(line, ' ', 3)::int * interval '1 ms'
                   OR labels <> '{\"job\": \"json_lines\", \"level\": \"info\"}')")
[ "$bad" = 0 ] || fail "json_lines: $bad rows with a wrong time or labels"
bad=$(q -c "SELECT count(*) FROM observe.logs WHERE line LIKE 'raw line %' AND labels <> '{\"job\": \"raw\", \"topic\": \"t_raw\"}'")
[ "$bad" = 0 ] || fail "raw: $bad rows with wrong labels"
bad=$(q -c "SELECT count(*) FROM observe.logs WHERE line LIKE 'loki_push line %'
              AND (time <> $base + split_part(line, ' ', 3)::int * interval '1 ms' OR labels <> '{\"job\": \"loki\", \"source\": \"kafka\"}')")
[ "$bad" = 0 ] || fail "loki_push: $bad rows with a wrong time or labels"
for f in prometheus_text prometheus_json prometheus_remote_write; do
  got=$(q -c "SELECT count(*) || ' ' || count(DISTINCT labels->>'i') || ' ' ||
                     count(*) FILTER (WHERE value = (labels->>'i')::float8 AND time = $base + (labels->>'i')::int * interval '1 ms')
                FROM observe.metrics WHERE name = 'kafka_$f'")
  [ "$got" = "$GOOD $GOOD $GOOD" ] || fail "$f: (samples, distinct, right) = $got"
done
# dead letters: exactly the poison messages, once each, with an error
for f in "${!FOPTS[@]}"; do
  got=$(q -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE convert_from(key, 'UTF8') ~ '^k[0-9]+$'
                       AND substr(convert_from(key, 'UTF8'), 2)::int BETWEEN $GOOD AND $GOOD + $POISON - 1 AND error <> '')
                FROM observe.kafka_dead_letters WHERE source = 'src_$f' AND error NOT LIKE '%kafka_test_refuse_line%'")
  [ "$got" = "$POISON $POISON" ] || fail "$f: dead letters (all, the poison ones) = $got"
done
# raw: half the poison is invalid UTF-8 (the decoder refuses it), half holds a NUL byte (valid
# UTF-8 the decoder passes; refused before storing, with the store's own message)
got=$(q -c "SELECT count(*) FROM observe.kafka_dead_letters WHERE source = 'src_raw' AND error LIKE '%the line is not valid UTF-8 text%'
              AND position('\\x00'::bytea IN payload) > 0")
[ "$got" = $((POISON / 2)) ] || fail "raw: $got dead letters for NUL bytes, expected $((POISON / 2))"
q -c "SELECT source, left(error, 100) FROM observe.kafka_dead_letters WHERE \"offset\" = (SELECT min(\"offset\") FROM observe.kafka_dead_letters d WHERE d.source = kafka_dead_letters.source AND d.topic = kafka_dead_letters.topic AND d.partition = kafka_dead_letters.partition) AND partition = 0 ORDER BY 1" || true
echo "formats checked: $(date +%T)"

## 2. kcat as the producer ---------------------------------------------------------------------
mock create t_kcat 2
seq 1 100 | sed 's/^/kcat line /' | kcat -P -b "$BOOT" -t t_kcat
q -v kopts="$KOPTS" -v boot="$BOOT" <<'SQL'
INSERT INTO observe.kafka_sources (name, brokers, topics, format, format_options, options, commit_to_kafka)
VALUES ('src_kcat', :'boot', '{t_kcat}', 'raw', '{"labels": {"job": "kcat", "key": "$key"}}', :'kopts', true);
SQL
wait_for src_kcat "SELECT count(*) FROM observe.logs WHERE labels @> '{\"job\": \"kcat\"}'" 100 || FAILS=$((FAILS + 1))
# commit_to_kafka: the stored offsets reach Kafka once their batch is durable
want=$(table_offsets src_kcat 2)
for _ in $(seq 50); do got=$(kafka_committed pg_observe.src_kcat t_kcat 2); [ "$got" = "$want" ] && break; sleep 0.2; done
[ "$got" = "$want" ] || fail "commit_to_kafka: Kafka has offsets '$got', the table '$want'"
got=$(q -c "SELECT count(*) || ' ' || count(DISTINCT line) FROM observe.logs WHERE labels @> '{\"job\": \"kcat\"}' AND line ~ '^kcat line ([1-9][0-9]?|100)$'")
[ "$got" = "100 100" ] || fail "kcat: (lines, distinct) = $got"
# A message refused after part of it joined the batch's rows (loki_push, two streams: the
# second's line holds a NUL byte, which the store refuses): the whole message goes to the dead
# letters and none of its lines is stored; the next message of the same stream is.
mock create t_partial 1
printf '%s\n' \
  '{"streams":[{"stream":{"job":"partial"},"values":[["1700000000000000000","partial first"]]},{"stream":{"job":"partial2"},"values":[["1700000000000000000","partial \u0000 second"]]}]}' \
  '{"streams":[{"stream":{"job":"partial"},"values":[["1700000000000000001","partial after"]]}]}' |
  kcat -P -b "$BOOT" -t t_partial
q -v kopts="$KOPTS" -v boot="$BOOT" <<'SQL'
INSERT INTO observe.kafka_sources (name, brokers, topics, format, options)
VALUES ('src_partial', :'boot', '{t_partial}', 'loki_push', :'kopts');
SQL
wait_for src_partial "$(stored src_partial "SELECT count(*) FROM observe.logs WHERE line LIKE 'partial%'")" 2 || FAILS=$((FAILS + 1))
got=$(q -c "SELECT string_agg(line, ',' ORDER BY line) FROM observe.logs WHERE line LIKE 'partial%'")
[ "$got" = "partial after" ] || fail "a message refused in part: lines stored '$got', expected 'partial after'"
got=$(q -c "SELECT count(*) FROM observe.kafka_dead_letters WHERE source = 'src_partial' AND error LIKE '%the line is not valid UTF-8 text%'")
[ "$got" = 1 ] || fail "a message refused in part: $got dead letters, expected 1"
q -c "UPDATE observe.kafka_sources SET enabled = false" >/dev/null

## 3. a group of consumers, rebalances, a broker outage and crashes ---------------------------
# The producer writes through every round (about 9 s each: the mock waits out the killed
# members' sessions before the group rejoins), fast enough that a backlog is being stored in
# batches when the postmaster is killed.
RATE=600 CPOISON=30
N=$(( (ROUNDS * 9 + 30) * RATE ))
q -c "CREATE TABLE crash_logs (time timestamptz, labels jsonb, line text, metadata jsonb) USING observe_log" >/dev/null
start=$(mock_lines)
mock create t_crash 6
mock produce t_crash raw 0 "$N" "$RATE"
mock poison t_crash raw 1000000 "$CPOISON" 3
q -v kopts="$KOPTS" -v boot="$BOOT" <<'SQL'
INSERT INTO observe.kafka_sources (name, brokers, topics, format, format_options, target, options, consumers,
                                   batch_max_messages, batch_max_wait, commit_to_kafka)
VALUES ('src_crash', :'boot', '{t_crash}', 'raw', '{"labels": {"job": "crash"}}', 'crash_logs', :'kopts', 2,
        500, '100 ms', true);
SQL
progress() { q -c "SELECT coalesce(sum(next_offset), 0) FROM observe.kafka_offsets WHERE source = 'src_crash'" 2>/dev/null || echo 0; }
wait_progress() {  # until the offsets move past $1 (or 30 s)
  for _ in $(seq 300); do [ "$(progress)" -gt "$1" ] && return 0; sleep 0.1; done
  echo "no progress past $1 in 30 s"; q -c "SELECT * FROM observe.kafka_status WHERE source = 'src_crash'" || true
}
consumers_assigned() { q -c "SELECT count(*) FROM observe.kafka_status WHERE source = 'src_crash' AND cardinality(assigned) > 0 AND state = 'consuming'" 2>/dev/null || echo 0; }
wait_progress 0
# two consumers share the partitions
for _ in $(seq 300); do [ "$(consumers_assigned)" = 2 ] && break; sleep 0.1; done
[ "$(consumers_assigned)" = 2 ] || fail "2 consumers: $(consumers_assigned) have partitions"
q -c "UPDATE observe.kafka_sources SET consumers = 3 WHERE name = 'src_crash'" >/dev/null
for _ in $(seq 300); do [ "$(consumers_assigned)" = 3 ] && break; sleep 0.1; done
[ "$(consumers_assigned)" = 3 ] || fail "3 consumers: $(consumers_assigned) have partitions"
q -c "SELECT source, consumer, state, assigned FROM observe.kafka_status WHERE source = 'src_crash' ORDER BY 2"
echo "rebalanced to 3 consumers: $(date +%T)"
# a broker down and up (its partitions stall, then go on)
p=$(progress)
mock down 2; sleep 4; mock up 2
wait_progress "$p"
echo "broker outage done: $(date +%T)"

# The workers commit their batches asynchronously (observe.kafka_synchronous_commit = off, set
# for this server above; the default is on): a batch is visible at once and durable a little later, with its offsets. Each round
# reads the offsets that are visible right before the kill and those that survived it: a round
# where fewer survived killed batches that had committed but were not durable yet (their rows
# and offsets vanish together and are consumed again). Some rounds must show it, or this test
# would not exercise the asynchronous commits at all.
UNDONE_ROUNDS=0 KAFKA_COPIES=0
crash() {
  local pm pids alive p before after
  pm=$(head -1 "$DATA/postmaster.pid")
  pids="$pm $(pgrep -P "$pm" | tr '\n' ' ')"
  before=$(progress)
  kill -9 $pids 2>/dev/null || true
  for _ in $(seq 100); do
    alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  "$ROOT/scripts/pg_server.sh" start "$DATA" "$PORT" "${SERVER_CONF[@]}" >/dev/null ||
    { tail -20 "$DATA/server.log"; exit 1; }
  # read before the restarted consumers rejoin their group (seconds on the mock) and store
  after=$(q -c "SELECT coalesce(sum(next_offset), 0) FROM observe.kafka_offsets WHERE source = 'src_crash'")
  CRASH_NOTE="offsets visible before the kill $before, after the restart $after"
  [ "$after" -lt "$before" ] && UNDONE_ROUNDS=$((UNDONE_ROUNDS + 1))
  # commit_to_kafka: Kafka's copy is never ahead of what the crash kept, partition by partition.
  # Kafka's first: the restarted consumers may store (and copy) more meanwhile, and the table's
  # offsets read after it can only have grown.
  local table kafka i
  read -ra kafka <<<"$(kafka_committed pg_observe.src_crash t_crash 6)"
  read -ra table <<<"$(table_offsets src_crash 6)"
  [ ${#kafka[@]} = 6 ] || fail "no committed offsets from the fixture: ${kafka[*]}"
  for i in 0 1 2 3 4 5; do
    [ "${kafka[$i]:--1}" -le "${table[$i]}" ] || fail "Kafka's copy of t_crash/$i (${kafka[$i]}) is ahead of the stored offset (${table[$i]})"
    [ "${kafka[$i]:--1}" -ge 0 ] && KAFKA_COPIES=$((KAFKA_COPIES + 1))
  done
  return 0
}
for r in $(seq "$ROUNDS"); do
  p=$(progress)
  wait_progress "$p"
  sleep "0.$((RANDOM % 9 + 1))"
  crash
  echo "round $r: killed at offset sum >= $p; $CRASH_NOTE ($(date +%T))"
done
echo "rounds whose kill undid committed but not yet durable batches: $UNDONE_ROUNDS of $ROUNDS"
[ "$KAFKA_COPIES" -gt 0 ] || fail "commit_to_kafka: no offsets reached Kafka in $ROUNDS rounds"
sync_mode=$(q -c "SHOW observe.kafka_synchronous_commit")
if [ "$sync_mode" = off ] && [ "$ROUNDS" -ge 10 ] && [ "$UNDONE_ROUNDS" = 0 ]; then
  fail "no crash round caught an asynchronously committed batch before it was durable"
elif [ "$sync_mode" != off ] && [ "$UNDONE_ROUNDS" != 0 ]; then
  fail "synchronous_commit $sync_mode: $UNDONE_ROUNDS rounds lost batches that were visible"
fi
mock wait
mock_wait '^IDLE' "$start"
wait_for src_crash "$(stored src_crash "SELECT count(*) FROM crash_logs")" $((N + CPOISON)) || FAILS=$((FAILS + 1))
sleep 2  # nothing more may arrive (a duplicate would)
want_md5=$(q -c "SELECT md5(string_agg('raw line ' || i, E'\n' ORDER BY 'raw line ' || i)) FROM generate_series(0, $N - 1) i")
got=$(q -c "SELECT count(*) || ' ' || count(DISTINCT line) || ' ' || md5(string_agg(line, E'\n' ORDER BY line)) FROM crash_logs")
[ "$got" = "$N $N $want_md5" ] || fail "after $ROUNDS crashes: (rows, distinct, md5) = $got, want $N $N $want_md5"
got=$(q -c "SELECT count(*) || ' ' || count(DISTINCT \"offset\" || ':' || partition) || ' ' ||
                   count(*) FILTER (WHERE convert_from(key, 'UTF8') ~ '^k10000[0-9][0-9]$')
              FROM observe.kafka_dead_letters WHERE source = 'src_crash'")
[ "$got" = "$CPOISON $CPOISON $CPOISON" ] || fail "crash dead letters (all, distinct, poison) = $got"
q -c "SELECT source, consumer, state, messages, dead_letters, errors, rebalances, batches FROM observe.kafka_status WHERE source = 'src_crash' ORDER BY 2"
got=$(q -c "SELECT count(*) FROM observe.metrics WHERE name = 'observe_kafka_messages_total'")
[ "$got" -gt 0 ] || fail "no observe_kafka_messages_total samples in observe.metrics"

## 4. enabled = false releases the partitions -------------------------------------------------
q -c "UPDATE observe.kafka_sources SET enabled = false WHERE name = 'src_crash'" >/dev/null
for _ in $(seq 100); do
  [ "$(q -c "SELECT count(*) FROM observe._kafka_partition_status WHERE source = 'src_crash'")" = 0 ] && break; sleep 0.1
done
got=$(q -c "SELECT count(*) FROM observe._kafka_partition_status WHERE source = 'src_crash'")
[ "$got" = 0 ] || fail "disabled source still holds $got partitions"

if [ "$FAILS" -gt 0 ]; then echo "$FAILS failure(s)"; grep -i "kafka" "$DATA/server.log" | tail -20; exit 1; fi
echo "kafka_ingest: all checks passed ($ROUNDS crash rounds)"
