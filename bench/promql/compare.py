"""PromQL range queries of a node dashboard on the same recording, through Prometheus's HTTP API
and through observe.promql_range (a row per point) and observe.promql_range_series (a row per
series): latency (median of --runs after a warm-up, the two systems
alternating so machine noise hits both alike) and whether the answers agree (same series, same
timestamps, values within --rel relative, NaN = NaN). Prints a markdown section; every
disagreement is listed with its query, time, series and both values.

  compare.py --prom http://127.0.0.1:PORT --dsn DSN --first UNIX_S --last UNIX_S [--runs 5]
             [--http http://USER:PASSWORD@127.0.0.1:PORT]

With --http, pg_observe's own Prometheus API (/api/v1/query_range of its HTTP worker) is timed
and compared too: the like-for-like comparison, the same request and the same JSON on both sides.

Timing is symmetric: Prometheus until the whole JSON body is read (not decoded), PostgreSQL
until libpq holds every row (psycopg2's execute; not converted to Python objects). A third
PostgreSQL timing is the floor of the row-per-point shape: the same rows, stored in a temporary
heap table beforehand, fetched by SELECT * — what PostgreSQL costs to hand them out at all.
"""
import argparse
import base64
import http.client
import json
import math
import statistics
import sys
import time
import urllib.parse

import psycopg2
import psycopg2.extras

# The node dashboard set the benchmark is about, then extra checks of semantics that are easy to
# get wrong (lookback across the recording's 7-minute gap, extrapolation, regressions,
# quantiles, per-handler histograms, ratios of rates); both groups are timed and compared.
DASHBOARD = [
    'rate(node_cpu_seconds_total[1m])',
    'sum by (mode) (rate(node_cpu_seconds_total[5m]))',
    'irate(node_network_receive_bytes_total[1m])',
    'topk(5, rate(node_disk_read_bytes_total[5m]))',
    'histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[5m])))',
    'avg_over_time(node_load1[5m])',
    'node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes',
    '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))',
    'sum by (device) (rate(node_network_transmit_bytes_total{device!="lo"}[5m]))',
]
EXTRA = [
    'node_load1',
    'up == 1',
    'increase(node_network_receive_bytes_total[5m])',
    'deriv(node_memory_MemAvailable_bytes[5m])',
    'predict_linear(node_filesystem_avail_bytes[10m], 3600)',
    'quantile_over_time(0.95, node_load1[10m])',
    'stddev_over_time(process_resident_memory_bytes[5m])',
    'histogram_quantile(0.99, rate(prometheus_http_request_duration_seconds_bucket[1m]))',
    'rate(go_gc_duration_seconds_sum[1m]) / rate(go_gc_duration_seconds_count[1m])',
    'count by (job) (count_over_time(scrape_duration_seconds[1m]))',
    'changes(process_open_fds[5m])',
    'resets(node_network_receive_packets_total[10m])',
]


def windows(first, last):
    """(label, start, end, step) from 5 minutes to the whole recording, steps 1 s to 5 m.
    Whole seconds, so no step falls on a sample (they are at .122/.509/.521 s): Prometheus 2.42
    (closed range windows) and 3.x semantics (left-open) then select the same samples."""
    end = math.floor(last)
    start = math.ceil(first)
    return [
        ('last 5m', end - 300, end, 1),
        ('last 1h', end - 3600, end, 15),
        ('whole %dm' % ((end - start) // 60), start, end, 300),
        ('whole %dm' % ((end - start) // 60), start, end, 1),
    ]


class Prom:
    """Prometheus's query API: Prometheus itself, or pg_observe's HTTP worker (basic auth from
    the URL's user and password)."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
        self.headers = {'Content-Type': 'application/x-www-form-urlencoded'}
        if u.username:
            token = base64.b64encode(('%s:%s' % (urllib.parse.unquote(u.username),
                                                 urllib.parse.unquote(u.password or ''))).encode()).decode()
            self.headers['Authorization'] = 'Basic ' + token

    def raw(self, query, start, end, step):
        body = urllib.parse.urlencode({'query': query, 'start': start, 'end': end, 'step': step})
        self.conn.request('POST', '/api/v1/query_range', body, self.headers)
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError('prometheus %d: %s' % (r.status, data[:300]))
        return data

    def call(self, path, params):
        """GET with a query string (a list of pairs, so match[] can repeat; label values answer
        GET only); the status and the parsed JSON (the text when it is not JSON)."""
        self.conn.request('GET', path + '?' + urllib.parse.urlencode(params), headers=self.headers)
        r = self.conn.getresponse()
        body = r.read()
        try:
            return r.status, json.loads(body)
        except ValueError:
            return r.status, body.decode(errors='replace')

    def answer(self, query, start, end, step):
        out = {}
        for s in json.loads(self.raw(query, start, end, step))['data']['result']:
            key = tuple(sorted(s['metric'].items()))
            out[key] = {int(round(float(t) * 1000)): float(v) for t, v in s['values']}
        return out


class Pg:
    SQL = ('SELECT * FROM observe.promql_range(%s, to_timestamp(%s), to_timestamp(%s), '
           'make_interval(secs => %s))')

    def __init__(self, dsn):
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True

    SERIES_SQL = ('SELECT * FROM observe.promql_range_series(%s, to_timestamp(%s), to_timestamp(%s), '
                  'make_interval(secs => %s))')

    def raw(self, query, start, end, step, sql=SQL):
        with self.conn.cursor() as cur:
            cur.execute(sql, (query, start, end, step))
            return cur.rowcount

    def raw_series(self, query, start, end, step):
        return self.raw(query, start, end, step, self.SERIES_SQL)

    def keep_rows(self, query, start, end, step):
        """Stores the answer's rows in a temporary heap table for raw_floor."""
        with self.conn.cursor() as cur:
            cur.execute('DROP TABLE IF EXISTS floor_rows')
            cur.execute('CREATE TEMP TABLE floor_rows AS ' + self.SQL, (query, start, end, step))
            cur.execute('VACUUM ANALYZE floor_rows')

    def raw_floor(self):
        with self.conn.cursor() as cur:
            cur.execute('SELECT * FROM floor_rows')
            return cur.rowcount

    def answer_series(self, query, start, end, step):
        out = {}
        with self.conn.cursor() as cur:
            cur.execute('SELECT (extract(epoch FROM first_time) * 1000)::int8, '
                        '(extract(epoch FROM time_step) * 1000)::int8, observe.labels(metric), value '
                        'FROM (%s) r' % self.SERIES_SQL, (query, start, end, step))
            for first, step_ms, labels, values in cur:
                points = out.setdefault(tuple(sorted(labels.items())), {})
                for k, v in enumerate(values):
                    if v is not None:
                        points[first + k * step_ms] = v
        return out

    def answer(self, query, start, end, step):
        out = {}
        with self.conn.cursor() as cur:
            cur.execute('SELECT (extract(epoch FROM time) * 1000)::int8, observe.labels(metric), value '
                        'FROM (%s) r' % self.SQL, (query, start, end, step))
            for t, labels, v in cur:
                out.setdefault(tuple(sorted(labels.items())), {})[t] = v
        return out


def same(a, b, rel):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= rel * max(abs(a), abs(b))


def json_difference(a, b):
    """None when two query_range answers are equal as JSON (series compared in label order), else
    where they first differ: the series, the timestamp and both value strings."""
    da, db = json.loads(a), json.loads(b)
    for d in (da, db):
        d.get('data', {}).get('result', []).sort(key=lambda s: sorted(s['metric'].items()))
    if da == db:
        return None
    ra, rb = da.get('data', {}).get('result', []), db.get('data', {}).get('result', [])
    for sa, sb in zip(ra, rb):
        if sa['metric'] != sb['metric']:
            return 'series %s against %s' % (sa['metric'], sb['metric'])
        for pa, pb in zip(sa.get('values', []), sb.get('values', [])):
            if pa != pb:
                return '%s at %s: %s against %s' % (series_str(tuple(sa['metric'].items())), pa[0], pa[1], pb[1])
        if len(sa.get('values', [])) != len(sb.get('values', [])):
            return '%s: %d against %d points' % (series_str(tuple(sa['metric'].items())),
                                                 len(sa.get('values', [])), len(sb.get('values', [])))
    if len(ra) != len(rb):
        return '%d against %d series' % (len(ra), len(rb))
    return 'other fields differ'


def api_calls(prom, web, queries, first, last):
    """The other calls of Prometheus's query API on the same data, each asked of both servers:
    instant queries of the set at three times, format_query, labels, every label's values,
    series of every metric name, metadata, exemplars. Returns (calls, differences)."""
    end, start = math.floor(last), math.ceil(first)
    calls = []
    for q in queries:
        for t in (start + 300, (start + end) // 2, end):
            calls.append(('/api/v1/query', [('query', q), ('time', t)]))
        calls.append(('/api/v1/format_query', [('query', q)]))
    window = [('start', start), ('end', end)]
    calls.append(('/api/v1/labels', window))
    _, labels = prom.call('/api/v1/labels', window)
    for name in labels['data']:
        calls.append(('/api/v1/label/%s/values' % name, window))
    _, names = prom.call('/api/v1/label/__name__/values', window)
    for name in names['data']:
        calls.append(('/api/v1/series', [('match[]', name)] + window))
    calls.append(('/api/v1/series', [('match[]', '{job="node"}'), ('match[]', 'up')] + window))
    calls.append(('/api/v1/metadata', []))
    calls.append(('/api/v1/query_exemplars', [('query', 'up')] + window))

    def canonical(answer):
        if not isinstance(answer, dict):
            return answer
        data = answer.get('data')
        if isinstance(data, dict) and isinstance(data.get('result'), list):
            data['result'].sort(key=lambda r: sorted(r.get('metric', {}).items()) if isinstance(r, dict) else r)
        elif isinstance(data, list) and data and isinstance(data[0], dict):
            data.sort(key=lambda r: sorted(r.items()))
        return answer

    differences = []
    for path, params in calls:
        a, b = prom.call(path, params), web.call(path, params)
        if a[0] != b[0] or canonical(a[1]) != canonical(b[1]):
            differences.append('%s %s: %d %s against %d %s' % (
                path, urllib.parse.urlencode(params), a[0], json.dumps(a[1])[:200], b[0], json.dumps(b[1])[:200]))
    return len(calls), differences


def series_str(key):
    d = dict(key)
    name = d.pop('__name__', '')
    return name + '{' + ', '.join('%s="%s"' % kv for kv in sorted(d.items())) + '}'


def iso(ms):
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(ms // 1000)) + '.%03dZ' % (ms % 1000)


def compare(prom, pg, rel):
    """Returns (problems, details): problems is a short summary, details the exact differences."""
    details = []
    only_prom = [k for k in prom if k not in pg]
    only_pg = [k for k in pg if k not in prom]
    for k in only_prom:
        details.append('series only in Prometheus (%d points): %s' % (len(prom[k]), series_str(k)))
    for k in only_pg:
        details.append('series only in pg_observe (%d points): %s' % (len(pg[k]), series_str(k)))
    missing = extra = values = 0
    for k in prom.keys() & pg.keys():
        a, b = prom[k], pg[k]
        for t in sorted(a.keys() - b.keys()):
            missing += 1
            details.append('%s %s: Prometheus %r, pg_observe no point' % (iso(t), series_str(k), a[t]))
        for t in sorted(b.keys() - a.keys()):
            extra += 1
            details.append('%s %s: Prometheus no point, pg_observe %r' % (iso(t), series_str(k), b[t]))
        for t in sorted(a.keys() & b.keys()):
            if not same(a[t], b[t], rel):
                values += 1
                details.append('%s %s: Prometheus %r, pg_observe %r (rel. diff %.3g)' % (
                    iso(t), series_str(k), a[t], b[t],
                    abs(a[t] - b[t]) / max(abs(a[t]), abs(b[t]))))
    problems = []
    if only_prom or only_pg:
        problems.append('series: %d only Prometheus, %d only pg_observe' % (len(only_prom), len(only_pg)))
    if missing or extra:
        problems.append('points: %d missing, %d extra' % (missing, extra))
    if values:
        problems.append('%d values differ' % values)
    return problems, details


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--prom', required=True)
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--first', type=float, required=True, help='first sample, unix seconds')
    ap.add_argument('--last', type=float, required=True, help='last sample, unix seconds')
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--rel', type=float, default=1e-6)
    ap.add_argument('--max-details', type=int, default=10, help='listed per query and window')
    ap.add_argument('--figures', help='appends KEY=VALUE headline figures to this file')
    ap.add_argument('--http', help="pg_observe's HTTP API, http://user:password@host:port")
    a = ap.parse_args()
    prom, pg = Prom(a.prom), Pg(a.dsn)
    web = Prom(a.http) if a.http else None

    findings = []
    for key, title, queries in (('pq_dash', 'Node dashboard queries', DASHBOARD),
                                ('pq_extra', 'Extra semantic checks (same recording)', EXTRA)):
        rows, ratios, series_ratios, http_ratios, floor_bound, json_identical = [], [], [], [], 0, 0
        json_differences = []
        for query in queries:
            for label, start, end, step in windows(a.first, a.last):
                pa = prom.answer(query, start, end, step)
                problems, details = compare(pa, pg.answer(query, start, end, step), a.rel)
                series_problems, series_details = compare(pa, pg.answer_series(query, start, end, step), a.rel)
                problems += ['series shape: ' + s for s in series_problems]
                details += ['series shape: ' + d for d in series_details]
                if web:
                    http_problems, http_details = compare(pa, web.answer(query, start, end, step), a.rel)
                    problems += ['HTTP: ' + s for s in http_problems]
                    details += ['HTTP: ' + d for d in http_details]
                    # The same JSON, byte for byte once the series are in one order (Prometheus
                    # sorts them by labels; values as the same shortest decimal strings).
                    difference = json_difference(prom.raw(query, start, end, step), web.raw(query, start, end, step))
                    if difference is None:
                        json_identical += 1
                    else:
                        json_differences.append('`%s`, %s, step %ds: %s' % (query, label, step, difference))
                pg.keep_rows(query, start, end, step)
                tp, tg, ts, tf, th = [], [], [], [], []
                for i in range(a.runs + 1):  # the first round warms caches and is not counted
                    t0 = time.perf_counter()
                    prom.raw(query, start, end, step)
                    t1 = time.perf_counter()
                    pg.raw(query, start, end, step)
                    t2 = time.perf_counter()
                    pg.raw_series(query, start, end, step)
                    t3 = time.perf_counter()
                    pg.raw_floor()
                    t4 = time.perf_counter()
                    if web:
                        web.raw(query, start, end, step)
                    t5 = time.perf_counter()
                    if i:
                        th.append((t5 - t4) * 1000)
                        tp.append((t1 - t0) * 1000)
                        tg.append((t2 - t1) * 1000)
                        ts.append((t3 - t2) * 1000)
                        tf.append((t4 - t3) * 1000)
                mp, mg, ms, mf, mh = (statistics.median(x) for x in (tp, tg, ts, tf, th))
                http_cells = ''
                if web:
                    http_ratios.append(mp / mh)
                    http_cells = ' %.1f | **%.2f×** |' % (mh, mp / mh)
                ratios.append(mp / mg)
                series_ratios.append(mp / ms)
                if mg > mp and mf > mp:
                    floor_bound += 1
                points = sum(len(v) for v in pa.values())
                rows.append('| `%s` | %s | %ds | %d / %s | %.1f | %.1f | **%.2f×** | %.1f | %.1f | **%.2f×** |%s %s |' % (
                    query.replace('|', '\\|'), label, step, len(pa), '{:,}'.format(points), mp, mg,
                    mp / mg, mf, ms, mp / ms, http_cells, 'yes' if not problems else 'NO: ' + '; '.join(problems)))
                if details:
                    findings.append((query, label, step, len(details), details[:a.max_details]))
                print('%-60.60s %-12s %4ds prom %7.1f ms  rows %7.1f ms  series %7.1f ms  floor %7.1f ms  http %7.1f ms  %s' % (
                    query, label, step, mp, mg, ms, mf, mh if web else float('nan'),
                    'agree' if not problems else '; '.join(problems)),
                    file=sys.stderr)
        agree = sum(1 for r in rows if r.endswith('| yes |'))
        geo = math.exp(statistics.mean(math.log(r) for r in ratios))
        series_geo = math.exp(statistics.mean(math.log(r) for r in series_ratios))
        slower = [r for r in ratios if r < 1]
        if a.figures:
            with open(a.figures, 'a') as f:
                f.write('%s_agree=%d\n%s_pairs=%d\n%s_geo=%.2f\n%s_min=%.2f\n%s_max=%.2f\n%s_faster=%d\n' % (
                    key, agree, key, len(rows), key, geo, key, min(ratios), key, max(ratios),
                    key, sum(1 for r in ratios if r >= 1)))
                f.write('%s_series_geo=%.2f\n%s_series_min=%.2f\n%s_series_faster=%d\n%s_floor_bound=%d\n' % (
                    key, series_geo, key, min(series_ratios), key, sum(1 for r in series_ratios if r >= 1),
                    key, floor_bound))
                if web:
                    http_geo = math.exp(statistics.mean(math.log(r) for r in http_ratios))
                    f.write('%s_http_geo=%.2f\n%s_http_min=%.2f\n%s_http_faster=%d\n%s_http_json_identical=%d\n' % (
                        key, http_geo, key, min(http_ratios), key, sum(1 for r in http_ratios if r >= 1),
                        key, json_identical))
        print('### %s' % title)
        print()
        print('| query | range | step | series / points (Prometheus) | Prometheus ms | promql_range ms '
              '| Prometheus / promql_range | its rows from a heap table ms | promql_range_series ms '
              '| Prometheus / promql_range_series |%s answers agree |' % (
                  ' pg_observe HTTP ms | Prometheus / pg_observe HTTP |' if web else ''))
        print('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|%s---|' % ('---:|---:|' if web else ''))
        print('\n'.join(rows))
        print()
        print('%d of %d query/window pairs agree (values within %g relative, NaN = NaN). '
              'Latency ratio (Prometheus / pg_observe, > 1 = pg_observe faster): geometric mean '
              '%.2f×, min %.2f×, max %.2f×; pg_observe at least as fast in %d of %d.' % (
                  agree, len(rows), a.rel, geo,
                  min(ratios), max(ratios), sum(1 for r in ratios if r >= 1), len(ratios)))
        print()
        print('promql_range_series (a row per series): geometric mean %.2f×, min %.2f×; at least as '
              'fast as Prometheus in %d of %d. In %d of the %d pairs where promql_range is slower, fetching '
              'its rows from a plain heap table alone takes longer than Prometheus\'s whole answer.' % (
                  series_geo, min(series_ratios), sum(1 for r in series_ratios if r >= 1), len(series_ratios),
                  floor_bound, len(slower)))
        print()
        if web:
            print('pg_observe\'s HTTP API (/api/v1/query_range, the same request and JSON as Prometheus\'s): '
                  'geometric mean %.2f×, min %.2f×; at least as fast as Prometheus in %d of %d. The JSON answer '
                  'is identical to Prometheus\'s (series in label order, every value the same string) in %d of %d.' % (
                      math.exp(statistics.mean(math.log(r) for r in http_ratios)), min(http_ratios),
                      sum(1 for r in http_ratios if r >= 1), len(http_ratios), json_identical, len(http_ratios)))
            print()
            for line in json_differences:
                print('- JSON differs (Prometheus against pg_observe): ' + line)
            if json_differences:
                print()
    if web:
        n, differences = api_calls(prom, web, DASHBOARD + EXTRA, a.first, a.last)
        print('### The other query API calls over HTTP')
        print()
        print('Instant queries of both sets at three times, format_query of each, labels, the values of every '
              'label, series of every metric name, metadata and exemplars, asked of Prometheus and of '
              'pg_observe\'s HTTP API: the JSON answers (series in label order) are identical in %d of %d calls.' % (
                  n - len(differences), n))
        print()
        for d in differences[:a.max_details * 3]:
            print('- differs (Prometheus against pg_observe): ' + d)
        if differences:
            print()
        if a.figures:
            with open(a.figures, 'a') as f:
                f.write('api_calls=%d\napi_calls_identical=%d\n' % (n, n - len(differences)))
    print('### Disagreements')
    print()
    if not findings:
        print('None: every series, timestamp and value agreed.')
        print()
    for query, label, step, n, details in findings:
        print('`%s`, %s, step %ds: %d differences%s' % (
            query, label, step, n, ', the first %d:' % len(details) if n > len(details) else ':'))
        print()
        print('```')
        print('\n'.join(details))
        print('```')
        print()


if __name__ == '__main__':
    main()
