#!/usr/bin/python3
"""observe.backfill_rules against Debian's `promtool tsdb create-blocks-from rules` on the same
data: series generated here go into observe.metrics (INSERT) and into a Prometheus block
(`promtool tsdb create-blocks-from openmetrics`) that Debian's prometheus serves; the same rule
file is backfilled by promtool (range queries against that prometheus) and by pg_observe; the
blocks promtool wrote (`promtool tsdb dump`) and the rows pg_observe wrote must hold the same
series, timestamps and values (1e-9 relative).

Environment: PGHOST/PGPORT/PGUSER (a server with pg_observe), PROM_PORT, DIR. Exits non-zero on
a difference."""
import math
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import psycopg2
import psycopg2.extras

DIR = os.environ.get("DIR", "")
PROM_PORT = os.environ.get("PROM_PORT", "")
STEP_S = 15
HOURS = 7  # crosses several 2 h blocks
# Rules over the generated series: aggregations, rates across counter resets, a gauge window,
# rule labels overriding query labels, a group with the default interval, odd intervals.
RULES = """groups:
  - name: bf_fast
    interval: 30s
    rules:
      - record: job:requests:rate5m
        expr: sum by (job) (rate(bf_requests_total[5m]))
      - record: instance:temp:avg10m
        expr: avg_over_time(bf_temp{job="api"}[10m])
        labels: {source: backfill, job: overridden}
  - name: bf_default
    rules:
      - record: bf:temp:max
        expr: max(bf_temp) by (job)
      - record: bf:requests:increase1h
        expr: increase(bf_requests_total{job="api"}[1h])
  - name: bf_odd
    interval: 47s
    rules:
      - record: bf:ratio
        expr: bf_temp / on (instance, job) (rate(bf_requests_total[2m]) + 1)
"""


def series(end_s):
    """(labels dict, [(t_s, value)]) of every generated series: counters with resets, gauges."""
    start_s = end_s - HOURS * 3600
    out = []
    for job in ("api", "db"):
        for inst in ("a", "b", "c"):
            seed = sum(map(ord, job + inst)) * 37 % 1000  # deterministic across runs
            c, pts, g = 0.0, [], []
            for k, t in enumerate(range(start_s, end_s, STEP_S)):
                c += (seed % 7 + 1) * (1 + (k % 5))
                if k % 997 == seed % 997:
                    c = 0.0  # a counter reset
                pts.append((t, c))
                g.append((t, 20 + 10 * math.sin(k / 50 + seed) + (k % 3) * 0.25))
            out.append(({"__name__": "bf_requests_total", "job": job, "instance": inst}, pts))
            out.append(({"__name__": "bf_temp", "job": job, "instance": inst}, g))
    out.sort(key=lambda s: s[0]["__name__"])  # OpenMetrics: a family's series together
    return out


def wait_ready(seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PROM_PORT}/-/ready", timeout=1).read()
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit("FAIL: prometheus did not come up:\n" + open(os.path.join(DIR, "prom.log")).read()[-2000:])


def parse_dump(text):
    """promtool tsdb dump lines: `{a="b", __name__="x"} 1.5 1700000000000`."""
    out = {}
    for line in text.splitlines():
        m = re.match(r'^\{(.*)\} (\S+) (-?\d+)$', line)
        if not m:
            continue
        labels = tuple(sorted(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(1))))
        out[(labels, int(m.group(3)))] = float(m.group(2))
    return out


def backfill_both(cur, prom_url, workdir, rules_text, start, end):
    """promtool's backfill of rules_text (file rules.yml in workdir) from prom_url and
    observe.backfill_rules of the same groups (loaded disabled: the rules worker must not
    evaluate them) into the connected database; returns (promtool's samples, pg_observe's
    samples, pg_observe's count written), samples as {(labels, t_ms): value}."""
    with open(os.path.join(workdir, "rules.yml"), "w") as f:
        f.write(rules_text)
    cur.execute("SELECT observe.load_rule_file(%s, 'rules.yml')", (rules_text,))
    groups = re.findall(r"^  - name: (\S+)", rules_text, re.M)
    cur.execute("UPDATE observe.rule_groups SET enabled = false WHERE name = ANY(%s)", (groups,))
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "rules", "--quiet", f"--start={start}",
                    f"--end={end}", f"--url={prom_url}", "--output-dir=out", "rules.yml"],
                   cwd=workdir, check=True)
    os.makedirs(os.path.join(workdir, "out", "wal"), exist_ok=True)  # 2.42's dump opens a WAL
    r = subprocess.run(["promtool", "tsdb", "dump", "out"], cwd=workdir, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("FAIL: promtool tsdb dump: " + r.stderr[-2000:])
    want = parse_dump(r.stdout)
    total = 0
    for g in groups:
        cur.execute("SELECT observe.backfill_rules(%s, to_timestamp(%s), to_timestamp(%s))", (g, start, end))
        total += cur.fetchone()[0]
    names = re.findall(r"record: (\S+)", rules_text)
    cur.execute("SELECT (extract(epoch FROM time) * 1000)::int8, name, labels, value FROM observe.metrics "
                "WHERE name = ANY(%s)", (names,))
    got = {}
    for t, name, labels, v in cur.fetchall():
        got[(tuple(sorted(list(labels.items()) + [("__name__", name)])), t)] = v
    return want, got, total


def report(want, got, total):
    """Prints the comparison; True when identical (and not empty)."""
    problems = []
    for k in sorted(want.keys() - got.keys())[:10]:
        problems.append(f"only promtool: {k} = {want[k]}")
    for k in sorted(got.keys() - want.keys())[:10]:
        problems.append(f"only pg_observe: {k} = {got[k]}")
    missing, extra = len(want.keys() - got.keys()), len(got.keys() - want.keys())
    differ = 0
    for k in want.keys() & got.keys():
        a, b = want[k], got[k]
        if not (a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9 * max(abs(a), abs(b))):
            differ += 1
            if differ <= 10:
                problems.append(f"value {k}: promtool {a}, pg_observe {b}")
    print(f"promtool wrote {len(want)} samples in {len({k[0] for k in want})} series; pg_observe wrote {total} "
          f"({len(got)} distinct); only promtool {missing}, only pg_observe {extra}, values differing {differ}")
    for p in problems:
        print(p)
    return not (missing or extra or differ or not want)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    # The data ends 4 hours ago (promtool's default end is 3 hours ago; both get explicit times).
    end_s = (int(time.time()) // 3600 - 4) * 3600
    data = series(end_s)
    with open(os.path.join(DIR, "data.om"), "w") as f:
        for labels, pts in data:
            lbl = ",".join(f'{k}="{v}"' for k, v in labels.items() if k != "__name__")
            for t, v in pts:
                f.write(f'{labels["__name__"]}{{{lbl}}} {v!r} {t}\n')
        f.write("# EOF\n")
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "data.om", "prom"], cwd=DIR, check=True,
                   stdout=subprocess.DEVNULL)
    prom = subprocess.Popen(["prometheus", "--config.file=" + os.path.join(DIR, "prometheus.yml"),
                             "--storage.tsdb.path=" + os.path.join(DIR, "prom"), "--storage.tsdb.retention.time=100y",
                             f"--web.listen-address=127.0.0.1:{PROM_PORT}"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(DIR, "prom.log"), "w"))
    try:
        conn = psycopg2.connect(dbname="postgres")
        conn.autocommit = True
        cur = conn.cursor()
        rows = [(t, labels["__name__"], psycopg2.extras.Json({k: v for k, v in labels.items() if k != "__name__"}), v)
                for labels, pts in data for t, v in pts]
        psycopg2.extras.execute_values(cur, "INSERT INTO observe.metrics (time, name, labels, value) VALUES %s",
                                       rows, template="(to_timestamp(%s), %s, %s, %s)", page_size=5000)
        wait_ready(30)
        want, got, total = backfill_both(cur, f"http://127.0.0.1:{PROM_PORT}", DIR, RULES,
                                         end_s - HOURS * 3600 + 600, end_s - 60)
    finally:
        prom.terminate()
        prom.wait()
    if not report(want, got, total):
        sys.exit(1)
    print("backfill_vs_promtool: same series, timestamps and values")


if __name__ == "__main__":
    main()
