#!/usr/bin/env python3
"""One query/window pair on two servers speaking Prometheus's HTTP API, side by side: wall time
of /api/v1/query_range (median after warm-ups) and the server process's CPU time per request
(/proc/<pid>/stat), which moves much less than wall time on a shared machine.

  pair_timing.py --a URL PID --b URL PID --start S --end E --step STEP [--n 300] QUERY...

URLs may carry user:password@ (basic auth). Requests alternate between rounds, never overlap."""
import argparse, base64, os, statistics, time, urllib.parse, urllib.request


def cpu_seconds(pid):
    fields = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


class Server:
    def __init__(self, url, pid):
        u = urllib.parse.urlsplit(url)
        self.auth = None
        if u.username:
            self.auth = 'Basic ' + base64.b64encode(('%s:%s' % (u.username, u.password or '')).encode()).decode()
        self.base = '%s://%s:%d' % (u.scheme, u.hostname, u.port)
        self.pid = pid

    def request(self, body):
        req = urllib.request.Request(self.base + '/api/v1/query_range', data=body)
        if self.auth:
            req.add_header('Authorization', self.auth)
        return urllib.request.urlopen(req).read()

    def measure(self, body, n):
        for _ in range(3):
            self.request(body)
        walls = []
        c0 = cpu_seconds(self.pid)
        for _ in range(n):
            t0 = time.perf_counter()
            self.request(body)
            walls.append((time.perf_counter() - t0) * 1000)
        return statistics.median(walls), (cpu_seconds(self.pid) - c0) * 1000 / n


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--a', nargs=2, required=True, metavar=('URL', 'PID'))
    p.add_argument('--b', nargs=2, required=True, metavar=('URL', 'PID'))
    p.add_argument('--start', required=True)
    p.add_argument('--end', required=True)
    p.add_argument('--step', required=True)
    p.add_argument('--n', type=int, default=300)
    p.add_argument('--rounds', type=int, default=2)
    p.add_argument('query', nargs='+')
    a = p.parse_args()
    sa, sb = Server(a.a[0], int(a.a[1])), Server(a.b[0], int(a.b[1]))
    print('| query | round | A wall ms | B wall ms | A / B wall | A CPU ms/request | B CPU ms/request | A / B CPU |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|')
    for q in a.query:
        body = urllib.parse.urlencode({'query': q, 'start': a.start, 'end': a.end, 'step': a.step}).encode()
        if sa.request(body) != sb.request(body):
            print('(note: the two JSON bodies differ for %s)' % q)
        for r in range(a.rounds):
            wa, ca = sa.measure(body, a.n)
            wb, cb = sb.measure(body, a.n)
            print('| `%s` | %d | %.2f | %.2f | %.2f | %.3f | %.3f | %.2f |' % (
                q, r + 1, wa, wb, wa / wb, ca, cb, ca / cb if cb else float('nan')))


if __name__ == '__main__':
    main()
