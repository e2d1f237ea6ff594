#!/usr/bin/env bash
# Differential test of observe_ts against a heap table (test/integration/ts_differential.py):
# random sequences of writes, savepoints, cursors, TRUNCATE, compaction, retention and SELECTs in
# one or several sessions, both tables answering after every step. A fresh seed each run (printed);
# reproduce with SEED=n, run longer with COUNT=n or DURATION=seconds. A failure prints the
# sequence shrunk to a minimal SQL script.
set -euo pipefail
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
export DIFF_DB=ts_differential_$$
cleanup() { "$PGBIN/dropdb" --if-exists "$DIFF_DB" 2>/dev/null || true; }
trap cleanup EXIT
# The suite's default: a few thousand sequences, at most about 160 s (about 1,800 sequences) on a 2-core machine.
export COUNT=${COUNT:-3000} DURATION=${DURATION:-160}
# Debian's python3 (python3-psycopg2), not whatever python3 comes first in PATH
exec /usr/bin/python3 "$(dirname "$0")/ts_differential.py"
