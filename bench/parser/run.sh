#!/usr/bin/env bash
# Parser throughput on real payloads: starts Debian's prometheus-node-exporter on a free
# 127.0.0.1 port, fetches /metrics once, stops it, then runs bench_parser on that payload and
# on the node recording (shared/data/node-recording/samples.om.zst). Builds in its own dir.
#   bench/parser/run.sh [google benchmark flags]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BENCH_BUILD_DIR:-$repo/build-bench-parser}
recording=${RECORDING:-$repo/../shared/data/node-recording/samples.om.zst}
[ -f "$recording" ] || { echo "run.sh: recording not found at $recording" >&2; exit 2; }

tmp=$(mktemp -d)
exporter_pid=""
cleanup() {
  [ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# `timeout` bounds the exporter's life even if this script is killed before its trap runs.
timeout 120 prometheus-node-exporter --web.listen-address="127.0.0.1:$port" >"$tmp/exporter.log" 2>&1 &
exporter_pid=$!
for _ in $(seq 1 50); do
  if curl -sf -H 'Accept: text/plain;version=0.0.4' "http://127.0.0.1:$port/metrics" -o "$tmp/node.txt"; then
    break
  fi
  sleep 0.2
done
kill "$exporter_pid" 2>/dev/null || true
wait "$exporter_pid" 2>/dev/null || true
exporter_pid=""
[ -s "$tmp/node.txt" ] || { echo "run.sh: no payload from node exporter"; cat "$tmp/exporter.log"; exit 1; } >&2

cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_parser -j2 >/dev/null
"$build/bench/parser/bench_parser" "$tmp/node.txt" "$recording" "$@"
