"""Generates application logs and COPYs them into an observe.logs-shaped table.

Streams (stream labels job, app, env, instance): two logfmt services of job="api" and an nginx
front of job="nginx" whose access lines are logfmt too, so `| logfmt` gives every line its
`level`, `status`, `path`, `duration_ms`. Lines arrive at a rate that follows a one-hour cycle;
levels are mostly info with some debug, warn and error (errors cluster in short bursts, as they
do); some lines carry structured metadata (trace_id). Lines of one stream are in time order.

  gen_log_data.py --dsn DSN [--hours 6] [--rate 0.5] [--table T] [--end UNIX] [--seed N]
prints "streams=<n> lines=<n> start=<iso> end=<iso>".
"""
import argparse
import datetime as dt
import io
import json
import math
import random
import time

import psycopg2

STREAMS = [
    ({'job': 'api', 'app': 'checkout', 'env': 'prod', 'instance': 'checkout-0'}, 1.0),
    ({'job': 'api', 'app': 'checkout', 'env': 'prod', 'instance': 'checkout-1'}, 1.0),
    ({'job': 'api', 'app': 'payments', 'env': 'prod', 'instance': 'payments-0'}, 0.6),
    ({'job': 'nginx', 'app': 'web', 'env': 'prod', 'instance': 'web-0'}, 2.0),
    ({'job': 'api', 'app': 'checkout', 'env': 'staging', 'instance': 'checkout-s0'}, 0.3),
]
PATHS = ['/cart', '/cart/items', '/checkout', '/orders', '/health', '/static/app.js']
ERRORS = ['upstream timeout after 3000ms', 'connection refused to db-primary:5432',
          'card declined by issuer', 'deadlock detected, retrying']


def level_of(rnd, burst):
    r = rnd.random()
    if burst and r < 0.5:
        return 'error'
    if r < 0.02:
        return 'error'
    if r < 0.08:
        return 'warn'
    if r < 0.20:
        return 'debug'
    return 'info'


def line_of(rnd, labels, level):
    path = rnd.choice(PATHS)
    took = int(rnd.lognormvariate(3, 0.8))
    if labels['job'] == 'nginx':
        status = 500 if level == 'error' else 404 if level == 'warn' else 200
        return ('level=%s remote=10.0.%d.%d method=%s path=%s status=%d bytes=%d duration_ms=%d'
                % (level, rnd.randint(0, 3), rnd.randint(2, 250), rnd.choice(['GET', 'GET', 'POST']),
                   path, status, rnd.randint(80, 60000), took))
    if level == 'error':
        return 'level=error msg="%s" path=%s status=500 duration_ms=%d' % (rnd.choice(ERRORS), path, took)
    if level == 'warn':
        return 'level=warn msg="slow request" path=%s status=200 duration_ms=%d' % (path, took * 20)
    if level == 'debug':
        return 'level=debug msg="cache %s" key=%s' % (rnd.choice(['hit', 'miss']), path.strip('/') or 'root')
    return 'level=info msg="request served" method=GET path=%s status=200 duration_ms=%d' % (path, took)


def stream_rows(labels, weight, start, end, rate, rnd):
    """Yields (t, line, metadata) for one stream, t in [start, end], ascending."""
    t = start
    burst_until = 0.0
    while True:
        # one-hour cycle of load; the rate is lines per second at weight 1
        per_s = rate * weight * (1 + 0.6 * math.sin(2 * math.pi * t / 3600.0))
        t += rnd.expovariate(max(per_s, 0.01))
        if t > end:
            return
        if rnd.random() < 0.0005:
            burst_until = t + 60
        level = level_of(rnd, t < burst_until)
        meta = {'trace_id': '%016x' % rnd.getrandbits(64)} if labels['job'] == 'api' and level != 'debug' else None
        yield t, line_of(rnd, labels, level), meta


def copy_text(s):
    return s.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--table', default='observe.logs')
    ap.add_argument('--hours', type=float, default=6)
    ap.add_argument('--rate', type=float, default=0.5, help='lines per second of a weight-1 stream')
    ap.add_argument('--end', type=float, help='unix seconds; default now')
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    end = a.end or time.time()
    start = end - a.hours * 3600
    rnd = random.Random(a.seed)
    conn = psycopg2.connect(a.dsn)
    lines = 0
    with conn, conn.cursor() as cur:
        for labels, weight in STREAMS:
            buf = io.StringIO()
            lj = copy_text(json.dumps(labels, sort_keys=True))
            for t, line, meta in stream_rows(labels, weight, start, end, a.rate, rnd):
                ts = dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat()
                mj = copy_text(json.dumps(meta)) if meta else '\\N'
                buf.write('%s\t%s\t%s\t%s\n' % (ts, lj, copy_text(line), mj))
                lines += 1
            buf.seek(0)
            cur.copy_expert('COPY %s (time, labels, line, metadata) FROM STDIN' % a.table, buf)
    conn.close()
    iso = lambda t: dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat()
    print('streams=%d lines=%d start=%s end=%s' % (len(STREAMS), lines, iso(start), iso(end)))


if __name__ == '__main__':
    main()
