#!/usr/bin/python3
"""Differential test: an observe_ts table and a heap table must answer identically.

Random sequences (seeded) of INSERT / multi-row INSERT / COPY / INSERT ... SELECT / SAVEPOINT /
RELEASE / ROLLBACK TO / COMMIT / ROLLBACK / TRUNCATE / cursors (incl. WITH HOLD) / PL/pgSQL
exception blocks / compaction / drop_chunks / retention passes / SELECTs with and without
aggregate pushdown run in one or several sessions. Every session is a pair of connections, one
working on the observe_ts table `t`, one on its heap twin `h`, and gets the same statements in the
same interleaving; after every step the two answers (rows, error SQLSTATE, notices) must be equal,
and an observer pair (autocommit) compares the committed contents.

Retention: drop_chunks drops whole chunks whose newest row is older than the cutoff, so on heap
it equals `DELETE ... WHERE time < cutoff` only when no chunk straddles the cutoff. Every series
(key k) therefore lives in one era (-infinity, 2001, 2030 or infinity) and the cutoffs lie between
eras; with
fewer than 32 series no flush writes L0 batches (which mix series).

A failing sequence is shrunk (steps dropped while it still fails) and printed as SQL.

Environment: PG* (connection), SEED (master seed, default random), COUNT (sequences, default
2000), DURATION (seconds per worker; stop earlier when reached), INDEX (run only sequence INDEX of
SEED: what a failure prints), JOBS (worker processes, sequence i to worker i % JOBS, a database
each: DIFF_DB_<worker>), STEPS (max steps per sequence, default 30), SESSIONS (max sessions,
default 3), DIFF_DB (database, default ts_differential).
"""
import io
import os
import random
import sys
import time

import psycopg2
import psycopg2.errorcodes

# The access method under test: observe_ts, or observe_log (the same engine with the log profile:
# ns times, 4 MiB chunks, log codecs), DIFF_AM=observe_log.
AM = os.environ.get("DIFF_AM", "observe_ts")

# Every value comes back as PostgreSQL's own text (exact: -0, NaN, infinity, all digits).
_AS_TEXT = psycopg2.extensions.new_type(
    (16, 20, 21, 23, 700, 701, 1082, 1114, 1184, 1700), "AS_TEXT", lambda value, cur: value)
psycopg2.extensions.register_type(_AS_TEXT)

OLD_KEYS = ["o1", "o2"]
NEW_KEYS = ["a", "b", "c", None]
VALUES = ["0", "-0", "1", "-1", "0.5", "2.5", "-7.25", "100", "NaN", "Infinity", "-Infinity", None]
CUTOFFS = ["-infinity", "2010-01-01 00:00:00+00", "2050-01-01 00:00:00+00"]
RETENTIONS = ["1 year", "100 years", None]
LOCK_TIMEOUT_MS = 25
SESSION_SETUP = ("SET lock_timeout = %d; SET TimeZone = 'UTC'; SET synchronous_commit = off; "
                 "SET extra_float_digits = 1; SET search_path = diff, public" % LOCK_TIMEOUT_MS)

COLS = "time, k, v, n"
ORDER = "time, k, v, v::text, n"


def lit(x):
    return "NULL" if x is None else "'" + x.replace("'", "''") + "'"


class Gen:
    """Makes one random sequence: a list of steps (session, kind, sql template, data)."""

    def __init__(self, rng, nsessions, nsteps):
        self.r = rng
        self.nsessions = nsessions
        self.nsteps = nsteps
        self.state = [dict(txn=False, sps=[], cursors=[], held=[]) for _ in range(nsessions)]
        self.sp_counter = 0
        self.cur_counter = 0
        self.ordered = {}

    def row(self):
        r = self.r
        x = r.random()
        if x < 0.04:  # the infinities: series of their own, so no chunk straddles a cutoff
            k, t = "ninf", "-infinity"
        elif x < 0.08:
            k, t = "pinf", "infinity"
        elif x < 0.3:
            k = r.choice(OLD_KEYS)
            t = "2001-01-01 00:00:%02d+00" % r.randrange(0, 20)
        else:
            k = r.choice(NEW_KEYS)
            t = "2030-01-01 00:00:%02d+00" % r.randrange(0, 20)
        v = r.choice(VALUES)
        n = None if r.random() < 0.1 else str(r.randrange(-5, 6))
        return (t, k, v, n)

    def values_sql(self, rows):
        return ", ".join("(%s, %s, %s, %s)" % (lit(t), lit(k), lit(v), lit(n)) for t, k, v, n in rows)

    def where(self):
        r = self.r
        return r.choice([
            "",
            " WHERE k = 'a'",
            " WHERE k IN ('a', 'o1')",
            " WHERE k IS NULL",
            " WHERE time >= '2030-01-01 00:00:05+00'",
            " WHERE time < '2020-01-01'",
            " WHERE v > 0.5",
            " WHERE v <> 1",
            " WHERE v IS NULL",
            " WHERE v = 'NaN'",
            " WHERE v >= -1 AND time <= '2030-01-01 00:00:10+00'",
            " WHERE n > 0",
        ])

    def select(self):
        r = self.r
        w = self.where()
        kind = r.randrange(6)
        if kind == 0:
            return "SELECT %s FROM {T}%s" % (COLS, w), "bag"
        if kind == 1:
            return ("SELECT count(*), count(v), sum(v), min(v) + 0, max(v) + 0, avg(v), min(time), "
                    "max(time), sum(n) FROM {T}%s" % w), "bag"
        if kind == 2:
            return ("SELECT k, count(*), sum(v), min(v) + 0, max(v) + 0, avg(v), max(time) FROM {T}%s "
                    "GROUP BY k" % w), "bag"
        if kind == 3:
            return "SELECT count(*) FROM {T}%s" % w, "bag"
        if kind == 4:
            return ("SELECT floor(extract(epoch FROM time) / 5) AS b, count(*), sum(v) FROM {T}%s "
                    "GROUP BY 1" % w), "bag"
        return "SELECT %s FROM {T}%s ORDER BY %s LIMIT %d" % (COLS, w, ORDER, r.randrange(1, 6)), "list"

    def dml(self):
        """An INSERT-like statement (step kind, sql, copy data)."""
        r = self.r
        x = r.random()
        if x < 0.006:
            # many rows: past observe.write_buffer_size (when set to its minimum by a step) the
            # buffer is written in the middle of the transaction; full-size chunks
            return ("exec", "INSERT INTO {T} SELECT '2030-01-01 00:00:00+00'::timestamptz + (i %% 20) * "
                    "interval '1 s', %s, (i %% 7)::float8 / 2, i %% 5 FROM generate_series(1, %d) i"
                    % (lit(r.choice(NEW_KEYS)), r.choice([5000, 50000])), None)
        if x < 0.03:
            # a PL/pgSQL function reading the table inside the INSERT into it: each call sees the
            # rows the statement inserted before it
            return ("exec", "INSERT INTO {T} SELECT '2030-01-01 00:00:00+00'::timestamptz + i * interval '1 s', "
                    "%s, count_{T}(), i FROM generate_series(1, 3) i" % lit(r.choice(NEW_KEYS)), None)
        if x < 0.35:
            return ("exec", "INSERT INTO {T} VALUES " + self.values_sql([self.row()]), None)
        if x < 0.65:
            rows = [self.row() for _ in range(r.randrange(2, 8))]
            return ("exec", "INSERT INTO {T} VALUES " + self.values_sql(rows), None)
        if x < 0.85:
            rows = [self.row() for _ in range(r.randrange(1, 10))]
            data = "".join("\t".join("\\N" if c is None else c for c in row) + "\n" for row in rows)
            return ("copy", "COPY {T} FROM STDIN", data)
        # INSERT ... SELECT from the same table (it must not see its own rows)
        return ("exec", "INSERT INTO {T} SELECT time + interval '1 s', k, v, n FROM {T} WHERE k = %s"
                % lit(r.choice(OLD_KEYS + NEW_KEYS[:-1])), None)

    def plpgsql(self):
        r = self.r
        parts = ["DECLARE c bigint; BEGIN"]
        parts.append("INSERT INTO {T} VALUES %s;" % self.values_sql([self.row()]))
        parts.append("BEGIN")
        parts.append("INSERT INTO {T} VALUES %s;" % self.values_sql([self.row(), self.row()]))
        if r.random() < 0.3:
            parts.append("TRUNCATE {T};")
        if r.random() < 0.6:
            parts.append("SELECT count(*) INTO c FROM {T}; RAISE NOTICE 'inner %', c;")
        if r.random() < 0.3:
            parts.append("INSERT INTO {T} VALUES %s;" % self.values_sql([self.row()]))
        if r.random() < 0.6:
            parts.append("RAISE EXCEPTION 'undo';")
        parts.append("EXCEPTION WHEN raise_exception THEN RAISE NOTICE 'caught'; END;")
        if r.random() < 0.7:
            parts.append("SELECT count(*) INTO c FROM {T}; RAISE NOTICE 'outer %', c;")
        parts.append("END")
        return "DO $$ " + " ".join(parts) + " $$"

    def step(self, s):
        r = self.r
        st = self.state[s]
        choices = [
            ("dml", 30), ("select", 14), ("begin", 8 if not st["txn"] else 0),
            ("commit", 6 if st["txn"] else 0), ("rollback", 3 if st["txn"] else 0),
            ("savepoint", 6 if st["txn"] else 0), ("release", 3 if st["sps"] else 0),
            ("rollback_to", 5 if st["sps"] else 0), ("truncate", 3), ("declare", 4),
            ("fetch", 8 if st["cursors"] or st["held"] else 0), ("close", 1 if st["cursors"] or st["held"] else 0),
            ("plpgsql", 4), ("compact", 3), ("drop_chunks", 3), ("set_retention", 2), ("retention_pass", 2),
            ("guc", 2), ("rewrite", 2),
        ]
        total = sum(w for _, w in choices)
        x = r.uniform(0, total)
        for what, w in choices:
            if x < w:
                break
            x -= w
        if what == "dml":
            kind, sql, data = self.dml()
            return (s, kind, sql, data, "none")
        if what == "select":
            sql, cmp = self.select()
            return (s, "exec", sql, None, cmp)
        if what == "begin":
            st["txn"] = True
            return (s, "exec", r.choice(["BEGIN", "BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ"]), None, "none")
        if what in ("commit", "rollback"):
            st["txn"] = False
            st["sps"] = []
            st["cursors"] = []
            if what == "rollback":
                st["held"] = [c for c in st["held"] if c[1] != "new"]
            st["held"] = [(c, "old") for c, _ in st["held"]]
            return (s, "exec", what.upper(), None, "none")
        if what == "savepoint":
            self.sp_counter += 1
            name = "s%d" % self.sp_counter
            st["sps"].append(name)
            return (s, "exec", "SAVEPOINT " + name, None, "none")
        if what in ("release", "rollback_to"):
            i = r.randrange(len(st["sps"]))
            name = st["sps"][i]
            st["sps"] = st["sps"][:i + 1] if what == "rollback_to" else st["sps"][:i]
            return (s, "exec", ("RELEASE " if what == "release" else "ROLLBACK TO ") + name, None, "none")
        if what == "truncate":
            return (s, "exec", "TRUNCATE {T}", None, "none")
        if what == "declare":
            self.cur_counter += 1
            name = "c%d" % self.cur_counter
            hold = r.random() < 0.35
            ordered = r.random() < 0.7
            w = self.where()
            q = "SELECT %s FROM {T}%s" % (COLS, w) + (" ORDER BY " + ORDER if ordered else "")
            self.ordered[name] = ordered
            if hold:
                st["held"].append((name, "new"))
            else:
                st["cursors"].append(name)
            kind = "ordered" if ordered else "unordered"
            return (s, "exec", "DECLARE %s CURSOR %sFOR %s" % (name, "WITH HOLD " if hold else "", q),
                    kind, "none")
        if what == "fetch":
            name = r.choice(st["cursors"] + [c for c, _ in st["held"]])
            # FETCH n only from ordered cursors: the rest have no defined order
            count = r.choice(["ALL", "2", "1"]) if self.ordered.get(name) else "ALL"
            return (s, "exec", "FETCH %s FROM %s" % (count, name), name, "fetch")
        if what == "close":
            name = r.choice(st["cursors"] + [c for c, _ in st["held"]])
            st["cursors"] = [c for c in st["cursors"] if c != name]
            st["held"] = [c for c in st["held"] if c[0] != name]
            return (s, "exec", "CLOSE " + name, None, "none")
        if what == "rewrite":
            # ALTER TABLE rewrites (n flips between int4 and int8: same text) and VACUUM FULL
            # (outside a transaction block only, on both sides)
            return (s, "exec", r.choice(["ALTER TABLE {T} ALTER COLUMN n TYPE int8",
                                         "ALTER TABLE {T} ALTER COLUMN n TYPE int4",
                                         "VACUUM FULL {T}"]), None, "none")
        if what == "plpgsql":
            return (s, "exec", self.plpgsql(), None, "none")
        if what == "compact":
            return (s, "compact", None, None, "none")
        if what == "drop_chunks":
            return (s, "drop_chunks", r.choice(CUTOFFS), None, "bag")
        if what == "set_retention":
            return (s, "set_retention", r.choice(RETENTIONS), None, "none")
        if what == "retention_pass":
            return (s, "retention_pass", None, None, "bag")
        return (s, "exec", r.choice(["SET observe.enable_aggregate_pushdown = off",
                                     "SET observe.enable_aggregate_pushdown = on",
                                     "SET enable_hashagg = off", "RESET enable_hashagg",
                                     "SET observe.write_buffer_size = '1MB'"]), None, "none")

    def sequence(self):
        steps = []
        for _ in range(self.nsteps):
            steps.append(self.step(self.r.randrange(self.nsessions)))
        return steps


def side_sql(step, side):
    """The SQL text of a step for side 't' (observe_ts) or 'h' (heap)."""
    s, kind, sql, data, cmp = step
    if kind in ("exec", "copy"):
        return sql.replace("{T}", side)
    if kind == "compact":
        return "SELECT observe.compact('t') IS NOT NULL" if side == "t" else "SELECT true"
    if kind == "drop_chunks":
        if side == "t":
            return "SELECT observe.drop_chunks('t', %s)" % lit(sql)
        return "WITH d AS (DELETE FROM h WHERE time < %s RETURNING 1) SELECT count(*) FROM d" % lit(sql)
    if kind == "set_retention":
        if side == "t":
            return "SELECT observe.set_retention('t', %s)" % ("NULL" if sql is None else lit(sql) + "::interval")
        return "UPDATE h_retention SET retention = %s" % ("NULL" if sql is None else lit(sql) + "::interval")
    if kind == "retention_pass":
        # what the maintenance worker runs, for this table
        if side == "t":
            return ("SELECT coalesce((SELECT observe.drop_chunks(relid, now() - retention) FROM "
                    "observe._ts_options WHERE relid = 't'::regclass AND retention IS NOT NULL), 0)")
        return ("WITH d AS (DELETE FROM h WHERE time < now() - (SELECT retention FROM h_retention) "
                "RETURNING 1) SELECT count(*) FROM d")
    raise ValueError(kind)


TXN_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "RESET", "CLOSE", "FETCH",
               "VACUUM")


def is_txn_control(step):
    return step[1] == "exec" and step[2].split()[0] in TXN_CONTROL


def execute(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    cur.close()
    del conn.notices[:]


def run_one(conn, step, side):
    """Runs a step on one connection: (sqlstate or None, rows or None, notices)."""
    sql = side_sql(step, side)
    cur = conn.cursor()
    del conn.notices[:]
    try:
        if step[1] == "copy":
            cur.copy_expert(sql, io.StringIO(step[3]))
            rows = None
        else:
            cur.execute(sql)
            rows = cur.fetchall() if cur.description is not None else None
        err = None
    except psycopg2.Error as e:
        err = e.pgcode or ("connection" if conn.closed or isinstance(e, psycopg2.OperationalError) else "error")
        rows = None
    notices = [n.strip() for n in conn.notices]
    cur.close()
    return err, rows, notices


def canon(rows, cmp, cursor_kind):
    if rows is None:
        return None
    text = [tuple(None if c is None else str(c) for c in row) for row in rows]
    ordered = cmp == "list" or (cmp == "fetch" and cursor_kind == "ordered")
    return text if ordered else sorted(text, key=repr)


LOCKISH = {"55P03", "40P01", "40001"}  # lock_timeout, deadlock, serialization failure


class Runner:
    def __init__(self, dsn_kw, nsessions):
        self.kw = dsn_kw
        self.nsessions = nsessions
        self.pairs = []
        self.observer = None
        self.lock_timeouts = {"t": 0, "h": 0}
        self.dirty = set()  # sessions used since the last reset

    def connect(self):
        def c():
            conn = psycopg2.connect(**self.kw)
            conn.autocommit = True
            execute(conn, SESSION_SETUP)
            return conn
        while len(self.pairs) < self.nsessions:
            self.pairs.append((c(), c()))
        if self.observer is None:
            self.observer = (c(), c())

    def reconnect_if_lost(self):
        """After a server crash (a failure itself): new connections once it accepts them."""
        conns = [c for pair in self.pairs for c in pair] + list(self.observer or ())
        if not any(c.closed for c in conns):
            return
        for c in conns:
            try:
                c.close()
            except psycopg2.Error:
                pass
        self.pairs, self.observer, self.dirty = [], None, set()
        for _ in range(120):
            try:
                self.connect()
                return
            except psycopg2.OperationalError:
                time.sleep(0.5)
        self.connect()

    def reset(self):
        self.reconnect_if_lost()
        for s in self.dirty:
            for conn in self.pairs[s]:
                execute(conn, "ROLLBACK; CLOSE ALL; RESET ALL; " + SESSION_SETUP)
        self.dirty = set()
        # One transaction empties both (DELETE: faster than TRUNCATE for a few rows of heap).
        execute(self.observer[0], "SET lock_timeout = 0; TRUNCATE t; DELETE FROM h; "
                "ALTER TABLE t ALTER COLUMN n TYPE int4; ALTER TABLE h ALTER COLUMN n TYPE int4; "
                "SELECT observe.set_retention('t', NULL); UPDATE h_retention SET retention = NULL; "
                "SET lock_timeout = %d" % LOCK_TIMEOUT_MS)

    def contents(self):
        out = []
        for side, conn in zip("th", self.observer):
            cur = conn.cursor()
            try:
                # digest of the rows' exact text, in an order independent of storage
                cur.execute("SELECT count(*), md5(string_agg(r, E'\\n' ORDER BY r COLLATE \"C\")) "
                            "FROM (SELECT (%s)::text AS r FROM %s) s" % (COLS, side))
                out.append(cur.fetchone())
            except psycopg2.Error as e:
                if e.pgcode in LOCKISH:
                    return None
                out.append(("error", e.pgcode))
            finally:
                cur.close()
        return out

    def run(self, steps, stop_at_first=True):
        """Runs steps; returns None or a description of the first difference."""
        self.reset()
        cursor_kinds = {}
        self.dirty = set(step[0] for step in steps)
        multi = len(self.dirty) > 1  # lock waits need a second session
        for i, step in enumerate(steps):
            s, kind, sql, data, cmp = step
            if kind == "exec" and sql.startswith("DECLARE"):
                cursor_kinds[sql.split()[1]] = data
            tconn, hconn = self.pairs[s]
            # Outside a transaction block a step runs in one of its own on both sides, so that a
            # lock wait on one side only (below) can be undone on both.
            wrap = (multi and not is_txn_control(step)
                    and tconn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
                    and hconn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE)
            if wrap:
                execute(tconn, "BEGIN")
                execute(hconn, "BEGIN")
            rt = run_one(tconn, step, "t")
            rh = run_one(hconn, step, "h") if rt[0] not in LOCKISH else (None, None, [])
            if rt[0] in LOCKISH or rh[0] in LOCKISH:
                # One side waited on another session past lock_timeout (the two tables lock
                # differently: series creation, compaction): undo the session's transaction on
                # both sides and go on.
                self.lock_timeouts["t" if rt[0] in LOCKISH else "h"] += 1
                execute(tconn, "ROLLBACK")
                execute(hconn, "ROLLBACK")
                continue
            if wrap:
                # The commit writes observe_ts's buffered rows (series creation takes its
                # mutex): it may give up on a lock too, rolling the step back; then so does h.
                try:
                    execute(tconn, "COMMIT")
                except psycopg2.Error as e:
                    if e.pgcode not in LOCKISH:
                        raise
                    self.lock_timeouts["t"] += 1
                    execute(hconn, "ROLLBACK")
                    continue
                execute(hconn, "COMMIT")
            committed = wrap or (step[1] == "exec" and step[2].split()[0] in ("COMMIT", "END"))
            if "connection" in (rt[0], rh[0]):
                self.pairs[s][0].close()  # lost (a crash): reconnect before the next run
                return "step %d: the connection was lost (server crash?)" % (i + 1)
            ck = cursor_kinds.get(data) if cmp == "fetch" else None
            a = (rt[0], canon(rt[1], cmp, ck) if cmp != "none" else None, rt[2])
            b = (rh[0], canon(rh[1], cmp, ck) if cmp != "none" else None, rh[2])
            if a != b:
                return "step %d: observe_ts %r, heap %r" % (i + 1, a, b)
            # committed contents change only when a transaction commits
            c = self.contents() if committed else None
            if c is not None and c[0] != c[1]:
                return "after step %d (committed contents): observe_ts %r, heap %r" % (i + 1, c[0], c[1])
        # end: close every session's transaction and compare once more
        for s in self.dirty:
            for conn in self.pairs[s]:
                execute(conn, "ROLLBACK")
        c = self.contents()
        if c is not None and c[0] != c[1]:
            return "at the end (committed contents): observe_ts %r, heap %r" % (c[0], c[1])
        return None


def shrink(runner, steps):
    """Drops steps (chunks, then single ones) while the sequence still fails."""
    n = max(1, len(steps) // 2)
    while n >= 1:
        i = 0
        changed = False
        while i < len(steps):
            cand = steps[:i] + steps[i + n:]
            if cand and runner.run(cand) is not None:
                steps = cand
                changed = True
            else:
                i += n
        if not changed:
            n //= 2
    return steps


def script(steps):
    lines = ["-- setup: CREATE TABLE t (time timestamptz, k text, v float8, n int4) USING %s;" % AM,
             "--        CREATE TABLE h (LIKE t); CREATE TABLE h_retention (retention interval); INSERT INTO h_retention VALUES (NULL);",
             "--        CREATE FUNCTION count_t() RETURNS float8 LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM t); END $$; (and count_h)"]
    if AM != "observe_ts":
        lines.insert(1, "--        SELECT observe.set_series_key('t', 'time', ARRAY['k']);")
    sessions = len(set(s[0] for s in steps))
    for side in "th":
        lines.append("-- %s side%s" % ("observe_ts" if side == "t" else "heap",
                                       " (sessions interleaved as marked)" if sessions > 1 else ""))
        for step in steps:
            sql = side_sql(step, side)
            prefix = "/* session %d */ " % step[0] if sessions > 1 else ""
            if step[1] == "copy":
                lines.append(prefix + sql + ";\n" + step[3] + "\\.")
            else:
                lines.append(prefix + sql + ";")
        lines.append("SELECT %s FROM %s ORDER BY %s;" % (COLS, side, ORDER))
    return "\n".join(lines)


def setup(kw, db):
    admin = psycopg2.connect(**kw)
    admin.autocommit = True
    cur = admin.cursor()
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,))
    if cur.fetchone() is None:
        cur.execute('CREATE DATABASE "%s"' % db)
    admin.close()
    kw = dict(kw, dbname=db)
    conn = psycopg2.connect(**kw)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_observe")
    cur.execute("DROP SCHEMA IF EXISTS diff CASCADE; CREATE SCHEMA diff")
    cur.execute("CREATE TABLE diff.t (time timestamptz, k text, v float8, n int4) USING " + AM)
    if AM != "observe_ts":  # the same series key as observe_ts gives t (observe_log's is jsonb only)
        cur.execute("SELECT observe.set_series_key('diff.t', 'time', ARRAY['k'])")
    cur.execute("CREATE TABLE diff.h (time timestamptz, k text, v float8, n int4)")
    cur.execute("CREATE TABLE diff.h_retention (retention interval)")
    cur.execute("INSERT INTO diff.h_retention VALUES (NULL)")
    for side in "th":
        cur.execute("CREATE FUNCTION diff.count_%s() RETURNS float8 LANGUAGE plpgsql AS "
                    "$$ BEGIN RETURN (SELECT count(*) FROM diff.%s); END $$" % (side, side))
    conn.close()
    return kw


def main():
    seed = int(os.environ.get("SEED") or random.SystemRandom().randrange(1 << 31))
    count = int(os.environ.get("COUNT", "2000"))
    jobs = int(os.environ.get("JOBS", "1"))
    if "INDEX" in os.environ:
        jobs = 1
    worker = os.environ.get("WORKER")
    if jobs > 1 and worker is None:
        return run_workers(seed, count, jobs)
    worker = int(worker or 0)
    duration = float(os.environ.get("DURATION", "0"))
    max_steps = int(os.environ.get("STEPS", "30"))
    max_sessions = int(os.environ.get("SESSIONS", "3"))
    db = os.environ.get("DIFF_DB", "ts_differential") + ("_%d" % worker if jobs > 1 else "")
    print("ts_differential: SEED=%d COUNT=%d DURATION=%s%s" % (
        seed, count, duration or "-", " (worker %d of %d)" % (worker, jobs) if jobs > 1 else ""), flush=True)
    kw = setup({}, db)
    runner = Runner(kw, max_sessions)
    runner.connect()
    start = time.time()
    failures = 0
    done = 0
    indices = [int(os.environ["INDEX"])] if "INDEX" in os.environ else range(worker, count, jobs)
    for i in indices:
        if duration and time.time() - start > duration:
            break
        seq_seed = seed * 1000003 + i
        rng = random.Random(seq_seed)
        nsessions = 1 if rng.random() < 0.6 or max_sessions < 2 else rng.randrange(2, max_sessions + 1)
        steps = Gen(rng, nsessions, rng.randrange(3, max_steps + 1)).sequence()
        diff = runner.run(steps)
        done += 1
        if done % 1000 == 0:
            print("ts_differential: %d sequences, %d failing, %.0f s" % (done, failures, time.time() - start),
                  flush=True)
        if diff is None:
            continue
        failures += 1
        print("FAIL sequence (SEED=%d INDEX=%d): %s" % (seed, i, diff), flush=True)
        small = shrink(runner, steps)
        print("minimal (%d of %d steps): %s" % (len(small), len(steps), runner.run(small)))
        print(script(small), flush=True)
        if failures >= int(os.environ.get("MAX_FAILURES", "3")):
            break
    print("ts_differential: %d sequences, %d failing, %.1f s (SEED=%d); steps undone after a lock "
          "timeout: %d on observe_ts, %d on heap" % (done, failures, time.time() - start, seed,
                                                     runner.lock_timeouts["t"], runner.lock_timeouts["h"]))
    return 1 if failures else 0


def run_workers(seed, count, jobs):
    """Runs `jobs` processes (sequences i with i % jobs == w, a database each); sums up."""
    import re
    import subprocess
    procs = []
    for w in range(jobs):
        env = dict(os.environ, SEED=str(seed), WORKER=str(w), JOBS=str(jobs))
        procs.append(subprocess.Popen([sys.executable, __file__], env=env, stdout=subprocess.PIPE, text=True))
    total = failing = 0
    rc = 0
    outputs = [p.communicate()[0] for p in procs]
    for p, out in zip(procs, outputs):
        sys.stdout.write(out)
        m = re.findall(r"^ts_differential: (\d+) sequences, (\d+) failing, [\d.]+ s \(", out, re.M)
        if m:
            total += int(m[-1][0])
            failing += int(m[-1][1])
        rc |= p.returncode
    print("ts_differential: all workers: %d sequences, %d failing (SEED=%d)" % (total, failing, seed))
    return 1 if rc or failing else 0


if __name__ == "__main__":
    sys.exit(main())
