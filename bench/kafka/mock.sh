# Sourced by bench/kafka/run.sh and latency.sh: starts librdkafka's mock cluster fixture
# (test/kafka/mock_broker.cpp, 3 brokers) with its command pipe on fd 3, sets BOOT to its
# bootstrap list, and stops it on exit after the caller's own cleanup (bench_cleanup, run first).
# Needs ROOT, WORK (a scratch directory, removed on exit) and q (psql).
MOCK=${KAFKA_MOCK_BROKER:-$ROOT/build/test/kafka/kafka_mock_broker}
[ -x "$MOCK" ] || cmake --build "$ROOT/build" --target kafka_mock_broker >/dev/null
MOCK_PID=
mock_cleanup() {
  bench_cleanup
  [ -n "$MOCK_PID" ] && { echo quit >&3 || true; sleep 0.3; kill "$MOCK_PID" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap mock_cleanup EXIT
mkfifo "$WORK/cmd"
"$MOCK" 3 <"$WORK/cmd" >"$WORK/mock.out" 2>"$WORK/mock.err" &
MOCK_PID=$!
exec 3>"$WORK/cmd"
for _ in $(seq 100); do grep -q '^READY' "$WORK/mock.out" && break; sleep 0.1; done
BOOT=$(sed -n 's/^BOOTSTRAP=//p' "$WORK/mock.out")
