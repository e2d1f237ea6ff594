#!/usr/bin/env python3
"""Checks of the HTTP API against SQL and against Prometheus (test/integration/http_prometheus.sh).

  compare.py sql-agrees BASE USER PASS DSN T      /api/v1/query(_range) == observe.promql(_range)
  compare.py shape BASE USER PASS PATH KIND [k=v ...]   a success answer of the expected shape
"""
import base64
import json
import math
import sys
import urllib.error
import urllib.parse
import urllib.request


def get(base, user, password, path, params, post=False):
    data = urllib.parse.urlencode(params).encode()
    url = base + path + ("" if post else "?" + data.decode())
    req = urllib.request.Request(url, data=data if post else None)
    if user:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def series_text(metric):
    name = metric.get("__name__", "")
    rest = ", ".join(f'{k}="{v}"' for k, v in sorted(metric.items()) if k != "__name__")
    return name + "{" + rest + "}" if rest or not name else name


def same(a, b):
    if math.isnan(a) and math.isnan(b):
        return True
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def sql_agrees(base, user, password, dsn, t):
    import psycopg2
    t = int(t)
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    queries = ["up", "sum by (job) (rate(prometheus_http_requests_total[10s]))",
               "count({__name__=~\"prometheus_tsdb_head.*\"})", "scalar(sum(up))",
               "histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[20s])))",
               "topk(3, prometheus_tsdb_head_series)", "time()"]
    bad = 0
    for q in queries:
        st, http = get(base, user, password, "/api/v1/query_range",
                       {"query": q, "start": t - 10, "end": t, "step": "2s"}, post=True)
        assert st == 200, (q, st, http)
        rows_http = set()
        for s in http["data"]["result"]:
            for ts, v in s["values"]:
                rows_http.add((round(float(ts) * 1000), series_text(s["metric"]), float(v)))
        cur.execute("SELECT (extract(epoch FROM time) * 1000)::bigint, coalesce(metric, ''), value "
                    "FROM observe.promql_range(%s, to_timestamp(%s), to_timestamp(%s), '2s', 'observe.metrics')",
                    (q, t - 10, t))
        rows_sql = {(r[0], r[1], r[2]) for r in cur.fetchall()}
        # a scalar range result is a matrix with one series without labels in both
        key = lambda r: (r[0], r[1].replace("{}", ""))
        h = {key(r): r[2] for r in rows_http}
        s = {key(r): r[2] for r in rows_sql}
        if h.keys() != s.keys() or any(not same(h[k], s[k]) for k in h):
            print(f"FAIL: HTTP and SQL differ for {q}: {len(h)} vs {len(s)} points; "
                  f"only HTTP {sorted(set(h) - set(s))[:3]} only SQL {sorted(set(s) - set(h))[:3]}")
            bad += 1
        elif not h:
            print(f"FAIL: no points for {q}")
            bad += 1
        else:
            print(f"ok: HTTP == SQL for {q} ({len(h)} points)")
    return bad


def shape(base, user, password, path, kind, params):
    st, body = get(base, user, password, path, params)
    if st != 200 or body.get("status") != "success":
        print(f"FAIL: {path} {params}: {st} {body}")
        return 1
    d = body["data"]
    ok = {
        "vector": lambda: d["resultType"] == "vector" and all("metric" in e and len(e["value"]) == 2 for e in d["result"]),
        "matrix": lambda: d["resultType"] == "matrix" and all("metric" in e and e["values"] for e in d["result"]),
        "scalar": lambda: d["resultType"] == "scalar" and len(d["result"]) == 2 and isinstance(d["result"][1], str),
        "strings": lambda: isinstance(d, list) and all(isinstance(x, str) for x in d) and d == sorted(d),
        "series": lambda: isinstance(d, list) and all(isinstance(x, dict) for x in d),
        "object": lambda: isinstance(d, dict),
        "list": lambda: isinstance(d, list),
        "string": lambda: isinstance(d, str),
        "streams": lambda: d["resultType"] == "streams" and all("stream" in s and s["values"] for s in d["result"]),
    }[kind]()
    print(("ok: " if ok else "FAIL: ") + f"{path} {params} is {kind}")
    return 0 if ok else 1


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "sql-agrees":
        sys.exit(1 if sql_agrees(*sys.argv[2:7]) else 0)
    if cmd == "shape":
        params = dict(a.split("=", 1) for a in sys.argv[7:])
        sys.exit(shape(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], params))
