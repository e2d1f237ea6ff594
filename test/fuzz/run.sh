#!/usr/bin/env bash
# Builds the exposition fuzzer with clang++-14 (libFuzzer + ASan + UBSan) in its own build
# directory and runs it for FUZZ_SECONDS (default 30) on the seed corpus. Exits non-zero when
# the build fails or the fuzzer finds a crash, leak, timeout or broken invariant; the input
# that did it is left in <build>/artifacts/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$repo/build-fuzz}
seconds=${FUZZ_SECONDS:-30}
cxx=${CXX_FUZZ:-clang++-14}

command -v "$cxx" >/dev/null || { echo "run.sh: $cxx not found (apt-get install clang-14)" >&2; exit 2; }
CXX=$cxx cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target exposition_fuzz -j2 >/dev/null

# New inputs go to a scratch corpus; the committed seeds are read only.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"
echo "fuzzing exposition parser + scrape logic for ${seconds}s"
"$build/exposition_fuzz" "$work" "$here/corpus/exposition" \
  -dict="$here/exposition.dict" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$build/artifacts/" -print_final_stats=1 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  echo "run.sh: the fuzzer failed (status $status); reproducer in $build/artifacts/" >&2
  exit "$status"
fi
echo "run.sh: no crash in ${seconds}s"
