#!/usr/bin/env python3
"""Loki API checks (test/integration/http_loki.sh): answers' shapes and contents, and the same
LogQL through HTTP and through SQL (observe.logql, observe.logql_range).

  loki_check.py BASE USER PASS DSN NOW_NS
"""
import base64
import json
import math
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE, USER, PASS, DSN, NOW = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
fails = 0


def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        fails += 1


def get(path, params):
    req = urllib.request.Request(BASE + path + "?" + urllib.parse.urlencode(params))
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{USER}:{PASS}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def labels_text(d):
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(d.items())) + "}"


import psycopg2  # noqa: E402

conn = psycopg2.connect(DSN)
cur = conn.cursor()
start, end = NOW - 3600 * 10**9, NOW + 10**9

# log queries: the same lines, in the same order, as observe.logql
for q, direction, limit in [('{app=~".+"}', "backward", 100), ('{app="web"} |= "GET"', "forward", 3),
                            ('{app="web"} | logfmt | status >= 500', "backward", 100),
                            ('{app=~".+"} != "x"', "backward", 2)]:
    st, body = get("/loki/api/v1/query_range", {"query": q, "start": start, "end": end, "limit": limit,
                                                "direction": direction})
    d = json.loads(body)
    check(st == 200 and d["status"] == "success" and d["data"]["resultType"] == "streams", f"query_range {q} is streams")
    rows = []
    for s in d["data"]["result"]:
        for ts, line in s["values"]:
            rows.append((int(ts), labels_text(s["stream"]), line))
    rows.sort(key=lambda r: r[0], reverse=direction == "backward")
    cur.execute("SELECT (extract(epoch FROM time) * 1000000)::bigint, labels, line FROM "
                "observe.logql(%s, to_timestamp(%s / 1e9), to_timestamp(%s / 1e9), %s, %s, 'observe.logs')",
                (q, start, end, limit, direction))
    sql = [(r[0], r[1], r[2]) for r in cur.fetchall()]
    http = [(r[0] // 1000, r[1], r[2]) for r in rows]
    check(http == sql and len(http) > 0, f"HTTP == SQL for {q} {direction} limit {limit} ({len(http)} lines)")

# metric queries: the same points as observe.logql_range; Grafana sends step as "<N>ms"
for q in ['sum by (app) (count_over_time({app=~".+"}[1m]))', 'rate({app="web"}[5m])',
          'sum(bytes_over_time({app=~".+"} |= "GET" [10m]))']:
    st, body = get("/loki/api/v1/query_range", {"query": q, "start": start, "end": end, "step": "60000ms"})
    d = json.loads(body)
    check(st == 200 and d["data"]["resultType"] == "matrix", f"query_range {q} is a matrix")
    http = {}
    for s in d["data"]["result"]:
        for ts, v in s["values"]:
            http[(round(float(ts) * 1000), labels_text(s["metric"]))] = float(v)
    cur.execute("SELECT (extract(epoch FROM time) * 1000)::bigint, coalesce(metric, '{}'), value FROM "
                "observe.logql_range(%s, to_timestamp(%s / 1e9), to_timestamp(%s / 1e9), '60s', 'observe.logs')",
                (q, start, end))
    sql = {(r[0], r[1]): r[2] for r in cur.fetchall()}
    same = http.keys() == sql.keys() and all(math.isclose(http[k], sql[k], rel_tol=1e-12) for k in http)
    check(same and len(http) > 0, f"HTTP == SQL for {q} ({len(http)} points)")

st, body = get("/loki/api/v1/query", {"query": "vector(1)+vector(1)"})
d = json.loads(body)
check(st == 200 and d["data"]["resultType"] == "vector" and d["data"]["result"][0]["value"][1] == "2",
      "Grafana's health check vector(1)+vector(1) is 2")
st, body = get("/loki/api/v1/query", {"query": 'sum(count_over_time({app="web"}[1h]))', "time": NOW})
d = json.loads(body)
check(st == 200 and d["data"]["result"][0]["value"][1] == "4", f"instant metric query counts web's 4 lines: {body[:200]}")
st, body = get("/loki/api/v1/query", {"query": '{app="web"}'})
check(st == 400, f"a log query as an instant query is 400: {st}")
st, body = get("/loki/api/v1/query_range", {"query": '{app="web"', "start": start, "end": end})
check(st == 400, f"a parse error is 400: {st} {body[:100]}")
st, body = get("/loki/api/v1/query_range", {"query": '{app="web"}', "start": start, "end": end, "limit": 0})
check(st == 400, f"limit 0 is 400: {st}")
st, body = get("/loki/api/v1/labels", {"start": start, "end": end})
check(json.loads(body)["data"] == ["app", "level"], f"labels: {body}")
st, body = get("/loki/api/v1/label/app/values", {"start": start, "end": end})
check(json.loads(body)["data"] == ["db", "web"], f"label values: {body}")
st, body = get("/loki/api/v1/label/app/values", {"start": start, "end": end, "query": '{level="info"}'})
check(json.loads(body)["data"] == ["web"], f"label values of a selector: {body}")
st, body = get("/loki/api/v1/series", {"match[]": '{app="web"}', "start": start, "end": end})
check(json.loads(body)["data"] == [{"app": "web", "level": "info"}], f"series: {body}")
st, body = get("/loki/api/v1/index/stats", {"query": '{app="web"}', "start": start, "end": end})
d = json.loads(body)
check(d.get("streams") == 1 and d.get("entries") == 4, f"index/stats: {body}")
stats_bytes = d.get("bytes")
st, body = get("/loki/api/v1/index/volume", {"query": '{app=~".+"}', "start": start, "end": end})
d = json.loads(body)
vol = {r["metric"]["app"]: float(r["value"][1]) for r in d["data"]["result"]}
check(st == 200 and d["data"]["resultType"] == "vector" and vol.get("web") == stats_bytes and set(vol) == {"web", "db"}
      and list(vol) == sorted(vol, key=lambda k: -vol[k]), f"index/volume by app, largest first: {body[:300]}")
st, body = get("/loki/api/v1/index/volume_range", {"query": '{app="web"}', "start": start, "end": end, "step": "60s",
                                                   "targetLabels": "app,level"})
d = json.loads(body)
res = d["data"]["result"]
check(st == 200 and d["data"]["resultType"] == "matrix" and len(res) == 1 and res[0]["metric"] == {"app": "web", "level": "info"}
      and sum(float(v) for _, v in res[0]["values"]) == stats_bytes, f"index/volume_range per step: {body[:300]}")
st, body = get("/loki/api/v1/status/buildinfo", {})
check(st == 200 and "version" in json.loads(body), "buildinfo")
sys.exit(1 if fails else 0)
