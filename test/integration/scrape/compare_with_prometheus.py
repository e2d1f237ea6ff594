#!/usr/bin/python3
"""pg_observe's scrape worker and Debian's Prometheus scrape the same fixture target at 1 s;
at the middle of each phase of the fixture (edge cases; changed series; failing) both must
answer the instant query {job="fixture"} with the same series and values: the same labels
(exported_ clashes, empty labels dropped), NaN and infinities, staleness of vanished series,
and up = 0 once the target fails.

Environment: PGHOST/PGPORT/PGUSER (a server whose scrape worker works in database postgres),
FIXTURE_PORT, PROM_PORT, PROM_DIR. Exits non-zero on any difference."""
import json
import math
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import psycopg2

PHASE = 8.0
HERE = os.path.dirname(os.path.abspath(__file__))
# Values that differ between two scrapers by nature: timing and first-scrape counts.
TIMING_SERIES = {"scrape_duration_seconds", "scrape_series_added"}


def prometheus_config(path, fixture_port):
    with open(path, "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: fixture
    static_configs:
      - targets: ['127.0.0.1:{fixture_port}']
""")


def wait_for(url, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def prometheus3_labels(metric):
    """Debian's Prometheus is 2.42; pg_observe follows 3.x, which writes the `le` of classic
    histograms and the `quantile` of summaries as OpenMetrics floats (le="1" -> le="1.0").
    Python's repr matches Go's formatting for the fixture's values."""
    out = dict(metric)
    for name in ("le", "quantile"):
        if name in out and out[name] not in ("+Inf", "-Inf", "NaN"):
            out[name] = repr(float(out[name]))
    return out


def prometheus_vector(prom_port, t):
    q = urllib.parse.urlencode({"query": '{job="fixture"}', "time": f"{t:.3f}"})
    data = json.load(urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/api/v1/query?{q}", timeout=10))
    assert data["status"] == "success", data
    return {json.dumps(prometheus3_labels(r["metric"]), sort_keys=True): float(r["value"][1])
            for r in data["data"]["result"]}


def observe_vector(cur, t):
    cur.execute("""SELECT observe.labels(metric)::text, value
                     FROM observe.promql('{job="fixture"}', to_timestamp(%s))""", (t,))
    out = {}
    for labels, value in cur.fetchall():
        out[json.dumps(json.loads(labels), sort_keys=True)] = value
    return out


def same_value(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def compare(name, prom, obs):
    problems = []
    for key in sorted(set(prom) | set(obs)):
        metric = json.loads(key).get("__name__")
        if key not in obs:
            problems.append(f"{name}: only Prometheus has {key} = {prom[key]}")
        elif key not in prom:
            problems.append(f"{name}: only pg_observe has {key} = {obs[key]}")
        elif metric not in TIMING_SERIES and not same_value(prom[key], obs[key]):
            problems.append(f"{name}: {key}: Prometheus {prom[key]} != pg_observe {obs[key]}")
    print(f"{name}: {len(prom)} series in Prometheus, {len(obs)} in pg_observe, {len(problems)} differences")
    return problems


def main():
    fixture_port, prom_port, prom_dir = int(os.environ["FIXTURE_PORT"]), int(os.environ["PROM_PORT"]), os.environ["PROM_DIR"]
    conn = psycopg2.connect(dbname="postgres")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_observe")
    cur.execute("DELETE FROM observe.scrape_targets WHERE job = 'fixture'")

    prometheus_config(os.path.join(prom_dir, "prometheus.yml"), fixture_port)
    # Prometheus first: the fixture's timeline starts once both scrapers are running.
    prom = subprocess.Popen(["prometheus", f"--config.file={prom_dir}/prometheus.yml",
                             f"--storage.tsdb.path={prom_dir}/data", f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(prom_dir, "prometheus.log"), "w"))
    fixture = None
    problems = []
    try:
        wait_for(f"http://127.0.0.1:{prom_port}/-/ready", 30)
        # Prometheus hands targets to its scrape loops after discovery's first update (~5 s);
        # start the timeline only once it has scraped (the fixture is not up yet: up = 0).
        deadline = time.time() + 30
        while not prometheus_vector(prom_port, time.time()) and time.time() < deadline:
            time.sleep(0.3)
        cur.execute("""INSERT INTO observe.scrape_targets (job, url, scrape_interval, scrape_timeout)
                       VALUES ('fixture', %s, '1 second', '1 second')""", (f"http://127.0.0.1:{fixture_port}/metrics",))
        started = time.time()
        fixture = subprocess.Popen([sys.executable, os.path.join(HERE, "fixture_target.py"), str(fixture_port), str(PHASE)])
        for name, middle in (("phase A (edge cases)", 0.6), ("phase B (changed series)", 1.6), ("phase C (target down)", 2.6)):
            target = started + middle * PHASE
            time.sleep(max(0.0, target - time.time()))
            time.sleep(1.5)  # let both write the scrape that covers `target`
            prom_v, obs_v = prometheus_vector(prom_port, target), observe_vector(cur, target)
            if not prom_v:
                problems.append(f"{name}: Prometheus has no data; the comparison means nothing")
            problems += compare(name, prom_v, obs_v)
            up = [v for k, v in obs_v.items() if json.loads(k).get("__name__") == "up"]
            expected_up = 0.0 if "down" in name else 1.0
            if up != [expected_up]:
                problems.append(f"{name}: pg_observe up = {up}, expected [{expected_up}]")
        # The vanished series end with a real staleness marker row, as Prometheus writes one.
        cur.execute("""SELECT count(*) FROM observe.metrics
                        WHERE name = 'fx_temp' AND labels->>'job' = 'fixture' AND observe.is_stale(value)""")
        if cur.fetchone()[0] < 1:
            problems.append("no staleness marker stored for fx_temp after it vanished")
    finally:
        cur.execute("DELETE FROM observe.scrape_targets WHERE job = 'fixture'")
        prom.terminate()
        prom.wait(30)
        if fixture is not None:
            fixture.terminate()
            fixture.wait(30)
    for p in problems:
        print("DIFF", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
