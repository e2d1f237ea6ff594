#!/usr/bin/env bash
# Differential test of observe_ts against a heap table (test/integration/ts_differential.py):
# random sequences of writes, savepoints, cursors, TRUNCATE, compaction, retention and SELECTs in
# one or several sessions, both tables answering after every step. A fresh seed each run (printed);
# reproduce a failure with the SEED=... INDEX=... it prints, run longer with COUNT=n or
# DURATION=seconds. A failure prints the sequence shrunk to a minimal SQL script.
set -euo pipefail
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
export DIFF_DB=ts_differential_$$
# The suite's default: two workers (one per core), up to 3000 sequences or 150 s (about 2,000).
export COUNT=${COUNT:-3000} DURATION=${DURATION:-150} JOBS=${JOBS:-2}
cleanup() {
  "$PGBIN/dropdb" --if-exists "$DIFF_DB" 2>/dev/null || true
  for ((w = 0; w < JOBS; w++)); do "$PGBIN/dropdb" --if-exists "${DIFF_DB}_$w" 2>/dev/null || true; done
}
trap cleanup EXIT
# Debian's python3 (python3-psycopg2), not whatever python3 comes first in PATH
/usr/bin/python3 "$(dirname "$0")/ts_differential.py"
