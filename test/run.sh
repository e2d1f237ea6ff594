#!/usr/bin/env bash
# The whole test suite: unit tests and conformance runners (CTest), pg_regress suites and
# integration tests against throwaway servers. Prints "N passed, M failed" last and exits
# non-zero on any failure. Run as root on a fresh Debian 12: installs what it needs.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export OBSERVE_ROOT=$ROOT
mkdir -p build
passed=0
failed=0
failed_names=()

pass() { passed=$((passed + $1)); }
fail() { failed=$((failed + $1)); failed_names+=("$2"); }
finish() {
  [ ${#failed_names[@]} -eq 0 ] || printf 'failed: %s\n' "${failed_names[@]}"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}
section() { printf '\n=== %s\n' "$*"; }

section "dependencies"
if ! scripts/install-deps.sh; then fail 1 "install-deps"; finish; fi

section "unit tests and conformance (CTest)"
if cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >build/cmake.log 2>&1 &&
   cmake --build build -j2 >build/build.log 2>&1; then
  ctest --test-dir build -j3 --output-on-failure --timeout 600 >build/ctest.log 2>&1
  # ctest's own list of what failed (a passing test may have "Failed" in its name)
  sed -n '/^The following tests FAILED:/,$p' build/ctest.log | head -50
  # What the failed tests printed (--output-on-failure puts it after the test's result line):
  # the log stays in build/, which a CI run does not keep.
  for name in $(sed -n 's/^\s*[0-9]* - \([^ ]*\) (Failed)$/\1/p' build/ctest.log | head -5); do
    echo "--- output of $name (last 40 lines)"
    awk -v n="$name" '$0 ~ "Test +#[0-9]+: " n " " {on = 1} on && /^ *[0-9]+\/[0-9]+ Test +#/ && $0 !~ " " n " " {on = 0} on' build/ctest.log | tail -40
  done
  summary=$(grep -E '[0-9]+% tests passed' build/ctest.log | tail -1)
  echo "$summary"
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  nfail=$(sed -E 's/.*, ([0-9]+) tests failed.*/\1/' <<<"$summary")
  nskip=$(grep -c '(Skipped)' build/ctest.log || true)
  if [ -z "$summary" ]; then fail 1 "ctest (no summary)"; else
    pass $((total - nfail - nskip))
    [ "$nfail" -eq 0 ] || fail "$nfail" "ctest: $(grep -E '^\s+[0-9]+ - ' build/ctest.log | grep -v Skipped | tr -s ' ' | tr '\n' ';')"
    [ "$nskip" -eq 0 ] || echo "ctest: $nskip skipped (corpus not found)"
  fi
else
  tail -40 build/build.log
  fail 1 "core build"
fi

section "extension build and install"
if ! { make -j2 >build/make.log 2>&1 && make install >>build/make.log 2>&1; }; then
  tail -40 build/make.log
  fail 1 "extension build"
  finish
fi
pass 1

section "server"
# Test servers require a password over TCP (scripts/pg_server.sh): every server of the suite
# is created with this one, and every client (psql, pg_regress, libpq in Python) sends it.
export PGPASSWORD=${PGPASSWORD:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}
DATADIR=$(mktemp -d /tmp/pg_observe_test.XXXXXX)
PORT=$(scripts/pg_server.sh free-port)
cleanup() { scripts/pg_server.sh stop "$DATADIR"; rm -rf "$DATADIR"; }
trap cleanup EXIT
if ! scripts/pg_server.sh start "$DATADIR" "$PORT"; then
  cat "$DATADIR/server.log" 2>/dev/null | tail -20
  fail 1 "server start"
  finish
fi
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=${OBSERVE_PG_USER:-pgobserve} PGDATABASE=postgres
echo "server on 127.0.0.1:$PORT (data $DATADIR)"

section "pg_regress"
make installcheck >build/regress.log 2>&1
grep -E '^(not )?ok |^test |\.\.\. ' build/regress.log
# pg_regress's own summary: "All N tests passed." or "M of N tests failed."
summary=$(grep -oE '(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed)' build/regress.log | tail -1)
echo "pg_regress: ${summary:-no summary}"
if [[ $summary =~ ^All\ ([0-9]+) ]]; then nok=${BASH_REMATCH[1]}; nbad=0
elif [[ $summary =~ ^([0-9]+)\ of\ ([0-9]+) ]]; then nbad=${BASH_REMATCH[1]}; nok=$((BASH_REMATCH[2] - nbad))
else nok=0; nbad=0; fi
if [ "$nok" -eq 0 ] && [ "$nbad" -eq 0 ]; then
  tail -20 build/regress.log; fail 1 "pg_regress (did not run)"
else
  pass "$nok"
  if [ "$nbad" -gt 0 ]; then
    head -c 20000 build/regress/regression.diffs 2>/dev/null
    fail "$nbad" "pg_regress"
  fi
fi

# The short fuzz runs use one core for a fixed wall time and no server: they run beside the
# integration tests, which leave a core mostly idle.
if [ -x test/fuzz/run.sh ]; then
  FUZZ_JOBS=1 timeout 900 test/fuzz/run.sh >build/fuzz.log 2>&1 &
  fuzz_pid=$!
fi

section "integration tests"
# Tests that start servers of their own (marked "# lane: own-server") run in a second lane beside
# the tests that share the suite's server: most of their time is waiting (kafka_ingest's crash
# rounds wait out consumer-group sessions), so the two lanes take about half the wall time.
run_integration() {  # SCRIPT RESULTS_FILE: runs one test, appends "ok|FAILED name seconds"
  local name start rc
  name=$(basename "$1" .sh)
  start=$(date +%s)
  timeout 900 bash "$1" >"build/integration-$name.log" 2>&1; rc=$?
  echo "$([ $rc -eq 0 ] && echo ok || echo FAILED) $name $(( $(date +%s) - start ))" >>"$2"
}
report_integration() {  # RESULTS_FILE
  local verdict name secs
  while read -r verdict name secs; do
    if [ "$verdict" = ok ]; then pass 1; printf 'ok      %s (%s s)\n' "$name" "$secs"; else
      fail 1 "integration: $name"; printf 'FAILED  %s (%s s)\n' "$name" "$secs"
      tail -30 "build/integration-$name.log"
    fi
  done <"$1"
}
own_lane=() shared_lane=()
for t in test/integration/*.sh; do
  [ -e "$t" ] || continue
  if grep -q '^# lane: own-server' "$t"; then own_lane+=("$t"); else shared_lane+=("$t"); fi
done
rm -f build/integration-own.results
( for t in "${own_lane[@]}"; do run_integration "$t" build/integration-own.results; done ) &
own_pid=$!
for t in "${shared_lane[@]}"; do
  rm -f build/integration-one.results
  run_integration "$t" build/integration-one.results
  report_integration build/integration-one.results
done
wait "$own_pid"
echo "(tests with servers of their own, run beside the others:)"
report_integration build/integration-own.results
[ "$(wc -l <build/integration-own.results)" -eq ${#own_lane[@]} ] || fail 1 "integration: own-server lane incomplete"

if [ -n "${fuzz_pid:-}" ]; then
  section "fuzzing (short runs, beside the integration tests)"
  if wait "$fuzz_pid"; then pass 1; echo "ok      fuzz"; else fail 1 "fuzz"; tail -30 build/fuzz.log; fi
fi

finish
