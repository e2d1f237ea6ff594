#!/usr/bin/env python3
"""Grafana's requests replayed: the query strings and forms Grafana's Prometheus and Loki data
sources build (grafana pkg/promlib/client/client.go, pkg/promlib/healthcheck.go,
pkg/tsdb/loki/api.go makeDataRequest, the resource calls of their query editors), sent as
Grafana sends them, and each answer read the way Grafana's response converter reads it
(pkg/util/converter: status, data.resultType, result entries of that type's exact shape).

  grafana_replay.py prom BASE USER PASS NOW_S     (metrics of job "prom" stored)
  grafana_replay.py loki BASE USER PASS NOW_NS    (log lines of {app="web"} stored)
"""
import base64
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

mode, BASE, USER, PASSWORD, NOW = sys.argv[1:6]
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def send(path, params, post=False, headers=None):
    """Grafana's request: a form body for POST (Content-Type urlencoded), a query string for GET."""
    body = urllib.parse.urlencode(params, doseq=True)
    url = BASE + path + ("" if post or not body else "?" + body)
    req = urllib.request.Request(url, data=body.encode() if post else None, method="POST" if post else "GET")
    req.add_header("Authorization", AUTH)
    if post:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def sample_ok(p):
    return isinstance(p, list) and len(p) == 2 and is_num(p[0]) and isinstance(p[1], str) and \
        re.fullmatch(r"[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|\.\d+|NaN|Inf)", p[1].replace("+Inf", "Inf").replace("-Inf", "Inf")) is not None


def labels_ok(m):
    return isinstance(m, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in m.items())


def result_ok(data):
    """What converter.ReadPrometheusStyleResult accepts, per resultType."""
    t, r = data.get("resultType"), data.get("result")
    if t == "matrix":
        return isinstance(r, list) and all(labels_ok(s.get("metric")) and isinstance(s.get("values"), list) and
                                           all(sample_ok(p) for p in s["values"]) for s in r)
    if t == "vector":
        return isinstance(r, list) and all(labels_ok(s.get("metric")) and sample_ok(s.get("value")) for s in r)
    if t in ("scalar", "string"):
        return isinstance(r, list) and len(r) == 2 and is_num(r[0]) and isinstance(r[1], str)
    if t == "streams":
        return isinstance(r, list) and all(
            labels_ok(s.get("stream")) and isinstance(s.get("values"), list) and
            all(isinstance(v, list) and len(v) in (2, 3) and isinstance(v[0], str) and v[0].isdigit() and
                isinstance(v[1], str) for v in s["values"]) for s in r)
    return False


def query(what, path, params, want_type, post=False, headers=None, nonempty=True):
    st, body = send(path, params, post, headers)
    try:
        doc = json.loads(body)
    except ValueError:
        check(False, f"{what}: not JSON ({st}): {body[:200]}")
        return None
    ok = st == 200 and doc.get("status") == "success" and isinstance(doc.get("data"), dict) and \
        doc["data"].get("resultType") == want_type and result_ok(doc["data"]) and \
        all(isinstance(w, str) for w in doc.get("warnings", []) + doc.get("infos", []))
    if ok and nonempty and want_type in ("matrix", "vector", "streams"):
        ok = len(doc["data"]["result"]) > 0
    check(ok, f"{what}: {st} {want_type}" + ("" if ok else f" {body[:300]}"))
    return doc["data"] if ok else None


def resource(what, path, params, kind, post=False):
    st, body = send(path, params, post)
    try:
        doc = json.loads(body)
    except ValueError:
        doc = {}
    data = doc.get("data") if "data" in doc else doc
    shapes = {"strings": lambda d: isinstance(d, list) and all(isinstance(x, str) for x in d) and len(d) > 0,
              "series": lambda d: isinstance(d, list) and len(d) > 0 and all(labels_ok(x) for x in d),
              "object": lambda d: isinstance(d, dict),
              "list": lambda d: isinstance(d, list)}
    ok = st == 200 and shapes[kind](data)
    check(ok, f"{what}: {st} {kind}" + ("" if ok else f" {body[:300]}"))
    return data if ok else None


def go_float(x):
    """strconv.FormatFloat(x, 'f', -1, 64): the shortest decimal, no exponent."""
    s = repr(float(x))
    if "e" in s or "E" in s:
        s = format(float(x), "f")
    return s[:-2] if s.endswith(".0") else s


def prom():
    now = float(NOW) + 0.123456789  # Grafana's times carry nanoseconds
    start, end = now - 60, now
    # the data source's health check: an instant `1+1` (pkg/promlib/healthcheck.go)
    d = query("health check 1+1", "/api/v1/query", {"query": "1+1", "time": go_float(now)}, "scalar", post=True)
    check(d is not None and d["result"][1] == "2", "health check answers 2")
    b = resource("buildinfo (version detection)", "/api/v1/status/buildinfo", {}, "object")
    check(b is not None and isinstance(b.get("version"), str), "buildinfo has a version")
    # a panel: query_range as a POST form, times and step as FormatFloat(..., 'f', -1, 64)
    for expr, step in (("up", 15), ("rate(prometheus_http_requests_total[1m])", 2.5),
                       ('sum by (job) (rate({__name__=~"prometheus_tsdb_head.*"}[30s]))', 0.5)):
        query(f"panel {expr} step {step}", "/api/v1/query_range",
              {"query": expr, "start": go_float(start), "end": go_float(end), "step": go_float(step),
               "timeout": "60s"}, "matrix", post=True)
    query("the same by GET (data source set to GET)", "/api/v1/query_range",
          {"query": "up", "start": go_float(start), "end": go_float(end), "step": "15"}, "matrix")
    query("instant query (table panel)", "/api/v1/query", {"query": "up", "time": go_float(now)}, "vector", post=True)
    resource("exemplars", "/api/v1/query_exemplars",
             {"query": "up", "start": go_float(start), "end": go_float(end)}, "list", post=True)
    # the query editor's resource calls: seconds as strings, label values by GET only
    s, e = str(int(start)), str(int(end))
    resource("metric names", "/api/v1/label/__name__/values", {"start": s, "end": e}, "strings")
    resource("label names", "/api/v1/labels", {"start": s, "end": e}, "strings", post=True)
    resource("label names of a metric", "/api/v1/labels", {"match[]": "up", "start": s, "end": e}, "strings", post=True)
    resource("label values with match[]", "/api/v1/label/job/values", {"match[]": "up", "start": s, "end": e}, "strings")
    resource("series", "/api/v1/series", {"match[]": "up", "start": s, "end": e}, "series", post=True)
    resource("metadata", "/api/v1/metadata", {}, "object")


def loki():
    now = int(NOW)
    start, end = now - 3600 * 10**9, now + 10**9
    ns = str
    # the data source's health check: an instant vector(1)+vector(1) (reference §4)
    d = query("health check vector(1)+vector(1)", "/loki/api/v1/query", {"query": "vector(1)+vector(1)", "time": ns(now)},
              "vector")
    check(d is not None and d["result"][0]["value"][1] == "2", "health check answers 2")
    # makeDataRequest: query, direction, limit (only when set), start/end in ns, step "<ms>ms"
    query("logs panel", "/loki/api/v1/query_range",
          {"query": '{app="web"}', "direction": "backward", "limit": "1000", "start": ns(start), "end": ns(end),
           "step": "20000ms"}, "streams", headers={"X-Query-Tags": "Source=logsample"})
    query("logs panel, forward, with a filter", "/loki/api/v1/query_range",
          {"query": '{app="web"} |= "GET"', "direction": "forward", "limit": "10", "start": ns(start), "end": ns(end),
           "step": "20000ms"}, "streams")
    query("logs volume (supporting query)", "/loki/api/v1/query_range",
          {"query": 'sum by (level, detected_level) (count_over_time({app="web"} | drop __error__[1m]))',
           "direction": "backward", "start": ns(start), "end": ns(end), "step": "60000ms"}, "matrix",
          headers={"X-Query-Tags": "Source=logvolhist"})
    query("metric panel without limit", "/loki/api/v1/query_range",
          {"query": 'sum(rate({app=~".+"} |= "status" [5m]))', "direction": "backward", "start": ns(start),
           "end": ns(end), "step": "15000ms"}, "matrix")
    query("instant metric query", "/loki/api/v1/query",
          {"query": 'sum by (app) (count_over_time({app=~".+"}[2h]))', "direction": "backward", "time": ns(end)},
          "vector")
    # the query editor's resource calls
    resource("label names", "/loki/api/v1/labels", {"start": ns(start), "end": ns(end)}, "strings")
    resource("label values", "/loki/api/v1/label/app/values", {"start": ns(start), "end": ns(end)}, "strings")
    resource("label values of a selector", "/loki/api/v1/label/level/values",
             {"query": '{app="web"}', "start": ns(start), "end": ns(end)}, "strings")
    resource("series", "/loki/api/v1/series", {"match[]": '{app="web"}', "start": ns(start), "end": ns(end)}, "series")
    st = resource("index/stats", "/loki/api/v1/index/stats", {"query": '{app="web"}', "start": ns(start), "end": ns(end)},
                  "object")
    check(st is not None and all(isinstance(st.get(k), int) for k in ("streams", "chunks", "bytes", "entries")),
          f"index/stats has streams, chunks, bytes, entries: {st}")
    query("index/volume", "/loki/api/v1/index/volume",
          {"query": '{app="web"}', "start": ns(start), "end": ns(end), "limit": "5000", "targetLabels": "app"},
          "vector")
    b = resource("buildinfo", "/loki/api/v1/status/buildinfo", {}, "object")
    check(b is not None and isinstance(b.get("version"), str), "buildinfo has a version")


{"prom": prom, "loki": loki}[mode]()
print(f"grafana_replay {mode}: " + ("all passed" if not failures else f"{len(failures)} FAILED"))
sys.exit(1 if failures else 0)
