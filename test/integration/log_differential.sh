#!/usr/bin/env bash
# The differential test of ts_differential.sh (random writes, savepoints, cursors, TRUNCATE,
# compaction, retention and SELECTs against a heap twin) on an observe_log table: the same
# engine with the log profile (ns times with the same-µs sequence, 4 MiB chunks, log codecs and
# token filters). Shorter by default; DURATION=, COUNT=, SEED= as there.
set -euo pipefail
export DIFF_AM=observe_log DURATION=${DURATION:-60}
exec bash "$(dirname "$0")/ts_differential.sh"
