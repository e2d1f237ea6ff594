#!/usr/bin/env python3
"""Random rule scenarios through `promtool test rules` (Debian's 2.42) and our rules_test.

Each scenario: random input series (promtool's notation, gaps and staleness markers), a
recording group and an alerting group (thresholds, `for`, `keep_firing_for`, templated labels
and annotations, sometimes a `limit`), and tests that expect nothing (no firing alert, no
sample) at random times, so every non-empty state shows up in the failure report. Both tools'
reports (the FAILED block: each alert list with labels and annotations, each sample with its
value, each rule error) must be identical line for line. Scenarios keep to what PromQL 2.42
and 3.x evaluate alike: instant selectors over series that outlive the last evaluation, no
range functions. A fixed seed by default (the suite stays deterministic); SEED=random explores, SEED=n
reproduces one, COUNT=n sets how many.

usage: promtool_random_diff.py <rules_test binary>
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile


def values(rng, n):
    out = []
    i = 0
    while i < n:
        r = rng.random()
        if r < 0.08 and 0 < i < n - 8:
            out.append("_")
        elif r < 0.11 and 0 < i < n - 8:
            out.append("stale")
        elif r < 0.3:
            k = rng.randint(1, 4)
            out.append(f"{rng.randint(0, 9)}{rng.choice(['+', '-'])}{rng.randint(0, 2)}x{k}")
            i += k
        else:
            out.append(str(rng.randint(0, 9)))
        i += 1
    return " ".join(out)


def scenario(rng):
    minutes = rng.randint(5, 25)
    eval_interval = rng.choice(["1m", "1m", "30s"])
    nseries = rng.randint(1, 3)
    series = "".join(f"      - series: 'm{{i=\"{k}\"}}'\n        values: '{values(rng, minutes + 8)}'\n"
                     for k in range(1, nseries + 1))
    th, th2 = rng.randint(2, 7), rng.randint(5, 15)
    fr, fr2, kf = rng.choice([0, 1, 2, 3]), rng.choice([0, 2]), rng.choice([0, 0, 1, 2, 4])
    limit = "    limit: 2\n" if rng.random() < 0.2 else ""
    rec_limit = "    limit: 1\n" if rng.random() < 0.1 else ""
    rules = f"""groups:
  - name: rec
{rec_limit}    rules:
      - record: m_sum
        expr: sum(m)
      - record: m_max_by
        expr: max by (i) (m) * 2
        labels: {{src: rec}}
      - record: m_gt
        expr: m > bool {th}
  - name: alerts
{limit}    rules:
      - alert: High
        expr: m > {th}
        for: {fr}m
        keep_firing_for: {kf}m
        labels:
          sev: '{{{{ if gt $value 7.0 }}}}crit{{{{ else }}}}warn{{{{ end }}}}'
        annotations:
          v: '{{{{ $value }}}} on {{{{ $labels.i }}}} {{{{ $value | humanize }}}} in {{{{ $externalLabels.dc }}}}'
      - alert: SumHigh
        expr: m_sum > {th2}
        for: {fr2}m
        annotations:
          s: '{{{{ printf "%.1f" $value }}}} {{{{ with query "count(m)" }}}}{{{{ . | first | value }}}}{{{{ end }}}}'
"""
    # eval_time in seconds, not always on an evaluation: checked against the evaluation before.
    times = sorted(set(rng.randint(0, minutes * 60) for _ in range(rng.randint(2, 6))))
    alert_tests = "".join(f"      - eval_time: {t}s\n        alertname: {a}\n        exp_alerts: []\n"
                          for t in times for a in ("High", "SumHigh"))
    order = rng.choice(["[rec, alerts]", "[alerts, rec]"])
    ext = f"    external_labels: {{dc: dc{rng.randint(1, 3)}}}\n" if rng.random() < 0.5 else ""
    exprs = ["ALERTS", "ALERTS_FOR_STATE", "m_sum", "m_max_by", "m_gt"]
    expr_tests = "".join(f"      - expr: {e}\n        eval_time: {rng.randint(0, minutes)}m\n        exp_samples: []\n"
                         for e in rng.sample(exprs, rng.randint(2, 5)))
    test = f"""rule_files: [rules.yml]
evaluation_interval: {eval_interval}
group_eval_order: {order}
tests:
  - interval: 1m
{ext}    input_series:
{series}    alert_rule_test:
{alert_tests}    promql_expr_test:
{expr_tests}"""
    return rules, test


def report(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    lines = [l.rstrip() for l in p.stdout.splitlines() if l.strip() and not l.startswith("Unit Testing:")]
    return p.returncode, lines


def main():
    ours = sys.argv[1]
    # A fixed seed by default, so the suite is deterministic; SEED=random explores.
    seed_env = os.environ.get("SEED", "949533165")
    seed = random.SystemRandom().randrange(1 << 30) if seed_env == "random" else int(seed_env)
    count = int(os.environ.get("COUNT", "40"))
    print(f"SEED={seed} COUNT={count}")
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="rules_random_")
    failures = 0
    for n in range(count):
        rules, test = scenario(rng)
        with open(os.path.join(work, "rules.yml"), "w") as f:
            f.write(rules)
        with open(os.path.join(work, "t_test.yml"), "w") as f:
            f.write(test)
        rc_p, out_p = report(["promtool", "test", "rules", "t_test.yml"], work)
        rc_o, out_o = report([ours, "t_test.yml"], work)
        if rc_p not in (0, 1) or rc_p != rc_o or out_p != out_o:
            failures += 1
            keep = os.path.join(work, f"mismatch_{n}")
            os.makedirs(keep)
            shutil.copy(os.path.join(work, "rules.yml"), keep)
            shutil.copy(os.path.join(work, "t_test.yml"), keep)
            print(f"MISMATCH scenario {n} (kept in {keep}): promtool rc {rc_p}, ours rc {rc_o}")
            for a, b in zip(out_p + [""] * len(out_o), out_o + [""] * len(out_p)):
                if a != b:
                    print(f"  promtool: {a}\n  ours:     {b}")
                    break
        else:
            print(f"ok   scenario {n}: {'pass' if rc_p == 0 else 'fail'}, {len(out_p)} report lines identical")
    print(f"{count} scenarios, {failures} mismatches (SEED={seed})")
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)


main()
