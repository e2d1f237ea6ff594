#!/usr/bin/python3
"""One prometheus.yml (static_configs + file_sd_configs + relabel_configs +
metric_relabel_configs) loaded by Debian's Prometheus and by observe.load_prometheus_config,
both scraping the same fixture targets (config_targets.py) every second. They must agree on
the active targets' labels and URLs and on the dropped targets (Prometheus's
/api/v1/targets vs observe.scrape_targets_discovered) and on the stored series
(/api/v1/series vs observe.metrics over the same window); then a file_sd file changes and
both must see the new target set and its series.

Environment: PGHOST/PGPORT/PGUSER (a server whose scrape worker works in database postgres),
PROM_PORT, PROM_DIR (readable by the server's OS user, with cert.pem/key.pem for
127.0.0.1), TARGET_PORTS (five free ports; the fifth serves HTTPS).
Exits non-zero on any difference."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
JOBS = ("cfg_static", "cfg_files", "cfg_target_limit", "cfg_sample_limit", "cfg_label_limit",
        "cfg_basic", "cfg_bearer", "cfg_wrong_auth", "cfg_tls_ca", "cfg_tls_insecure", "cfg_tls_untrusted")
# Jobs whose targets must be up; the others fail every scrape (a limit, a refused password, an
# untrusted certificate).
HEALTHY = ("cfg_static", "cfg_files", "cfg_basic", "cfg_bearer", "cfg_tls_ca", "cfg_tls_insecure")


def config(d, p):
    return f"""# the same text goes to both
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  external_labels: {{replica: a}}
rule_files: []
scrape_configs:
  - job_name: cfg_static
    params:
      module: [m1]
    static_configs:
      - targets: ['127.0.0.1:{p[0]}', '127.0.0.1:{p[1]}']
        labels: {{env: prod, team: a}}
      - targets: ['127.0.0.1:{p[2]}']
        labels: {{env: dev, team: drop}}
    relabel_configs:
      - source_labels: [team]
        regex: drop
        action: drop
      - source_labels: [__address__]
        regex: '127\\.0\\.0\\.1:(\\d+)'
        target_label: port
        replacement: 'p$1'
      - source_labels: [__address__]
        regex: '.*:{p[1]}'
        target_label: __param_module
        replacement: m2
      - action: labelmap
        regex: 'e(n)v'
        replacement: 'environment_$1'
      - action: labeldrop
        regex: team
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: 'go_.*'
        action: drop
      - source_labels: [code]
        regex: '5..'
        target_label: error
        replacement: 'yes'
      - action: labeldrop
        regex: tmp_drop
      - source_labels: [Env]
        target_label: env_lower
        action: lowercase
  - job_name: cfg_files
    metrics_path: /custom
    file_sd_configs:
      - files: ['{d}/targets/*.json', '{d}/targets/*.yml']
        refresh_interval: 1s
    relabel_configs:
      - source_labels: [__meta_filepath]
        regex: '.*/([^/]+)\\.(json|yml)'
        target_label: file
      - source_labels: [dc]
        regex: 'drop-me'
        action: drop
      - source_labels: [__address__]
        modulus: 7
        target_label: shard
        action: hashmod
      - source_labels: [instance_name]
        regex: '(.+)'
        target_label: instance
      - regex: instance_name
        action: labeldrop
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: 'app_.*'
        action: keep
  - job_name: cfg_target_limit
    target_limit: 1
    static_configs:
      - targets: ['127.0.0.1:{p[0]}', '127.0.0.1:{p[1]}']
  - job_name: cfg_sample_limit
    sample_limit: 3
    static_configs:
      - targets: ['127.0.0.1:{p[0]}']
  - job_name: cfg_label_limit
    label_limit: 4
    metric_relabel_configs:
      - {{source_labels: [__name__], regex: 'app_.*', action: keep}}
    static_configs:
      - targets: ['127.0.0.1:{p[1]}']
  - job_name: cfg_basic
    metrics_path: /secure/basic
    basic_auth: {{username: u, password: 'p@ss:word'}}
    static_configs: [{{targets: ['127.0.0.1:{p[2]}']}}]
  - job_name: cfg_bearer
    metrics_path: /secure/bearer
    bearer_token: s3cr3t
    static_configs: [{{targets: ['127.0.0.1:{p[2]}']}}]
  - job_name: cfg_wrong_auth
    metrics_path: /secure/bearer
    authorization: {{type: Bearer, credentials: wrong}}
    static_configs: [{{targets: ['127.0.0.1:{p[3]}']}}]
  - job_name: cfg_tls_ca
    scheme: https
    tls_config: {{ca_file: {d}/cert.pem}}
    static_configs: [{{targets: ['127.0.0.1:{p[4]}']}}]
  - job_name: cfg_tls_insecure
    scheme: https
    tls_config: {{insecure_skip_verify: true}}
    static_configs: [{{targets: ['127.0.0.1:{p[4]}']}}]
  - job_name: cfg_tls_untrusted
    scheme: https
    static_configs: [{{targets: ['127.0.0.1:{p[4]}']}}]
"""


def write_targets(d, name, text):
    tmp = os.path.join(d, "targets", "." + name)
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.rename(tmp, os.path.join(d, "targets", name))  # atomic, as a config manager writes


def get(prom_port, path, **params):
    q = urllib.parse.urlencode(params, doseq=True)
    data = json.load(urllib.request.urlopen(f"http://127.0.0.1:{prom_port}{path}?{q}", timeout=10))
    assert data["status"] == "success", data
    return data["data"]


def wait_ready(prom_port, prom_dir, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/-/ready", timeout=1).read()
            return
        except Exception:
            time.sleep(0.2)
    print(open(os.path.join(prom_dir, "prometheus.log")).read()[-3000:])
    raise SystemExit("Prometheus did not come up")


def key(d):
    return json.dumps(d, sort_keys=True)


def prom_targets(prom_port):
    data = get(prom_port, "/api/v1/targets", state="any")
    active = {(t["scrapePool"], key(t["labels"]), t["scrapeUrl"])
              for t in data["activeTargets"] if t["scrapePool"] in JOBS}
    dropped = {(t["discoveredLabels"]["job"], t["discoveredLabels"]["__address__"])
               for t in data["droppedTargets"] if t["discoveredLabels"].get("job") in JOBS}
    health = {(t["scrapePool"], t["scrapeUrl"]): t["health"] == "up"
              for t in data["activeTargets"] if t["scrapePool"] in JOBS and t["health"] != "unknown"}
    return active, dropped, health


def observe_targets(cur):
    cur.execute("""SELECT job, labels::text, scrape_url, discovered_labels->>'__address__', dropped,
                          up, discovery_error
                     FROM observe.scrape_targets_discovered""")
    active, dropped, health = set(), set(), {}
    for job, labels, url, address, is_dropped, is_up, error in cur.fetchall():
        if error:
            active.add((job, "error: " + error, ""))
        elif is_dropped:
            dropped.add((job, address))
        else:
            active.add((job, key(json.loads(labels)), url))
            if is_up is not None:
                health[(job, url)] = is_up
    return active, dropped, health


def prom_series(prom_port, start, end):
    data = get(prom_port, "/api/v1/series", **{"match[]": '{job=~"cfg_.*"}'},
               start=f"{start:.3f}", end=f"{end:.3f}")
    return {key(s) for s in data}


def observe_series(cur, start, end):
    cur.execute("""SELECT DISTINCT name, labels::text FROM observe.metrics
                    WHERE labels->>'job' LIKE 'cfg\\_%%'
                      AND time BETWEEN to_timestamp(%s) AND to_timestamp(%s)""", (start, end))
    out = set()
    for name, labels in cur.fetchall():
        d = json.loads(labels)
        d["__name__"] = name
        out.add(key(d))
    return out


def diff(what, prom, obs):
    problems = [f"{what}: only Prometheus: {x}" for x in sorted(prom - obs)]
    problems += [f"{what}: only pg_observe: {x}" for x in sorted(obs - prom)]
    print(f"{what}: {len(prom)} in Prometheus, {len(obs)} in pg_observe, {len(problems)} differences")
    return problems


def settled(t, expected_active):
    """`expected_active` targets, each scraped since it appeared, the healthy jobs' up."""
    active, _, health = t
    return (len(active) == expected_active and len(health) == expected_active
            and all(up for (job, _), up in health.items() if job in HEALTHY))


def wait_agree(prom_port, cur, expected_active, seconds):
    """Until both show `expected_active` targets, each scraped, the healthy ones up."""
    deadline = time.time() + seconds
    while True:
        p, o = prom_targets(prom_port), observe_targets(cur)
        if settled(p, expected_active) and settled(o, expected_active):
            return p, o
        if time.time() > deadline:
            print("waiting gave up: Prometheus", p, "pg_observe", o)
            return p, o
        time.sleep(0.5)


def compare_phase(name, prom_port, cur, expected_active):
    p, o = wait_agree(prom_port, cur, expected_active, 60)
    problems = diff(f"{name}: active targets", p[0], o[0]) + diff(f"{name}: dropped targets", p[1], o[1])
    # up per target: 1 for the healthy jobs, 0 where a limit fails the scrape
    problems += diff(f"{name}: target health", set(p[2].items()), set(o[2].items()))
    problems += [f"{name}: Prometheus has {t} up={up}, the configuration says otherwise"
                 for t, up in p[2].items() if up != (t[0] in HEALTHY)]
    time.sleep(3)  # past the last stale markers of targets that left
    start = time.time()
    time.sleep(4)
    end = time.time()
    time.sleep(1.5)  # both have written the scrapes of the window
    ps, os_ = prom_series(prom_port, start, end), observe_series(cur, start, end)
    if not ps:
        problems.append(f"{name}: Prometheus stored no series; the comparison means nothing")
    return problems + diff(f"{name}: series", ps, os_)


def main():
    # `timeout` ends us with SIGTERM: leave through the finally below, which stops Prometheus
    # and the targets.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    prom_port, d = int(os.environ["PROM_PORT"]), os.environ["PROM_DIR"]
    ports = [int(x) for x in os.environ["TARGET_PORTS"].split()]
    os.makedirs(os.path.join(d, "targets"))
    os.chmod(os.path.join(d, "targets"), 0o755)
    write_targets(d, "a.json", json.dumps([
        {"targets": [f"127.0.0.1:{ports[2]}"], "labels": {"dc": "eu", "instance_name": "node-3"}},
        {"targets": [f"127.0.0.1:{ports[3]}"], "labels": {"dc": "drop-me"}}]))
    write_targets(d, "b.yml", f"- targets: ['127.0.0.1:{ports[3]}']\n  labels: {{dc: us}}\n")
    text = config(d, ports)
    with open(os.path.join(d, "prometheus.yml"), "w") as f:
        f.write(text)

    conn = psycopg2.connect(dbname="postgres")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_observe")
    targets = subprocess.Popen([sys.executable, os.path.join(HERE, "config_targets.py"), "150"] +
                               [str(p) for p in ports[:4]] +
                               ["--tls", f"{d}/cert.pem", f"{d}/key.pem", str(ports[4])])
    prom = subprocess.Popen(["prometheus", f"--config.file={d}/prometheus.yml",
                             f"--storage.tsdb.path={d}/data", f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "prometheus.log"), "w"))
    problems = []
    try:
        wait_ready(prom_port, d, 30)
        cur.execute("SELECT observe.load_prometheus_config(%s)", (text,))
        print("jobs loaded:", cur.fetchone()[0])
        # static: ports 0 and 1 (port 2's group dropped); files: port 2, port 3 (b.yml), port 3 of
        # a.json dropped; the limit jobs: 2 + 1 + 1; the auth jobs: 3; the TLS jobs: 3.
        problems += compare_phase("initial files", prom_port, cur, 14)
        # The file changes at run time: port 2 leaves, port 0 joins (another label set), and the
        # group Prometheus dropped now stays.
        changed = json.dumps([
            {"targets": [f"127.0.0.1:{ports[0]}", f"127.0.0.1:{ports[1]}"], "labels": {"dc": "asia"}},
            {"targets": [f"127.0.0.1:{ports[2]}"], "labels": {"dc": "drop-me"}}])
        write_targets(d, "a.json", changed)
        problems += compare_phase("changed file", prom_port, cur, 15)
        # A file that no longer parses keeps its last targets (Prometheus's file discovery).
        write_targets(d, "a.json", '[{"targets": ["127.0.0.1:1"], "labels": {"dc": ')
        time.sleep(3)
        problems += compare_phase("unparsable file", prom_port, cur, 15)
        # The file is valid again (a reloaded Prometheus starts its file discovery afresh and
        # would forget the unparsable file's last targets; pg_observe keeps them).
        write_targets(d, "a.json", changed)
        time.sleep(3)
        # The same edit in both: prometheus.yml reloaded (SIGHUP) and the row updated with SQL;
        # cfg_files now keeps only app_requests_total.
        edited = text.replace("regex: 'app_.*'\n        action: keep\n  - job_name: cfg_target_limit",
                              "regex: 'app_requests_total'\n        action: keep\n  - job_name: cfg_target_limit")
        assert edited != text
        with open(os.path.join(d, "prometheus.yml"), "w") as f:
            f.write(edited)
        prom.send_signal(signal.SIGHUP)
        cur.execute("""UPDATE observe.scrape_jobs
                          SET metric_relabel_configs = '[{"source_labels": ["__name__"], "regex": "app_requests_total", "action": "keep"}]'
                        WHERE job_name = 'cfg_files'""")
        time.sleep(4)  # both reloaded and scraped once (our stale markers for the others)
        problems += compare_phase("job edited", prom_port, cur, 15)
    finally:
        cur.execute("DELETE FROM observe.scrape_jobs WHERE job_name IN %s", (JOBS,))
        prom.terminate()
        prom.wait(30)
        targets.terminate()
        targets.wait(30)
    for p in problems:
        print("DIFF", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
