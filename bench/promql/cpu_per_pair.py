#!/usr/bin/python3
"""Every query/window pair of compare.py's set on two servers speaking Prometheus's HTTP API:
N keep-alive requests each (after 2 warm-ups, the servers alternating per pair), wall median and
the server process's CPU time per request (/proc/<pid>/stat), which moves much less than wall
time on a shared machine. For A/B runs of one server's builds in the same window.

  cpu_per_pair.py --a URL PID --b URL PID --first S --last S [--n 30]

URLs may carry user:password@ (basic auth)."""
import argparse, base64, http.client, os, statistics, sys, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def cpu_seconds(pid):
    fields = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def server(url, pid):
    u = urllib.parse.urlsplit(url)
    headers = {'Content-Type': 'application/x-www-form-urlencoded'}
    if u.username:
        token = '%s:%s' % (urllib.parse.unquote(u.username), urllib.parse.unquote(u.password or ''))
        headers['Authorization'] = 'Basic ' + base64.b64encode(token.encode()).decode()
    return http.client.HTTPConnection(u.hostname, u.port, timeout=600), headers, pid


def measure(srv, body, n):
    conn, headers, pid = srv
    for _ in range(2):
        conn.request('POST', '/api/v1/query_range', body, headers)
        conn.getresponse().read()
    walls = []
    c0 = cpu_seconds(pid)
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request('POST', '/api/v1/query_range', body, headers)
        conn.getresponse().read()
        walls.append((time.perf_counter() - t0) * 1000)
    return (cpu_seconds(pid) - c0) * 1000 / n, statistics.median(walls)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--a', nargs=2, required=True, metavar=('URL', 'PID'))
    p.add_argument('--b', nargs=2, required=True, metavar=('URL', 'PID'))
    p.add_argument('--first', type=float, required=True)
    p.add_argument('--last', type=float, required=True)
    p.add_argument('--n', type=int, default=30)
    a = p.parse_args()
    sa, sb = server(a.a[0], int(a.a[1])), server(a.b[0], int(a.b[1]))
    print('| query | range | step | A CPU ms/request | B CPU ms/request | A wall ms | B wall ms |')
    print('|---|---|---:|---:|---:|---:|---:|')
    tot = [0.0, 0.0, 0.0, 0.0]
    for q in compare.DASHBOARD + compare.EXTRA:
        for label, start, end, step in compare.windows(a.first, a.last):
            body = urllib.parse.urlencode({'query': q, 'start': start, 'end': end, 'step': step})
            ca, wa = measure(sa, body, a.n)
            cb, wb = measure(sb, body, a.n)
            for i, v in enumerate((ca, cb, wa, wb)):
                tot[i] += v
            print('| `%s` | %s | %ss | %.3f | %.3f | %.3f | %.3f |' % (q.replace('|', '\\|'), label, step, ca, cb, wa, wb))
    print('| sum | | | %.1f | %.1f | %.1f | %.1f |' % tuple(tot))


if __name__ == '__main__':
    main()
