#!/usr/bin/python3
"""Prometheus's status endpoints from pg_observe and from Debian's prometheus, loaded with the
same prometheus.yml and the same rule file, scraping the same target: /api/v1/targets (active
and dropped targets, their labels before and after relabeling, health, interval, timeout),
/api/v1/rules (groups, rules, printed queries, state, alerts) and /api/v1/alerts must agree,
after dropping what differs by nature (timings, evaluation and scrape times, globalUrl). The
rules' filters (type, rule_name[], rule_group[], file[], exclude_alerts, match[]), which Debian's
Prometheus 2.42 mostly lacks, are checked against 2.53's filter semantics applied to 2.42's
unfiltered answer (rules_filtered).

Environment: PGHOST/PGPORT/PGUSER/PGPASSWORD (a server with pg_observe's HTTP API on HTTP_PORT),
PROM_PORT, TARGET_PORT, DIR (a directory for Prometheus's files). Exits non-zero on a difference."""
import base64
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import psycopg2

DIR = os.environ["DIR"]
PROM = f"http://127.0.0.1:{os.environ['PROM_PORT']}"
OBS = f"http://127.0.0.1:{os.environ['HTTP_PORT']}"
TARGET_PORT = int(os.environ["TARGET_PORT"])
RULE_FILE = os.path.join(DIR, "rules.yml")

CONFIG = f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ['{RULE_FILE}']
scrape_configs:
  - job_name: st_job
    static_configs:
      - targets: ['127.0.0.1:{TARGET_PORT}']
        labels: {{env: prod}}
      - targets: ['127.0.0.1:1']
        labels: {{env: dropme}}
    relabel_configs:
      - source_labels: [env]
        regex: dropme
        action: drop
      - source_labels: [__address__]
        regex: '127\\.0\\.0\\.1:(\\d+)'
        target_label: port
  - job_name: st_auth
    basic_auth: {{username: u, password: s3cret}}
    static_configs:
      - targets: ['127.0.0.1:1']
"""

# Two groups in one file: records, an alert firing at once, one pending for an hour, one that
# never fires, templated annotations, rule labels.
RULES = """groups:
  - name: st_b_alerts
    interval: 1s
    rules:
      - alert: StHot
        expr: st_temp > 20
        labels: {severity: page}
        annotations:
          summary: '{{ $labels.instance }} is at {{ $value }}'
      - alert: StWarm
        expr: st_temp > 10
        for: 1h
        keep_firing_for: 5m
        labels: {severity: ticket}
      - alert: StNever
        expr: st_temp > 1000
  - name: st_a_records
    interval: 1s
    limit: 10
    rules:
      - record: st:temp:doubled
        expr: sum by (job) (st_temp * 2)
        labels: {team: a}
      - record: st:temp:rate
        expr: rate(st_counter_total[1m])
"""


class Target(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"# TYPE st_temp gauge\nst_temp 30\n# TYPE st_counter_total counter\nst_counter_total 7\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def request(base, path, auth=None, **params):
    """(status, decoded JSON body) of a GET; basic auth as "user:password"."""
    q = urllib.parse.urlencode(params, doseq=True)
    req = urllib.request.Request(f"{base}{path}?{q}")
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:  # a server still starting answers in plain text (Prometheus's 503)
            return e.code, {"status": "error", "raw": body.decode(errors="replace")}


def get(base, path, auth=None, **params):
    status, data = request(base, path, auth, **params)
    assert status == 200 and data["status"] == "success", (status, data)
    return data["data"]


DIFFERENT_BY_NATURE = {"lastEvaluation", "evaluationTime", "lastScrape", "lastScrapeDuration", "activeAt",
                       "globalUrl", "droppedTargetCounts"}


def normalize(x):
    if isinstance(x, dict):
        return {k: normalize(v) for k, v in x.items() if k not in DIFFERENT_BY_NATURE}
    if isinstance(x, list):
        return [normalize(v) for v in x]
    return x


def canon(x):
    return json.dumps(normalize(x), sort_keys=True, indent=1)


def targets_of(base, auth=None, **params):
    d = get(base, "/api/v1/targets", auth, **params)
    d["activeTargets"] = [t for t in d["activeTargets"] if t["scrapePool"] == "st_job"]
    d["droppedTargets"] = [t for t in d["droppedTargets"] if t["discoveredLabels"].get("job") == "st_job"]
    return d


def rules_filtered(full, params):
    """Prometheus 2.53's filters of /api/v1/rules (web/api/v1/api.go; match[] from 3.x), applied
    to Debian's Prometheus 2.42's unfiltered answer: 2.42 knows only `type` and keeps groups
    whose rules were all filtered out, 2.53 leaves them out."""
    def as_set(name):
        v = params.get(name, [])
        return set([v] if isinstance(v, str) else v)
    groups, names, files = as_set("rule_group[]"), as_set("rule_name[]"), as_set("file[]")
    typ = params.get("type", "")
    exclude = params.get("exclude_alerts") == "true"
    match = dict(re.findall(r'(\w+)="([^"]*)"', params.get("match[]", "")))
    out = []
    for g in full["groups"]:
        if (groups and g["name"] not in groups) or (files and g["file"] not in files):
            continue
        rules = []
        for r in g["rules"]:
            if names and r["name"] not in names:
                continue
            if (typ == "alert" and r["type"] != "alerting") or (typ == "record" and r["type"] != "recording"):
                continue
            if any(r.get("labels", {}).get(k) != v for k, v in match.items()):
                continue
            if exclude and r["type"] == "alerting":
                r = dict(r, alerts=None)
            rules.append(r)
        if rules:
            out.append(dict(g, rules=rules))
    return {"groups": out}


def settled(base, auth=None):
    """Both sides have scraped the target and evaluated every rule."""
    t = targets_of(base, auth)["activeTargets"]
    if not t or t[0]["health"] != "up":
        return False
    groups = get(base, "/api/v1/rules", auth)["groups"]
    rules = [r for g in groups for r in g["rules"]]
    return len(rules) == 5 and all(r["health"] == "ok" for r in rules) and \
        any(r["name"] == "StHot" and r["state"] == "firing" for r in rules) and \
        any(r["name"] == "StWarm" and r["state"] == "pending" for r in rules)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    with open(RULE_FILE, "w") as f:
        f.write(RULES)
    with open(os.path.join(DIR, "prometheus.yml"), "w") as f:
        f.write(CONFIG)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", TARGET_PORT), Target)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    prom = subprocess.Popen(["prometheus", f"--config.file={DIR}/prometheus.yml", f"--storage.tsdb.path={DIR}/prom",
                             f"--web.listen-address=127.0.0.1:{os.environ['PROM_PORT']}"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(DIR, "prometheus.log"), "w"))
    problems = []
    try:
        conn = psycopg2.connect(dbname="postgres")
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SELECT observe.load_prometheus_config(%s)", (CONFIG,))
        cur.execute("SELECT observe.load_rule_file(%s, %s)", (RULES, RULE_FILE))
        reader = "st_reader:reader-pw"
        deadline = time.time() + 60
        last_error = None
        while time.time() < deadline:
            try:
                if settled(PROM) and settled(OBS, reader):
                    break
            except (OSError, urllib.error.URLError, KeyError, AssertionError, ValueError) as e:
                last_error = e
            time.sleep(0.5)
        else:
            state = []
            for name, base, auth in (("prometheus", PROM, None), ("pg_observe", OBS, reader)):
                for path in ("/api/v1/targets", "/api/v1/rules"):
                    try:
                        state.append(f"{name} {path}: {json.dumps(get(base, path, auth))[:1500]}")
                    except Exception as e:  # what the failure was is the point here
                        state.append(f"{name} {path}: {e!r}")
            raise SystemExit("FAIL: the two sides did not settle in 60 s (last error %r)\n%s" % (
                last_error, "\n".join(state)))

        def compare(what, prom, obs):
            if canon(prom) != canon(obs):
                problems.append(f"{what} differs:\n--- prometheus\n{canon(prom)}\n--- pg_observe\n{canon(obs)}")
            else:
                print(f"same: {what}")

        for params in ({}, {"state": "active"}, {"state": "dropped"}, {"scrapePool": "st_job"}):
            compare(f"/api/v1/targets {params}", targets_of(PROM, **params), targets_of(OBS, reader, **params))
        rule_filters = ({}, {"type": "alert"}, {"type": "record"}, {"rule_name[]": ["StHot", "st:temp:rate"]},
                        {"rule_group[]": "st_a_records"}, {"file[]": RULE_FILE}, {"file[]": "/elsewhere.yml"},
                        {"exclude_alerts": "true"}, {"match[]": '{severity="page"}'})
        for params in rule_filters:
            compare(f"/api/v1/rules {params}", rules_filtered(get(PROM, "/api/v1/rules"), params),
                    get(OBS, "/api/v1/rules", reader, **params))
        alerts = lambda base, auth=None: sorted(get(base, "/api/v1/alerts", auth)["alerts"],
                                                key=lambda a: json.dumps(a["labels"], sort_keys=True))
        compare("/api/v1/alerts", alerts(PROM), alerts(OBS, reader))
        # Bad parameters are bad_data on both sides.
        for params in ({"type": "nonsense"},):
            pc, pe = request(PROM, "/api/v1/rules", **params)
            oc, oe = request(OBS, "/api/v1/rules", reader, **params)
            if (pc, pe.get("errorType")) != (oc, oe.get("errorType")):
                problems.append(f"/api/v1/rules {params}: prometheus {pc} {pe}, pg_observe {oc} {oe}")
            else:
                print(f"same error: /api/v1/rules {params} -> {pc} {pe['errorType']}")
        # A target added as a row of observe.scrape_targets shows with its health (for any role
        # that may read observe.scrape_target_health, where URLs are redacted); an admin's view
        # and a reader's agree.
        url = f"http://127.0.0.1:{TARGET_PORT}/metrics?x=1"
        cur.execute("INSERT INTO observe.scrape_targets (job, url, scrape_interval) VALUES ('st_row', %s, '1 second')", (url,))
        row = None
        for _ in range(40):
            row = [t for t in get(OBS, "/api/v1/targets", "st_admin:admin-pw")["activeTargets"] if t["scrapePool"] == "st_row"]
            if row and row[0]["health"] == "up":
                break
            time.sleep(0.5)
        want = {"job": "st_row", "instance": f"127.0.0.1:{TARGET_PORT}"}
        if not row or row[0]["health"] != "up" or row[0]["labels"] != want or row[0]["scrapeUrl"] != url:
            problems.append(f"observe.scrape_targets row in /api/v1/targets for the ingest admin: {row}")
        else:
            print("same: a scrape_targets row shows for the ingest admin, up")
        seen_by_reader = [t for t in get(OBS, "/api/v1/targets", reader)["activeTargets"] if t["scrapePool"] == "st_row"]
        if len(seen_by_reader) != 1 or seen_by_reader[0]["scrapeUrl"] != url:
            problems.append(f"the scrape_targets row for a reader: {seen_by_reader}")
        # A reader sees no secret in the configuration; the ingest admin sees its jobs.
        cfg = get(OBS, "/api/v1/status/config", "st_admin:admin-pw")["yaml"]
        if "st_job" not in cfg or "s3cret" in cfg or "<secret>" not in cfg:
            problems.append("status/config for the ingest admin: job missing or secret shown:\n" + cfg)
        cfg = get(OBS, "/api/v1/status/config", reader)["yaml"]
        if "st_job" in cfg or "s3cret" in cfg:
            problems.append("status/config for a reader shows the jobs:\n" + cfg)
    finally:
        prom.terminate()
        prom.wait()
        server.shutdown()
    for p in problems:
        print(p)
    print(f"{len(problems)} differences")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
