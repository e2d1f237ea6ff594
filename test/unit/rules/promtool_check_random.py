#!/usr/bin/env python3
"""Random mutations of the valid rule files in files/check (inserted tokens of the rule and
template syntax, deleted spans, duplicated lines) through `promtool check rules` (Debian's
2.42) and our rules_check: valid/invalid must agree for every one. A fixed seed by default (the
suite stays deterministic); SEED=random explores, SEED=n reproduces one, COUNT=n sets how many. Mismatching inputs are kept for inspection.

usage: promtool_check_random.py <rules_check binary> <files/check dir>
"""
import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile

TOKENS = ["{{", "}}", "$labels", "$value", "$nope", "|", "for: 5m", "record: a:b", "alert: X", "expr: up", ":",
          "-", " ", "\n", "'", '"', "(", ")", "sum(", "labels: {a: b}", "x-y", "__name__", "{{ end }}",
          "{{ if 1 }}", "{{ else }}", "5x", "1h", "limit: 3", "interval: 1m", "keep_firing_for: 1m", "annotations:",
          "- name: g", "rules: []", "humanise", "printf", "&a", "*a", "\t", "#"]


def main():
    ours, fixtures = sys.argv[1], sys.argv[2]
    # A fixed seed by default, so the suite is deterministic; SEED=random explores.
    seed_env = os.environ.get("SEED", "23")
    seed = random.SystemRandom().randrange(1 << 30) if seed_env == "random" else int(seed_env)
    count = int(os.environ.get("COUNT", "150"))
    print(f"SEED={seed} COUNT={count}")
    rng = random.Random(seed)
    sources = [open(f, encoding="utf-8").read() for f in sorted(glob.glob(os.path.join(fixtures, "good_*.yml")))]
    work = tempfile.mkdtemp(prefix="rules_check_random_")
    mismatches = 0
    verdicts = {True: 0, False: 0}
    for n in range(count):
        s = rng.choice(sources)
        for _ in range(rng.randint(1, 3)):
            p = rng.randrange(len(s) + 1)
            op = rng.random()
            if op < 0.45:
                s = s[:p] + rng.choice(TOKENS) + s[p:]
            elif op < 0.75:
                s = s[:p] + s[p + rng.randint(1, 6):]
            else:
                lines = s.split("\n")
                lines.insert(rng.randrange(len(lines)), lines[rng.randrange(len(lines))])
                s = "\n".join(lines)
        path = os.path.join(work, "m.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(s)
        p = subprocess.run(["promtool", "check", "rules", path], capture_output=True, text=True, errors="replace")
        o = subprocess.run([ours, "--promtool-2.42", path], capture_output=True, text=True, errors="replace")
        if p.returncode not in (0, 1) or (p.returncode == 0) != (o.returncode == 0):
            mismatches += 1
            keep = os.path.join(work, f"mismatch_{n}.yml")
            shutil.copy(path, keep)
            print(f"MISMATCH {keep}: promtool rc {p.returncode}, ours rc {o.returncode}\n"
                  f"  promtool: {(p.stdout + p.stderr).strip()[-400:]}\n  ours: {(o.stdout + o.stderr).strip()[-400:]}")
        verdicts[p.returncode == 0] += 1
    print(f"{count} mutations ({verdicts[True]} valid, {verdicts[False]} invalid for promtool), "
          f"{mismatches} mismatches (SEED={seed})")
    if not mismatches:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if mismatches else 0)


main()
