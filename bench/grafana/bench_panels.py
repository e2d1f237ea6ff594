"""Times every variable and panel query of a dashboard, expanded as Grafana expands it for one
time range, on the data already in the database. Each query runs once to warm the caches, then
--runs times; prints median and max per query and whether the median is inside the budget.

  bench_panels.py --dsn DSN [--hours 6] [--points 1000] [--runs 7] [--budget-ms 100] DASHBOARD.json
"""
import argparse
import json
import os
import statistics
import sys
import time

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'test', 'integration', 'grafana'))
import grafana_expand as g  # noqa: E402


def timed(cur, sql, runs):
    cur.execute(sql)
    rows = len(cur.fetchall())
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        cur.execute(sql)
        cur.fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    return rows, statistics.median(times), max(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--hours', type=float, default=6)
    ap.add_argument('--points', type=int, default=1000, help="max data points (the panel's width)")
    ap.add_argument('--runs', type=int, default=7)
    ap.add_argument('--budget-ms', type=float, default=100)
    ap.add_argument('--baseline', help='a heap table with the same rows: the queries that read '
                    'observe.metrics directly are also timed on it, side by side')
    ap.add_argument('dashboard')
    a = ap.parse_args()
    dash = json.load(open(a.dashboard))
    to = int(time.time() * 1000)
    frm = to - int(a.hours * 3600000)
    conn = psycopg2.connect(a.dsn)
    conn.autocommit = True
    cur = conn.cursor()
    print('%-28s %8s %8s %6s %8s  %s' % ('query', 'interval', 'rows', 'median', 'max', 'budget'))
    over = 0
    variables = {}
    items = [('var ' + v['name'], v['query'], None, v) for v in dash['templating']['list']]
    items += [(p['title'], t['rawSql'], p.get('interval'), None)
              for p in dash['panels'] for t in p.get('targets', [])]
    for name, raw, min_iv, var in items:
        sql, interval_ms, _ = g.expand(raw, variables, frm, to, a.points, min_iv)
        rows, med, mx = timed(cur, sql, a.runs)
        if var is not None:
            cur.execute(sql)
            variables[var['name']] = {'value': cur.fetchone()[0]}
        ok = med <= a.budget_ms
        over += not ok
        print('%-28s %8s %8d %6.1f ms %5.1f ms  %s' % (name[:28], g.format_interval(interval_ms), rows,
                                                      med, mx, 'ok' if ok else 'OVER'))
        if a.baseline and (var is not None or 'FROM observe.metrics' in sql):
            base = (sql.replace('FROM observe.metrics', 'FROM ' + a.baseline) if var is None
                    else sql[:sql.rindex(')')] + ", '%s')" % a.baseline)
            brows, bmed, bmx = timed(cur, base, a.runs)
            print('%-28s %8s %8d %6.1f ms %5.1f ms  %s' % ('  same on heap baseline', '', brows,
                                                          bmed, bmx, 'rows differ' if brows != rows else ''))
    print('%d of %d queries over the %.0f ms budget (median of %d runs, range %.0f h, %d points)'
          % (over, len(items), a.budget_ms, a.runs, a.hours, a.points))
    sys.exit(1 if over else 0)


if __name__ == '__main__':
    main()
