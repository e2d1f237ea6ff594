"""Runs every variable and panel query of Grafana dashboards as Grafana would, and checks the
results the way Grafana's PostgreSQL data source turns them into frames.

  check_dashboards.py --dsn DSN [--timescaledb] DASHBOARD.json...

For several time ranges, max data points and min intervals, each query is expanded by
grafana_expand (template variables from the dashboard's own variable queries, global variables,
macros), run on the server, and checked:
  time series format: a column named time of a time type, or an epoch that Grafana reads in
  seconds/ms (by magnitude) and that lands inside the queried range; every other column text
  (a series factor) or numeric (a value), never jsonb; at least one value column; rows ascending
  by time with no null time when there are text columns (Grafana's long-to-wide conversion);
  no duplicate (time, series) row, which Grafana would silently drop; values inside the panel's
  declared min/max; CPU mode shares adding up to 1; log volume by level adding up to the lines
  SQL counts;
  table format: runs, and for stat panels holds a numeric column;
  logs panels (table format, as Grafana's logs visualization reads a frame that has no logs
  type: the first time field is the time, the first string field the line, a field named level
  the severity, the others labels): a time column, the first text column named line or body
  (not the label set), no null time or line, a text level column if any, times inside the range,
  rows in the panel's sort order (so a max_lines cut keeps the lines the panel shows first);
  both: no error, no leftover $ after expansion, non-empty (the data covers every range used),
  fewer rows than Grafana's row limit.
Prints one line per failure and a summary; exits 1 on any failure.
"""
import argparse
import datetime as dt
import json
import math
import os
import re
import sys
import time

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grafana_expand as g  # noqa: E402

TIME_OIDS = {1114, 1184, 1082}          # timestamp, timestamptz, date
NUMERIC_OIDS = {20, 21, 23, 700, 701, 1700}
TEXT_OIDS = {25, 1043, 1042, 19, 705}   # text, varchar, bpchar, name, unknown
JSON_OIDS = {114, 3802}
ROW_LIMIT = 1000000

failures = []
caught = []   # with --expect-fail: what each broken panel was caught for


def fail(where, msg):
    failures.append('%s: %s' % (where, msg))


def epoch_to_ms(v):
    """sqleng.epochPrecisionToMS: e+09 -> seconds, e+18 -> ns, else ms."""
    s = '%e' % v
    if s.endswith('e+09'):
        return v * 1e3
    if s.endswith('e+18'):
        return v / 1e6
    return v


def time_ms(v, oid):
    if oid in TIME_OIDS:
        if isinstance(v, dt.datetime):
            if v.tzinfo is None:
                v = v.replace(tzinfo=dt.timezone.utc)
            return v.timestamp() * 1000
        return dt.datetime(v.year, v.month, v.day, tzinfo=dt.timezone.utc).timestamp() * 1000
    return epoch_to_ms(float(v))


def check_time_series(where, desc, rows, frm, to, interval_ms, panel):
    names = [d.name for d in desc]
    oids = [d.type_code for d in desc]
    if 'time' not in names:
        return fail(where, 'time column is missing (columns %s)' % names)
    ti = names.index('time')
    if oids[ti] not in TIME_OIDS | NUMERIC_OIDS:
        return fail(where, 'time column has type oid %d, neither a time type nor a number' % oids[ti])
    factors, values = [], []
    for i, (n, o) in enumerate(zip(names, oids)):
        if i == ti:
            continue
        if o in JSON_OIDS:
            fail(where, 'column %s is json/jsonb: no series can be built from it' % n)
        elif o in TEXT_OIDS:
            factors.append(i)
        elif o in NUMERIC_OIDS:
            values.append(i)
        else:
            fail(where, 'column %s has type oid %d, neither text nor a number' % (n, o))
    if not values:
        fail(where, 'no numeric value column')
    times = []
    for r in rows:
        if r[ti] is None:
            return fail(where, 'a row has a null time')
        times.append(time_ms(r[ti], oids[ti]))
    # an epoch in the wrong unit (say microseconds) lands far outside the range
    slack = max(interval_ms, 60000)
    outside = [t for t in times if not (frm - slack <= t <= to + slack)]
    if outside:
        fail(where, '%d times outside the range, e.g. %r' % (len(outside), outside[0]))
    # no denser than the interval Grafana asked for (a step of '$__interval' truncated to a
    # shorter unit, or raw samples, would be)
    distinct = sorted(set(times))
    gaps = [b - a for a, b in zip(distinct, distinct[1:])]
    if gaps and min(gaps) < interval_ms - 1:
        fail(where, 'points %d ms apart, closer than the interval %d ms' % (min(gaps), interval_ms))
    if factors:
        if any(b < a for a, b in zip(times, times[1:])):
            fail(where, 'long frame not sorted ascending by time')
        seen = set()
        for t, r in zip(times, rows):
            key = (t,) + tuple(r[i] for i in factors)
            if key in seen:
                fail(where, 'duplicate row for time %r and series %r' % (t, key[1:]))
                break
            seen.add(key)
    defaults = panel.get('fieldConfig', {}).get('defaults', {})
    lo, hi = defaults.get('min'), defaults.get('max')
    for r in rows:
        for i in values:
            v = r[i]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            v = float(v)
            if (lo is not None and v < lo - 1e-9) or (hi is not None and v > hi + 1e-9):
                fail(where, 'value %r of %s outside the panel range [%s, %s]' % (v, names[i], lo, hi))
                return


def check_logs(where, desc, rows, frm, to, panel, fmt):
    """What Grafana's logs visualization needs of a frame from this data source."""
    if fmt != 'table':
        return fail(where, 'logs panel with format %r: it needs the table format' % fmt)
    names = [d.name for d in desc]
    oids = [d.type_code for d in desc]
    tis = [i for i, o in enumerate(oids) if o in TIME_OIDS]
    if not tis and 'time' in names and oids[names.index('time')] in NUMERIC_OIDS:
        tis = [names.index('time')]  # the table format turns a numeric time column into times
    if not tis:
        return fail(where, 'no time column for the log lines (columns %s)' % names)
    ti = tis[0]
    texts = [i for i, o in enumerate(oids) if o in TEXT_OIDS]
    if not texts:
        return fail(where, 'no text column for the log line (columns %s)' % names)
    bi = texts[0]
    if names[bi] not in ('line', 'body'):
        return fail(where, 'the first text column, which Grafana shows as the log line, is %s, '
                    'not line or body' % names[bi])
    if 'level' in names and oids[names.index('level')] not in TEXT_OIDS:
        fail(where, 'level column has type oid %d, not text' % oids[names.index('level')])
    times = []
    for r in rows:
        if r[ti] is None or r[bi] is None:
            return fail(where, 'a row has a null time or line')
        times.append(time_ms(r[ti], oids[ti]))
    outside = [t for t in times if not (frm - 1 <= t <= to + 1)]
    if outside:
        fail(where, '%d line times outside the range, e.g. %r' % (len(outside), outside[0]))
    descending = panel.get('options', {}).get('sortOrder', 'Descending') == 'Descending'
    pairs = list(zip(times, times[1:]))
    if any((b > a) if descending else (b < a) for a, b in pairs):
        fail(where, 'lines not in the panel\'s %s time order' % ('descending' if descending else 'ascending'))


def check_cpu_modes(cur, where, desc, rows):
    """Shares of CPU time per mode add up to the whole, at every step but the first, up to the
    data's end: a step more than 1.1 sample intervals after the last sample has a rate window
    that Prometheus's extrapolation stops short of (it extends at most half an interval past
    the last sample), so the shares add up to less there by design. The generated data ends at
    the last whole step before it was made, so how far the checks run past it depends on timing."""
    cur.execute("SELECT max(time), max(time) - min(time) FROM (SELECT DISTINCT time FROM observe.metrics "
                "WHERE name = 'node_cpu_seconds_total' ORDER BY time DESC LIMIT 2) s")
    last, interval = cur.fetchone()
    per_time = {}
    for r in rows:
        per_time.setdefault(r[0], 0.0)
        per_time[r[0]] += float(r[2])
    steps = sorted(per_time.items())[1:]
    if last is not None:  # interval: between the two newest samples
        steps = [(t, total) for t, total in steps if t <= last + 1.1 * interval]
    if not steps:
        fail(where, 'no step within the data to check the CPU mode shares at')
    for t, total in steps:
        if not 0.9 <= total <= 1.1:
            fail(where, 'CPU mode shares add up to %.3f at %s' % (total, t))
            return


def check_log_volume(cur, where, desc, rows, interval_ms, variables):
    """The lines per level add up to the lines of the stream in plain SQL: each line is counted
    in exactly one step (the window equals the step) and none is lost."""
    ti = [d.name for d in desc].index('time')
    vi = [d.name for d in desc].index('value')
    times = [r[ti] for r in rows]
    total = sum(float(r[vi]) for r in rows)
    cur.execute("SELECT count(*) FROM observe.logs WHERE labels @> jsonb_build_object('job', %s::text, 'app', %s::text)"
                " AND time > %s::timestamptz - %s * interval '1 ms' AND time <= %s AND strpos(line, %s) > 0",
                (variables['job']['value'], variables['app']['value'], min(times), interval_ms,
                 max(times), variables['search']['value']))
    lines = cur.fetchone()[0]
    if lines != total:
        fail(where, 'the volume adds up to %d lines, SQL counts %d' % (total, lines))


def run(cur, sql):
    cur.execute(sql)
    return cur.description, cur.fetchall()


def resolve_variables(cur, dash, frm, to, where):
    """Runs the dashboard's variable queries in order (each may use the ones before it) and
    picks the first value, as Grafana does for a variable without a saved current value."""
    values = {}
    for v in dash.get('templating', {}).get('list', []):
        w = '%s var %s' % (where, v['name'])
        if v.get('type') in ('textbox', 'constant'):
            # no query: the saved value (a textbox's default is its query)
            values[v['name']] = {'value': v.get('current', {}).get('value', v.get('query', ''))}
            continue
        sql, _, _ = g.expand(v['query'], values, frm, to, 1000)
        if '$' in sql:
            fail(w, 'unexpanded $ in %r' % sql)
        try:
            desc, rows = run(cur, sql)
        except psycopg2.Error as e:
            fail(w, 'query failed: %s\n    %s' % (str(e).strip(), sql))
            cur.connection.rollback()
            return None
        if desc[0].type_code not in TEXT_OIDS:
            fail(w, 'first column has type oid %d, not text' % desc[0].type_code)
        opts = [r[0] for r in rows]
        if not opts:
            fail(w, 'no values')
            return None
        if len(set(opts)) != len(opts):
            fail(w, 'duplicate values %r' % opts)
        if v.get('sort') == 1 and opts != sorted(opts):
            fail(w, 'values not sorted: %r' % opts)
        values[v['name']] = {'value': opts[0], 'multi': v.get('multi', False),
                             'includeAll': v.get('includeAll', False)}
    return values


def check_target(cur, w, panel, t, variables, frm, to, points, min_iv, timescaledb):
    """Expands, runs and checks one panel query; returns 1 if it ran."""
    raw = t['rawSql']
    if '--' in raw or '/*' in raw:
        fail(w, 'SQL comment in a panel query (Grafana versions differ in stripping them)')
    points = panel.get('maxDataPoints') or points  # the panel's setting wins over its width
    try:
        # min_iv: the user changed the Min interval of the panels that have one
        sql, interval_ms, _ = g.expand(raw, variables, frm, to, points,
                                       (min_iv and panel.get('interval')) and min_iv
                                       or panel.get('interval'), timescaledb)
    except g.MacroError as e:
        return fail(w, 'macro error: %s' % e) or 0
    if '$' in sql:
        fail(w, 'unexpanded $ in %r' % sql)
    try:
        desc, rows = run(cur, sql)
    except psycopg2.Error as e:
        return fail(w, 'query failed: %s\n    %s' % (str(e).strip(), sql)) or 1
    if not rows:
        return fail(w, 'no rows\n    %s' % sql) or 1
    if len(rows) >= ROW_LIMIT:
        fail(w, '%d rows: over Grafana\'s row limit' % len(rows))
    if panel['type'] == 'logs':
        check_logs(w, desc, rows, frm, to, panel, t.get('format', 'time_series'))
    elif t.get('format', 'time_series') == 'time_series':
        check_time_series(w, desc, rows, frm, to, interval_ms, panel)
        if panel['title'] == 'CPU by mode':
            check_cpu_modes(cur, w, desc, rows)
        if panel['title'] == 'Log volume by level':
            check_log_volume(cur, w, desc, rows, interval_ms, variables)
    elif panel['type'] == 'stat' and not any(d.type_code in NUMERIC_OIDS for d in desc):
        fail(w, 'stat panel without a numeric column')
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--timescaledb', action='store_true')
    ap.add_argument('--expect-var', action='append', default=[],
                    help='NAME=VALUE that a variable query must offer')
    ap.add_argument('--expect-fail', action='store_true',
                    help='every panel must fail in every configuration (a fixture of broken panels)')
    ap.add_argument('dashboards', nargs='+')
    a = ap.parse_args()
    now = int(time.time() * 1000)
    h = 3600000
    # (name, from, to, max data points, a Min interval replacing the one a panel has)
    configs = [('last 5m', now - 300000, now, 1000, None),
               ('last 1h', now - h, now, 1000, None),
               ('last 6h', now - 6 * h, now, 1000, None),
               ('last 6h, 100 points', now - 6 * h, now, 100, None),
               ('last 24h', now - 24 * h, now, 1920, None),
               ('last 24h, 100 points', now - 24 * h, now, 100, None),
               ('absolute 2h with ms', now - 4 * h + 250, now - 2 * h + 125, 500, None),
               ('last 6h, min interval 90s', now - 6 * h, now, 1000, '90s')]
    conn = psycopg2.connect(a.dsn, options='-c statement_timeout=60000')  # never hang the suite
    conn.autocommit = True
    cur = conn.cursor()
    n_queries = 0
    for path in a.dashboards:
        dash = json.load(open(path))
        dname = os.path.basename(path)
        for cname, frm, to, points, min_iv in configs:
            where = '%s [%s]' % (dname, cname)
            variables = resolve_variables(cur, dash, frm, to, where)
            if variables is None:
                continue
            for exp in a.expect_var:
                name, val = exp.split('=', 1)
                if name in variables:
                    cur.execute(g.expand(next(v['query'] for v in dash['templating']['list']
                                              if v['name'] == name), variables, frm, to, 1000)[0])
                    if val not in [r[0] for r in cur.fetchall()]:
                        fail(where, 'variable %s does not offer %r' % (name, val))
            for panel in dash['panels']:
                for t in panel.get('targets', []):
                    w = '%s %r' % (where, panel['title'])
                    before = len(failures)
                    n_queries += check_target(cur, w, panel, t, variables, frm, to, points,
                                              min_iv, a.timescaledb)
                    if a.expect_fail:
                        reported = failures[before:]
                        del failures[before:]
                        if not reported:
                            failures.append('%s: a broken panel passed' % w)
                        else:
                            # the kind of defect, without the numbers that vary per run
                            msg = reported[0].split(': ', 1)[1].split('\n')[0]
                            caught.append('%s: %s' % (panel['title'], re.sub(r'[0-9][0-9.:TZ+ -]*', 'N', msg)[:90]))
    conn.close()
    for c in sorted(set(caught)):
        print('caught: ' + c[:150])
    for f in failures:
        print('FAIL ' + f)
    print('%d panel queries run, %d failures' % (n_queries, len(failures)))
    sys.exit(1 if failures or n_queries == 0 else 0)


if __name__ == '__main__':
    main()
