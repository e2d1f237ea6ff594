#!/usr/bin/env bash
# Builds the libFuzzer targets with clang++-14 (libFuzzer + ASan + UBSan) in their own build
# directory and runs each on its seed corpus. Exits non-zero when the build fails or a fuzzer
# finds a crash, leak, timeout or broken invariant; the input that did it is left in
# <build>/artifacts/<target>/.
#
#   run.sh            short runs for the test suite: FUZZ_SECONDS (default 20) per target
#   run.sh nightly    NIGHTLY_SECONDS (default 600, i.e. 10 CPU-minutes) per target, one process
#                     each; the corpus grown so far is kept in <build>/corpus/<target>/ so
#                     successive nights continue where the last one stopped
#   FUZZ_TARGETS="promql_fuzz" limits either mode to some targets; FUZZ_JOBS (default 2) the build jobs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$repo/build-fuzz}
cxx=${CXX_FUZZ:-clang++-14}
mode=${1:-short}
targets=${FUZZ_TARGETS:-exposition_fuzz promql_fuzz labels_fuzz logql_fuzz log_lines_fuzz relabel_fuzz promconfig_fuzz ingest_fuzz httpapi_fuzz rules_fuzz}
case "$mode" in
  short) seconds=${FUZZ_SECONDS:-20} ;;
  nightly) seconds=${NIGHTLY_SECONDS:-600} ;;
  *) echo "usage: run.sh [short|nightly]" >&2; exit 2 ;;
esac

command -v "$cxx" >/dev/null || { echo "run.sh: $cxx not found (apt-get install clang-14)" >&2; exit 2; }
CXX=$cxx cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" --target $targets -j"${FUZZ_JOBS:-2}" >/dev/null

# The committed seeds are read only: new inputs go to a scratch corpus (short) or to the
# kept one (nightly).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for t in $targets; do
  name=${t%_fuzz}
  dict=$here/$name.dict
  [ -f "$dict" ] || dict=$here/promql.dict
  if [ "$mode" = nightly ]; then work=$build/corpus/$name; else work=$scratch/$name; fi
  mkdir -p "$work" "$build/artifacts/$t"
  echo "fuzzing $t for ${seconds}s"
  set +e
  "$build/$t" "$work" "$here/corpus/$name" -dict="$dict" -max_total_time="$seconds" \
    -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$t/" \
    -print_final_stats=1 >"$scratch/$t.log" 2>&1
  s=$?
  set -e
  tail -n 25 "$scratch/$t.log"
  if [ "$s" -ne 0 ]; then
    echo "run.sh: $t failed (status $s); reproducer in $build/artifacts/$t/" >&2
    status=$s
  else
    echo "run.sh: $t, no crash in ${seconds}s"
  fi
done
exit "$status"
