#!/usr/bin/env python3
"""Evaluation slots of rule groups: ours (rules_check --slot) against a real Prometheus 2.42.

Prometheus evaluates a group at base + offset, offset = hash({name, file}) % interval, so
groups of one server spread over their interval. A real `prometheus` (127.0.0.1 only) runs
groups of several names, files and intervals whose recording rule writes vector(1); the
timestamp of each recorded sample is the slot Prometheus chose (in ms). Ours, asked for the
slot at that millisecond's last nanosecond, must fall in the same millisecond, for every
sample of every group. Nothing is skipped: a missing prometheus is a failure.

usage: prometheus_slots.py <rules_check binary>
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

GROUPS = {"a.rules.yml": [("api", "2s"), ("web", "3s"), ("db", "5s")],
          "b.rules.yml": [("api", "2s"), ("batch jobs/ümlaut", "4s")]}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read().decode())


def main():
    ours = sys.argv[1]
    if shutil.which("prometheus") is None:
        print("FAIL: prometheus not found (Debian package prometheus)")
        sys.exit(1)
    work = tempfile.mkdtemp(prefix="rules_slots_")
    files = []
    for fname, groups in GROUPS.items():
        path = os.path.join(work, fname)
        files.append(path)
        with open(path, "w") as f:
            f.write("groups:\n")
            for i, (name, interval) in enumerate(groups):
                f.write(f"  - name: {json.dumps(name)}\n    interval: {interval}\n    rules:\n"
                        f"      - record: slot\n        expr: vector(1)\n"
                        f"        labels: {{file: {json.dumps(fname)}, group: {json.dumps(name)}}}\n")
    cfg = os.path.join(work, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global: {evaluation_interval: 1s}\nrule_files:\n" + "".join(f"  - {p}\n" for p in files))
    port = free_port()
    log = open(os.path.join(work, "prometheus.log"), "w")
    proc = subprocess.Popen(["prometheus", "--config.file=" + cfg, "--web.listen-address=127.0.0.1:%d" % port,
                             "--storage.tsdb.path=" + os.path.join(work, "data")],
                            stdout=log, stderr=subprocess.STDOUT)
    failures = 0
    try:
        base = "http://127.0.0.1:%d" % port
        time.sleep(13)
        q = urllib.parse.quote("slot[1m]")
        series = get(f"{base}/api/v1/query?query={q}")["data"]["result"]
        seen = set()
        for s in series:
            fname, name = s["metric"]["file"], s["metric"]["group"]
            interval = dict(GROUPS[fname])[name]
            interval_ns = int(interval[:-1]) * 1_000_000_000
            path = os.path.join(work, fname)
            for t, _ in s["values"]:
                ms = round(float(t) * 1000)
                got = int(subprocess.run([ours, "--slot", name, path, str(interval_ns), str(ms * 1_000_000 + 999_999)],
                                         stdout=subprocess.PIPE, text=True, check=True).stdout)
                ok = got // 1_000_000 == ms
                failures += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {fname} {name!r} every {interval}: prometheus {ms} ms, ours {got} ns")
            seen.add((fname, name))
        want = {(f, n) for f, gs in GROUPS.items() for n, _ in gs}
        if seen != want:
            print(f"FAIL: groups with samples {sorted(seen)}, want {sorted(want)}; see {log.name}")
            failures += 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{failures} failures")
    sys.exit(1 if failures else 0)


main()
