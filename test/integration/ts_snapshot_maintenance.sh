#!/usr/bin/env bash
# observe.compact and observe.drop_chunks inside a REPEATABLE READ transaction act on what its
# snapshot sees, as a heap table's DELETE would: rows another session committed after the
# snapshot neither appear in the transaction (compaction merging them into chunks of its own)
# nor are dropped by it.
set -euo pipefail
PGBIN=$(pg_config --bindir)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-pgobserve}
export DB=ts_snapshot_maint_$$
cleanup() { "$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null || true; }
trap cleanup EXIT
"$PGBIN/createdb" "$DB"
psql -qAtX -v ON_ERROR_STOP=1 -d "$DB" <<'SQL'
CREATE EXTENSION pg_observe;
CREATE TABLE t (time timestamptz, k text, v float8) USING observe_ts;
INSERT INTO t VALUES ('2001-01-01', 'a', 1);
INSERT INTO t VALUES ('2001-01-02', 'a', 2);
SQL
/usr/bin/python3 - <<'PY'
import os, sys
import psycopg2
a = psycopg2.connect(dbname=os.environ["DB"])
b = psycopg2.connect(dbname=os.environ["DB"])
b.autocommit = True
fail = 0
def check(what, got, want):
    global fail
    ok = got == want
    fail |= not ok
    print("%s %s: %r (want %r)" % ("ok  " if ok else "FAIL", what, got, want))
ca, cb = a.cursor(), b.cursor()
ca.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
ca.execute("SELECT count(*) FROM t")
check("count in the snapshot", ca.fetchone()[0], 2)
cb.execute("INSERT INTO t VALUES ('2001-01-03', 'a', 3)")  # after a's snapshot
ca.execute("SELECT observe.compact('t')")
ca.execute("SELECT count(*), sum(v) FROM t")
check("after compact in the transaction", ca.fetchone(), (2, 3.0))
ca.execute("SELECT observe.drop_chunks('t', '2010-01-01')")
check("drop_chunks rows", ca.fetchone()[0], 2)
ca.execute("SELECT count(*) FROM t")
check("after drop_chunks", ca.fetchone()[0], 0)
a.commit()
cb.execute("SELECT count(*), sum(v) FROM t")
check("committed: the other session's row stays", cb.fetchone(), (1, 3.0))
sys.exit(fail)
PY
