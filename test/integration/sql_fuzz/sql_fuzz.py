#!/usr/bin/python3
"""Fuzzes the SQL surface of pg_observe: every function in schema observe, found in pg_proc at
run time (a new function is covered without editing this file), called with random and
adversarial arguments chosen by argument type, for a bounded time.

Fails on: a crash (the connection or the postmaster goes away), a statement that outlives
statement_timeout by more than a margin, an error without SQLSTATE or with an internal one
(XX000, class 58), any message, detail, hint or notice that is not valid UTF-8, and (in a UTF-8
database) a result value that is not valid UTF-8. Seeded: the seed is printed, every finding is
printed with its statement, and the same seed replays the same sequence of calls.

Invalid bytes can only reach a function's text arguments in a SQL_ASCII database: a UTF-8
database rejects E'\\xff', convert_from(..., 'UTF8') and friends before the call (22021). So the
run takes two databases (--dsn utf8:... and --dsn ascii:...); in the UTF-8 one, invalid bytes
come from what the extension itself decodes (PromQL escapes such as "\\xff").
"""
import argparse
import os
import random
import sys
import threading
import time

import psycopg2
import psycopg2.extensions

# Types a function cannot be called with from SQL: such functions are listed, not called.
UNCALLABLE = {"internal", "trigger", "event_trigger", "table_am_handler", "index_am_handler",
              "language_handler", "fdw_handler", "tsm_handler"}

STATEMENT_TIMEOUT_MS = 3000
HANG_MARGIN_S = 10  # past statement_timeout + this, a statement hangs
BAD_CLASSES = ("XX", "58")  # internal error, system error


def q(s):
    """A SQL string literal for s (ASCII-safe: other characters go through E'' escapes)."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "'":
            out.append("''")
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7f:
            out.append("\\x%02x" % o)
        elif o > 0x7e:
            out.append("\\u%04x" % o if o <= 0xffff else "\\U%08x" % o)
        else:
            out.append(ch)
    return "E'" + "".join(out) + "'"


def raw_bytes(bs):
    """A text literal with these exact bytes: only a SQL_ASCII database accepts the invalid ones."""
    return "E'" + "".join("\\x%02x" % b for b in bs) + "'"


PROMQL_PARTS = [
    "up", "m", "rate(", "sum(", "sum by (job) (", "label_replace(", "label_join(", "count_values(",
    "histogram_quantile(", "topk(", "absent(", "vector(", "scalar(", "time()", "(", ")", "[5m]",
    "[1m:10s]", "[0s]", "{", "}", "job", "=", "=~", "!~", "!=", ",", '"', "'", "`", "\"\\xff\"",
    "\"\\xc3\"", "\"\\u00e9\"", "\"\\U0010ffff\"", "\"\\377\"", "\".*\"", "\"(\"", "\"$1\"",
    "__name__", "offset 1h", "offset -1y", "@ 0", "@ 1e300", "@ -1e300", "@ start()", "@ end()",
    "+", "-", "*", "/", "%", "^", "==", "and", "or", "unless", "bool", "on(job)", "group_left",
    "1", "0", "-1", "1e308", "NaN", "Inf", "0x7fffffffffffffff", "999999999999y", "1ms", "#",
    "\n", " ", "step()", "range()", "quantile_over_time(", "predict_linear(", "holt_winters(",
    "sort_by_label(", "label_values", "\"a\\\"b\"", "é", "\u2028", "\u0001", "{__name__=~\".+\"}",
]

EXPOSITION_PARTS = [
    "m", "m_total", "m_bucket", "{", "}", "a", "le", "=", '"', "\\", ",", " ", "1", "-1", "+Inf",
    "NaN", "1e400", "9223372036854775808", "\n", "# TYPE ", "# HELP ", "# UNIT ", "# EOF\n",
    "counter", "histogram", "gauge", "summary", "\\xff", "é", "\t", "#", "__name__", "_created",
]


class Args:
    """Argument expressions by type. Each generator returns SQL (an expression, not a value)."""

    def __init__(self, rng, ascii_db, tables):
        self.rng = rng
        self.ascii_db = ascii_db
        self.tables = tables

    def soup(self, parts, n):
        return "".join(self.rng.choice(parts) for _ in range(n))

    def text(self):
        r = self.rng
        k = r.randrange(20)
        if k == 0:
            return "NULL"
        if k == 1:
            return r.choice(["''", "' '", "'up'", "'m{job=\"a\"}'", "'{}'", "'()'"])
        if k <= 6:
            return q(self.soup(PROMQL_PARTS, r.randint(1, 14)))
        if k <= 8:
            return q(self.soup(EXPOSITION_PARTS, r.randint(1, 30)))
        if k == 9:  # deep nesting
            n = r.choice([100, 1000, 10000, 100000])
            opener = r.choice(["(", "-", "abs(", "{", "[", "sum(", "-(", "((", "m offset 1m + "])
            closer = {"(": ")", "abs(": ")", "sum(": ")", "-(": ")", "((": "))", "{": "}", "[": "]"}.get(opener, "")
            return "repeat(%s, %d) || 'm' || repeat(%s, %d)" % (q(opener), n, q(closer), n)
        if k == 10:  # huge
            unit = r.choice(["a", "m{a=\"b\"} 1\n", "(", "\"", "m + ", "\\x", "é"])
            return "repeat(%s, %d)" % (q(unit), r.choice([100000, 1000000, 4000000]))
        if k == 11:  # long label sets and names
            n = r.choice([100, 10000, 50000])
            return ("'m{' || (SELECT string_agg('l' || i || '=\"v' || i || '\"', ',') "
                    "FROM generate_series(1, %d) i) || '}'" % n)
        if k == 12:  # control characters and valid non-ASCII
            return q("".join(r.choice(["\x01", "\n", "\t", "\x7f", "é", "€", "😀", "\u2028", "m", "{", '"'])
                             for _ in range(r.randint(1, 12))))
        if k in (13, 14) and self.ascii_db:  # raw invalid bytes mixed into a query or series
            pre = self.soup(PROMQL_PARTS, r.randint(0, 4)).encode()
            bad = bytes(r.choice([0xff, 0xfe, 0xc3, 0x80, 0xed, 0xa0, 0xf4, 0x90, 0xc0, 0xaf, 0x01])
                        for _ in range(r.randint(1, 4)))
            post = self.soup(PROMQL_PARTS, r.randint(0, 4)).encode()
            return raw_bytes(pre + bad + post)
        if k == 15:
            return "chr(%d)" % r.choice([1, 0x7f, 0xe9, 0xfffd, 0x10ffff, 0x2028])
        # simple, mostly valid queries that reach the evaluator
        return q(r.choice([
            "up", "rate(m[5m])", "sum by (job) (m)", 'label_replace(m, "\\xff", "$1", "job", "(.*)")',
            'label_replace(m, "dst", "\\xff", "job", "(.*)")', 'label_join(m, "a", "\\xfe", "job")',
            'count_values("\\xc3", m)', 'm{job=~"\\xff("}', 'm{job="\\xff"}', '{"\\xff"="x"}',
            "m[5m:1ms]", "m offset 100000y", "m @ 1e18", "histogram_quantile(0.5, m)",
            "sort_by_label(m, \"\\xff\")", "quantile_over_time(NaN, m[1m])", "topk(1e10, m)",
            "absent_over_time(m[1y])", "vector(1) / 0", "m{job=~\".*\"}[100y:1s]",
        ]))

    def timestamptz(self):
        r = self.rng
        return r.choice([
            "NULL", "now()", "'infinity'::timestamptz", "'-infinity'::timestamptz",
            "'294276-12-31 23:59:59.999999+00'::timestamptz", "'4713-01-01 00:00:00+00 BC'::timestamptz",
            "'epoch'::timestamptz", "'1677-09-21 00:12:43+00'::timestamptz",
            "'2262-04-11 23:47:16+00'::timestamptz", "now() - interval '1 hour'",
            "now() + interval '1 hour'", "'2000-01-01'::timestamptz",
            "to_timestamp(%d)" % r.randint(-10**11, 10**11), "to_timestamp(%r)" % r.uniform(0, 2e9),
        ])

    def interval(self):
        r = self.rng
        return r.choice([
            "NULL", "'0'::interval", "'-1 second'::interval", "'1 microsecond'::interval",
            "'1 millisecond'::interval", "'1 second'::interval", "'15 seconds'::interval",
            "'1 minute'::interval", "'1 day'::interval", "'1 month'::interval",
            "'-1 month'::interval", "'178000000 years'::interval", "'-178000000 years'::interval",
            "make_interval(secs => %r)" % r.uniform(-1e6, 1e6), "'2147483647 days'::interval",
            "'-2147483648 days -2562047788 hours'::interval",
        ])

    def regclass(self):
        return self.rng.choice(["NULL"] + ["%s::regclass" % q(t) for t in self.tables] +
                               ["0::oid::regclass", "4294967295::oid::regclass", "'pg_class'::regclass",
                                "'observe._ts_chunks'::regclass", "'pg_class_oid_index'::regclass"])

    def jsonb(self):
        r = self.rng
        return r.choice([
            "NULL", "'{}'::jsonb", "'{\"a\":\"b\"}'::jsonb", "'[]'::jsonb", "'1'::jsonb", "'null'::jsonb",
            "'\"s\"'::jsonb", "'{\"a\":1}'::jsonb", "'{\"a\":null}'::jsonb", "'{\"a\":{\"b\":\"c\"}}'::jsonb",
            "'{\"__name__\":\"x\"}'::jsonb", "'{\"\":\"v\"}'::jsonb", "'{\"a\":\"\"}'::jsonb",
            "'{\"job\":\"\\u00ff\\u0001\"}'::jsonb", "'{\"\\\\xff\":\"a\"}'::jsonb",
            "(repeat('[', 5000) || repeat(']', 5000))::jsonb",
            "(SELECT jsonb_object_agg('k' || i, 'v' || i) FROM generate_series(1, %d) i)" % r.choice([100, 100000]),
            "jsonb_build_object('a', repeat('x', 1000000))",
        ])

    def float8(self):
        r = self.rng
        return r.choice(["NULL", "0", "'-0'::float8", "'NaN'::float8", "'Infinity'::float8",
                         "'-Infinity'::float8", "1e308", "5e-324", "observe.stale_marker()",
                         repr(r.uniform(-1e9, 1e9))])

    def boolean(self):
        return self.rng.choice(["NULL", "true", "false"])

    def integer(self):
        return self.rng.choice(["NULL", "0", "-1", "1", "2147483647", "-2147483648",
                                str(self.rng.randint(-10**6, 10**6))])

    def name_array(self):
        return self.rng.choice([
            "NULL", "'{}'::name[]", "'{time}'::name[]", "'{name,labels}'::name[]", "'{labels}'::name[]",
            "ARRAY[NULL]::name[]", "'{nonexistent}'::name[]", "'{\"\",\"\"}'::name[]",
            "(SELECT array_agg(('c' || i)::name) FROM generate_series(1, 1000) i)",
            "'{value,value}'::name[]",
        ])

    def generic(self, typ):
        return self.rng.choice(["NULL::%s" % typ, "%s::%s" % (q(self.soup(PROMQL_PARTS, 3)), typ)])

    def for_type(self, typ):
        table = {
            "text": self.text, "name": lambda: "(%s)::name" % self.text(),
            "character varying": self.text, "timestamp with time zone": self.timestamptz,
            "interval": self.interval, "regclass": self.regclass, "jsonb": self.jsonb,
            "double precision": self.float8, "boolean": self.boolean, "integer": self.integer,
            "bigint": self.integer, "name[]": self.name_array,
        }
        gen = table.get(typ)
        return gen() if gen else self.generic(typ)


# Runs one call and catches its error in the server, so that the error's fields come back as
# the exact bytes the server holds (a client decodes or converts them on the way: psycopg2
# replaces what a SQL_ASCII connection cannot decode, and a UTF-8 one turns them into a new
# 22021 error). convert_to(x, database encoding) gives those bytes unconverted; in a UTF-8
# database it checks them first, so bad bytes there surface as 22021 "invalid byte sequence".
# OTHERS does not catch query_canceled: a timeout still ends the statement.
WRAPPER = """
CREATE FUNCTION pg_temp.fuzz_call(q text, OUT state text, OUT fields bytea[], OUT result bytea[])
LANGUAGE plpgsql AS $fn$
DECLARE
  m text; d text; h text; c text;
BEGIN
  EXECUTE q INTO result;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
                          h = PG_EXCEPTION_HINT, c = PG_EXCEPTION_CONTEXT;
  fields := ARRAY[convert_to(m, getdatabaseencoding()), convert_to(d, getdatabaseencoding()),
                  convert_to(h, getdatabaseencoding()), convert_to(c, getdatabaseencoding())];
END
$fn$"""
FIELD_NAMES = ["message", "detail", "hint", "context"]


def valid_utf8(v):
    if v is None:
        return True
    if isinstance(v, str):
        return True  # decoded strictly as UTF-8 by the driver
    try:
        v.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def list_functions(conn):
    cur = conn.cursor()
    cur.execute("""
        SELECT p.oid, p.proname, p.prokind, p.pronargs, p.pronargdefaults, p.proretset,
               (SELECT lanname FROM pg_language l WHERE l.oid = p.prolang),
               format_type(p.prorettype, NULL),
               ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, n)
                     ORDER BY n)
          FROM pg_proc p
         WHERE p.pronamespace = 'observe'::regnamespace
         ORDER BY p.proname, p.oid""")
    callable_, skipped = [], []
    for oid, name, kind, nargs, ndef, retset, lang, rettype, argtypes in cur.fetchall():
        bad = [t for t in list(argtypes) + [rettype] if t in UNCALLABLE]
        if bad or kind not in ("f", "p"):
            skipped.append("%s(%s): %s" % (name, ", ".join(argtypes), "kind " + kind if not bad else ", ".join(bad)))
            continue
        callable_.append(dict(name=name, kind=kind, nargs=nargs, ndef=ndef, argtypes=list(argtypes), lang=lang))
    return callable_, skipped


class Fuzzer:
    def __init__(self, label, dsn, ascii_db, tables, rng, deadline, findings):
        self.label, self.dsn, self.ascii_db = label, dsn, ascii_db
        self.rng, self.deadline, self.findings = rng, deadline, findings
        self.args = Args(rng, ascii_db, tables)
        self.calls = self.errors = 0
        self.sqlstates = {}

    def connect(self):
        conn = psycopg2.connect(self.dsn)
        conn.set_client_encoding("UTF8")  # SQL_ASCII server: bytes pass unconverted
        cur = conn.cursor()
        cur.execute("SET statement_timeout = %d" % STATEMENT_TIMEOUT_MS)
        cur.execute("SET client_min_messages = notice")
        cur.execute(WRAPPER)
        conn.commit()
        return conn

    def finding(self, kind, sql, detail):
        shown = sql if len(sql) < 600 else sql[:600] + "...(%d chars)" % len(sql)
        self.findings.append((self.label, kind, shown, detail))
        print("FINDING [%s] %s: %s\n  statement: %s" % (self.label, kind, detail, shown), flush=True)

    def statement(self, fn):
        n = fn["nargs"]
        # Trailing defaulted arguments are sometimes left out.
        if fn["ndef"] and self.rng.random() < 0.3:
            n -= self.rng.randint(1, fn["ndef"])
        args = [self.args.for_type(t) for t in fn["argtypes"][:n]]
        call = "observe.%s(%s)" % (fn["name"], ", ".join(args))
        if fn["kind"] == "p":
            return "CALL " + call, False
        # Rows as text, as bytea: the driver hands us the exact bytes to check.
        return ("SELECT array_agg(convert_to(r::text, getdatabaseencoding())) "
                "FROM (SELECT * FROM %s AS r LIMIT 100) r" % call), True

    def check_messages(self, sql, conn, err):
        texts = []
        if err is not None:
            d = err.diag
            texts += [("message", d.message_primary), ("detail", d.message_detail),
                      ("hint", d.message_hint), ("context", d.context), ("pgerror", err.pgerror)]
        texts += [("notice", n) for n in conn.notices]
        del conn.notices[:]
        for what, t in texts:
            if not valid_utf8(t):
                self.finding("invalid UTF-8 in %s" % what, sql, repr(t)[:300])

    def give_up(self, sql, elapsed):
        self.finding("hang: the backend ignores cancel", sql, "no answer after %.0f s" % elapsed)
        print("sql_fuzz: giving up; %d findings" % len(self.findings), flush=True)
        os._exit(1)

    def check_caught(self, sql, state, fields, result):
        """An error the wrapper caught, or the rows of a call that succeeded."""
        for row in result or []:
            if row is not None and not self.ascii_db and not valid_utf8(bytes(row)):
                self.finding("invalid UTF-8 in a result", sql, repr(bytes(row))[:300])
                break
        if state is None:
            return
        self.errors += 1
        self.sqlstates[state] = self.sqlstates.get(state, 0) + 1
        if state[:2] in BAD_CLASSES:
            self.finding("internal error " + state, sql, repr(bytes(fields[0] or b""))[:300])
        if state == "22021" and not self.ascii_db and b"invalid byte sequence" in bytes(fields[0] or b""):
            self.finding("invalid UTF-8 in a result or message", sql, repr(bytes(fields[0]))[:300])
        for name, value in zip(FIELD_NAMES, fields):
            if value is not None and not valid_utf8(bytes(value)):
                self.finding("invalid UTF-8 in the error's %s" % name, sql, repr(bytes(value))[:300])

    def run_one(self, conn, fn):
        sql, returns_rows = self.statement(fn)
        self.calls += 1
        start = time.monotonic()
        err = None
        cur = conn.cursor()
        # A statement the server does not end by itself is cancelled from here and reported.
        hung = threading.Event()
        watchdog = threading.Timer(STATEMENT_TIMEOUT_MS / 1000 + HANG_MARGIN_S,
                                   lambda: (hung.set(), conn.cancel()))
        watchdog.start()
        # A backend that ignores the cancel too is reported from here, and the run ends.
        deadman = threading.Timer(STATEMENT_TIMEOUT_MS / 1000 + 4 * HANG_MARGIN_S,
                                  lambda: self.give_up(sql, time.monotonic() - start))
        deadman.start()
        try:
            if returns_rows:
                cur.execute("SELECT * FROM pg_temp.fuzz_call(%s)", (sql,))
                state, fields, result = cur.fetchone()
            else:
                cur.execute(sql)
                state, fields, result = None, None, None
            self.check_caught(sql, state, fields, result)
            if self.rng.random() < 0.25:
                conn.commit()  # the write path flushes at commit
            else:
                conn.rollback()
        except psycopg2.Error as e:
            err = e
        finally:
            watchdog.cancel()
            deadman.cancel()
        elapsed = time.monotonic() - start
        if hung.is_set():
            self.finding("hang past statement_timeout", sql, "cancelled by the client after %.1f s" % elapsed)
        if err is not None:
            if conn.closed or err.pgcode is None:
                self.finding("crash or lost connection", sql, str(err).strip()[:300])
                return False
            self.errors += 1
            self.sqlstates[err.pgcode] = self.sqlstates.get(err.pgcode, 0) + 1
            if err.pgcode == "22021" and "invalid byte sequence" in (err.diag.message_primary or ""):
                # The server could not convert a notice or message for the client: it held
                # bytes that are no UTF-8 (every argument error is caught in fuzz_call).
                self.finding("invalid UTF-8 in a notice or message", sql, err.diag.message_primary)
            if err.pgcode[:2] in BAD_CLASSES:
                self.finding("internal error " + err.pgcode, sql, (err.diag.message_primary or "")[:300])
            conn.rollback()
        self.check_messages(sql, conn, err)
        return True

    def self_check(self, conn):
        """Proves the checks see bad bytes: PostgreSQL's own message echoes the raw byte."""
        cur = conn.cursor()
        cur.execute("SELECT * FROM pg_temp.fuzz_call(%s)", (r"SELECT ARRAY[textsend((E'\xff'::int)::text)]",))
        state, fields, _ = cur.fetchone()
        conn.rollback()
        if state != "22P02" or valid_utf8(bytes(fields[0])):
            raise SystemExit("sql_fuzz: self-check failed, invalid bytes would go unnoticed: %r %r" % (state, fields))

    def run(self, functions):
        conn = self.connect()
        if self.ascii_db:
            self.self_check(conn)
            # Raw bytes are fed to the C functions here. Functions in SQL or PL/pgSQL echo their
            # arguments in messages as PostgreSQL's own errors do (the self-check above), which in
            # a SQL_ASCII database may be any bytes; they are fuzzed in the UTF-8 database.
            functions = [f for f in functions if f["lang"] == "c"]
        while time.monotonic() < self.deadline:
            fn = self.rng.choice(functions)
            if not self.run_one(conn, fn):
                conn = self.connect()
        conn.close()
        print("[%s] %d calls, %d errors; SQLSTATEs: %s" % (
            self.label, self.calls, self.errors,
            ", ".join("%s×%d" % kv for kv in sorted(self.sqlstates.items()))), flush=True)


def postmaster_start(dsn):
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    cur.execute("SELECT pg_postmaster_start_time()")
    t = cur.fetchone()[0]
    conn.close()
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--admin-dsn", required=True, help="a superuser connection (lists functions)")
    ap.add_argument("--dsn", action="append", required=True,
                    help="label:ascii|utf8:dsn, one fuzzing phase each, run in turn")
    ap.add_argument("--tables", default="observe.metrics", help="comma-separated regclass arguments")
    ap.add_argument("--seconds", type=float, default=60, help="total, shared by the phases")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(2**32)
    print("sql_fuzz: seed %d (replay: SQL_FUZZ_SEED=%d)" % (seed, seed), flush=True)

    admin = psycopg2.connect(a.admin_dsn)
    functions, skipped = list_functions(admin)
    admin.close()
    print("sql_fuzz: %d functions: %s" % (len(functions), ", ".join(sorted({f["name"] for f in functions}))))
    for s in skipped:
        print("sql_fuzz: not callable from SQL, skipped: " + s)
    if not functions:
        print("sql_fuzz: no function found in schema observe")
        return 1

    started = postmaster_start(a.admin_dsn)
    sentinel = psycopg2.connect(a.admin_dsn)  # any backend crash ends every session
    findings = []
    per_phase = a.seconds / len(a.dsn)
    for i, spec in enumerate(a.dsn):
        label, enc, dsn = spec.split(":", 2)
        rng = random.Random(seed * 1000 + i)
        f = Fuzzer(label, dsn, enc == "ascii", a.tables.split(","), rng, time.monotonic() + per_phase, findings)
        f.run(functions)
    try:
        sentinel.cursor().execute("SELECT 1")
    except psycopg2.Error as e:
        findings.append(("all", "backend crash", "", "the sentinel session died: %s" % str(e).strip()))
    if postmaster_start(a.admin_dsn) != started:
        findings.append(("all", "postmaster restarted", "", ""))
    print("sql_fuzz: seed %d, %d findings" % (seed, len(findings)))
    for label, kind, sql, detail in findings:
        print("  [%s] %s: %s | %s" % (label, kind, detail, sql[:200]))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
