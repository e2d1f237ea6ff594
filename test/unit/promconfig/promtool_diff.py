#!/usr/bin/env python3
"""Differential test of src/core/promconfig against Debian's Prometheus 2.42.

For every fixtures/*.yml:
  1. `promtool check config` and our promconfig_check must agree on valid / invalid. An invalid
     fixture's first line is `# expect: <fragment>`; both error messages must contain it. A valid
     one must print the same WARNING lines (file_sd files that do not exist).
  2. Every valid fixture is then loaded into a real `prometheus` (127.0.0.1 only, reloaded per
     fixture): the effective settings of each job in /api/v1/status/config (defaults from
     global, timeout clamped to the interval...) and the active targets' labels in
     /api/v1/targets (PopulateLabels after relabeling: the labels of each active target, the
     discovered labels of active and dropped ones) must equal ours. Prometheus 2.42's
     relabel.Process writes its result into the slice of the discovered labels it was given
     (an aliasing fixed in later releases), so for jobs with relabel_configs the API's
     discoveredLabels show relabeled values: there only the target labels and the number of
     dropped targets are compared.
  3. Random configurations (seeded; SEED=n reproduces a run): jobs with random targets, labels
     and relabel rules of every action, through promtool (valid/invalid must agree) and, when
     valid, through the same prometheus (target labels must agree).
Nothing is skipped: a missing promtool or prometheus is a failure.

usage: promtool_diff.py <promconfig_check binary> <fixtures dir>
"""
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

failures = []


def fail(msg):
    failures.append(msg)
    print("MISMATCH: " + msg)


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace")
    return p.returncode, p.stdout


def warnings(text):
    return sorted(l.strip() for l in text.splitlines() if l.strip().startswith("WARNING:"))


def check_promtool(ours_bin, fixtures, names):
    valid = []
    for name in names:
        first = open(os.path.join(fixtures, name), encoding="utf-8").readline()
        expect = first[len("# expect: "):].rstrip("\n") if first.startswith("# expect: ") else None
        rc_p, out_p = run(["promtool", "check", "config", name], fixtures)
        rc_o, out_o = run([ours_bin, name], fixtures)
        if rc_p not in (0, 1):
            fail(f"{name}: promtool exited {rc_p}: {out_p}")
            continue
        ok_p, ok_o = rc_p == 0, rc_o == 0
        if ok_p != ok_o:
            fail(f"{name}: promtool says {'valid' if ok_p else 'invalid'}, ours says "
                 f"{'valid' if ok_o else 'invalid'}\n  promtool: {out_p.strip()}\n  ours: {out_o.strip()}")
            continue
        if expect is None and not ok_p:
            fail(f"{name}: a fixture without `# expect:` must be valid; promtool: {out_p.strip()}")
        elif expect is not None and ok_p:
            fail(f"{name}: expected invalid ({expect}) but both accept it")
        elif expect is not None:
            for who, out in (("promtool", out_p), ("ours", out_o)):
                if expect not in out:
                    fail(f"{name}: {who}'s message lacks {expect!r}: {out.strip()}")
        elif warnings(out_p) != warnings(out_o):
            fail(f"{name}: warnings differ\n  promtool: {warnings(out_p)}\n  ours: {warnings(out_o)}")
        if ok_p:
            valid.append(name)
        print(f"ok   {name}: {'valid' if ok_p else 'invalid'} for both")
    return valid


NAMES = ["a", "b", "c", "__meta_x", "__tmp", "job_x", "kv"]
VALUES = ["foo", "Bar", "a;b", "x=y", "9100", "\u00c4\u00d6\u00fc", "k1=v1,k2=v2", "stra\u00dfe", "\u0130d", "o"]
REGEXES = ["(.*)", "f(.*)", "(\\w+)=(\\w+)", "(?P<n>[a-z]+).*", ".*o.*", "", "b|B.*", "([^;]*);(.*)",
           "__meta_(.*)", "(.+)", "(.*):(\\d+)", "[A-Z].*", "(?i)bar"]
TARGETS = ["${1}", "$n", "t", "a", "out_$1", "__tmp", "${2}_y", "x$1x"]
REPLACEMENTS = ["$1", "${1}x", "$1x", "$$", "${n}", "lit", "$2-$1", "", "$0", "${10}", "$"]
# labelkeep with most of these keeps __address__ (a target without one fails the whole file).
NAME_REGEXES = ["a|b|__.*", "__meta_.*", "kv|c|__address__|__s.*", "(.)|__.*", "job_x", "a|b"]


def q(s):
    return json.dumps(s, ensure_ascii=False)


def random_rule(rng):
    action = rng.choice(["replace"] * 4 + ["keep", "drop", "keepequal", "dropequal", "hashmod", "labelmap",
                                             "labeldrop", "labelkeep", "lowercase", "uppercase"])
    src = rng.sample(NAMES, rng.randint(1, 2))
    lines = [f"      - action: {action}"]
    if action in ("labeldrop", "labelkeep"):
        lines.append(f"        regex: {q(rng.choice(NAME_REGEXES))}")
    elif action == "labelmap":
        lines.append(f"        regex: {q(rng.choice(['__meta_(.*)', '(a|b)', '(k)(v)']))}")
        lines.append(f"        replacement: {q(rng.choice(['m_$1', '${1}_2', '$2$1', '$1']))}")
    elif action in ("keepequal", "dropequal"):
        lines.append(f"        source_labels: {q(src)}")
        lines.append(f"        target_label: {q(rng.choice(NAMES))}")
    elif action in ("lowercase", "uppercase"):
        lines.append(f"        source_labels: {q(src)}")
        lines.append(f"        target_label: {q(rng.choice(['lc', 'a', 'kv']))}")
    elif action == "hashmod":
        lines.append(f"        source_labels: {q(src)}")
        lines.append(f"        modulus: {rng.randint(1, 10)}")
        lines.append(f"        target_label: {q(rng.choice(['shard', 'c']))}")
    else:
        lines.append(f"        source_labels: {q(src)}")
        lines.append(f"        separator: {q(rng.choice([';', '', ',']))}")
        lines.append(f"        regex: {q(rng.choice(REGEXES))}")
        if action == "replace":
            lines.append(f"        target_label: {q(rng.choice(TARGETS))}")
            lines.append(f"        replacement: {q(rng.choice(REPLACEMENTS))}")
    return "\n".join(lines)


def random_config(rng, jobs):
    out = ["scrape_configs:"]
    for j in range(jobs):
        out.append(f"  - job_name: gen{j}")
        out.append("    static_configs:")
        for _ in range(rng.randint(1, 2)):
            targets = rng.sample(["127.0.0.1:%d" % rng.randint(9100, 9199), "127.0.0.2", "[::1]",
                                  "127.0.0.1:%d" % rng.randint(9100, 9199)], rng.randint(1, 4))
            labels = {n: rng.choice(VALUES) for n in rng.sample(NAMES, rng.randint(0, 4))}
            out.append(f"      - targets: {q(targets)}")
            out.append(f"        labels: {q(labels)}")
        out.append("    relabel_configs:")
        # Keep the address mostly intact so that most targets survive to be compared.
        for _ in range(rng.randint(1, 5)):
            out.append(random_rule(rng))
    return "\n".join(out) + "\n"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(url, data=None):
    # CTest runs this beside the heaviest tests: a slow answer is retried, not a failure.
    for attempt in range(3):
        req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.read().decode()
        except OSError:
            if attempt == 2:
                raise
            time.sleep(1)


def jobs_from_config_yaml(text):
    """Job name -> settings from the YAML Prometheus prints (yaml.v2 Marshal: one key a line)."""
    jobs, job, in_scrape = {}, None, False
    keys = ("scrape_interval", "scrape_timeout", "metrics_path", "scheme", "honor_labels",
            "honor_timestamps", "sample_limit", "label_limit", "label_name_length_limit",
            "label_value_length_limit", "target_limit")
    for line in text.splitlines():
        if not line.startswith(" ") and not line.startswith("-"):
            in_scrape = line.startswith("scrape_configs:")
            continue
        if not in_scrape:
            continue
        if line.startswith("- job_name: "):
            job = line[len("- job_name: "):].strip().strip("'\"")
            jobs[job] = {k: "0" if k.endswith("limit") else "false" for k in keys}
            jobs[job]["honor_timestamps"] = "false"
        elif job and line.startswith("  ") and not line.startswith("   ") and ":" in line:
            k, v = line.strip().split(":", 1)
            if k in keys:
                jobs[job][k] = v.strip().strip("'\"")
    return jobs


def ours_output(ours_bin, cwd, name):
    rc, out = run([ours_bin, name], cwd)
    jobs, targets = {}, {}
    for line in out.splitlines():
        if line.startswith("job "):
            parts = line.split(" ")
            jobs[parts[1]] = dict(p.split("=", 1) for p in parts[2:])
        elif line.split(" ")[0] in ("target", "discovered", "dropped"):
            kind, job, labels = line.split(" ", 2)
            targets.setdefault(job, []).append(kind + " " + labels)
    return jobs, {k: sorted(v) for k, v in targets.items()}


def ours_relabeled(jobs):
    return {j for j, o in jobs.items() if o.get("relabel_rules", "0") != "0"}


def comparable(targets, relabeled):
    """Drops what 2.42's aliasing makes unreliable for jobs with relabel rules."""
    out = {}
    for job, lines in targets.items():
        if job in relabeled:
            lines = [l if l.startswith("target ") else "dropped" for l in lines
                     if not l.startswith("discovered ")]
        out[job] = sorted(lines)
    return out


def prom_labels(d):
    items = sorted(d.items())
    return "{" + ", ".join(f'{k}="{json.dumps(v, ensure_ascii=False)[1:-1]}"' for k, v in items) + "}"


def check_prometheus(ours_bin, fixtures, valid):
    if shutil.which("prometheus") is None:
        fail("prometheus not found (Debian package prometheus)")
        return
    work = tempfile.mkdtemp(prefix="promconfig_diff_")
    cfgdir = os.path.join(work, "conf")
    shutil.copytree(fixtures, cfgdir)
    live = os.path.join(cfgdir, "live.yml")
    shutil.copy(os.path.join(fixtures, "v01_minimal.yml"), live)
    log = open(os.path.join(work, "prometheus.log"), "w")
    proc = None
    try:
        # The free port may be taken by another test before prometheus binds it: then it exits
        # and is started again on another port.
        for attempt in range(3):
            port = free_port()
            proc = subprocess.Popen(["prometheus", "--config.file=" + live, "--web.enable-lifecycle",
                                     "--web.listen-address=127.0.0.1:%d" % port,
                                     "--storage.tsdb.path=" + os.path.join(work, "data")],
                                    stdout=log, stderr=subprocess.STDOUT)
            base = "http://127.0.0.1:%d" % port
            ready = False
            for _ in range(300):
                if proc.poll() is not None:
                    break
                try:
                    urllib.request.urlopen(base + "/-/ready", timeout=5).read()
                    ready = True
                    break
                except Exception:
                    time.sleep(0.2)
            if ready:
                break
            proc.terminate()
            proc.wait(timeout=20)
        else:
            fail("prometheus did not start; see " + log.name)
            return
        def compare(name):
            http(base + "/-/reload", data=b"")
            conf = json.loads(http(base + "/api/v1/status/config"))["data"]["yaml"]
            theirs = jobs_from_config_yaml(conf)
            ours_jobs, ours_targets = ours_output(ours_bin, cfgdir, live)
            for job in sorted(set(theirs) | set(ours_jobs)):
                t, o = theirs.get(job), ours_jobs.get(job)
                if t is None or o is None:
                    fail(f"{name}: job {job} only in {'ours' if t is None else 'prometheus'}")
                    continue
                for k, v in t.items():
                    if o.get(k) != v:
                        fail(f"{name}: job {job} {k}: prometheus {v}, ours {o.get(k)}")
            # Targets: discovery updates reach the scrape manager within ~5 s. Poll until
            # Prometheus shows what we expect twice in a row; when a job with discovery is
            # expected to have no target, wait out the 5 s first so "none yet" is not taken for
            # "none".
            relabeled = ours_relabeled(ours_jobs)
            want = comparable(ours_targets, relabeled)
            reloaded = time.time()
            empty_sd = any(o.get("sd", "0") != "0" and j not in ours_targets for j, o in ours_jobs.items())
            got, same = {}, 0
            while time.time() < reloaded + 60:
                data = json.loads(http(base + "/api/v1/targets"))["data"]
                got = {}
                for t in data["activeTargets"]:
                    got.setdefault(t["scrapePool"], []).append("target " + prom_labels(t["labels"]))
                    got[t["scrapePool"]].append("discovered " + prom_labels(t["discoveredLabels"]))
                for t in data["droppedTargets"]:
                    job = t["discoveredLabels"].get("job", "")
                    got.setdefault(job, []).append("dropped " + prom_labels(t["discoveredLabels"]))
                got = comparable(got, relabeled)
                settled = not empty_sd or time.time() > reloaded + 6
                same = same + 1 if got == want and settled else 0
                if same >= 2:
                    break
                time.sleep(0.5)
            if got != want:
                fail(f"{name}: targets differ\n  prometheus: {got}\n  ours: {want}")
            else:
                n = sum(1 for v in got.values() for x in v if not x.startswith("discovered "))
                print(f"ok   {name}: job settings and {n} target label sets equal prometheus's")

        for name in valid:
            shutil.copy(os.path.join(cfgdir, name), live)
            compare(name)

        seed = int(os.environ.get("SEED", random.randrange(1 << 30)))
        rng = random.Random(seed)
        print(f"random configurations, SEED={seed}")
        for i in range(int(os.environ.get("RANDOM_CONFIGS", "12"))):
            name = f"random{i}.yml"
            text = random_config(rng, 3)
            with open(os.path.join(cfgdir, name), "w", encoding="utf-8") as f:
                f.write(text)
            rc_p, out_p = run(["promtool", "check", "config", name], cfgdir)
            rc_o, out_o = run([ours_bin, name], cfgdir)
            if (rc_p == 0) != (rc_o == 0):
                fail(f"SEED={seed} {name}: promtool {'valid' if rc_p == 0 else 'invalid'}, ours "
                     f"{'valid' if rc_o == 0 else 'invalid'}\n  promtool: {out_p.strip()}\n  ours: "
                     f"{out_o.strip()[:2000]}\n{text}")
                continue
            if rc_p != 0:
                print(f"ok   {name}: invalid for both ({out_p.strip().splitlines()[-1][:120]})")
                continue
            shutil.copy(os.path.join(cfgdir, name), live)
            before = len(failures)
            compare(f"SEED={seed} {name}")
            if len(failures) > before:
                print(text)
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
        if not failures:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ours_bin, fixtures = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if shutil.which("promtool") is None:
        print("FAIL: promtool not found (Debian package prometheus; scripts/install-deps.sh)")
        return 1
    names = sorted(n for n in os.listdir(fixtures) if n.endswith(".yml"))
    if len(names) < 40:
        print(f"FAIL: only {len(names)} fixtures")
        return 1
    valid = check_promtool(ours_bin, fixtures, names)
    check_prometheus(ours_bin, fixtures, valid)
    print(f"{len(names)} fixtures, {len(valid)} valid, {len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
