#!/usr/bin/env python3
"""`promtool test rules` (Debian's 2.42) against our runner (rules_test) on files/unittest.

Every *_test.yml starts with `# expect: pass` or `# expect: fail`. For each, promtool's and
our verdicts must agree and match the expectation (so a file cannot pass by both tools being
wrong the same way unnoticed). Nothing is skipped: a missing promtool is a failure.

usage: promtool_test_diff.py <rules_test binary> <unittest dir>
"""
import os
import subprocess
import sys

failures = []


def fail(msg):
    failures.append(msg)
    print("MISMATCH: " + msg)


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace")
    return p.returncode, p.stdout


def main():
    ours, tests = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(tests) if n.endswith("_test.yml"))
    if not names:
        fail("no test files")
    for name in names:
        first = open(os.path.join(tests, name), encoding="utf-8").readline().strip()
        if first not in ("# expect: pass", "# expect: fail"):
            fail(f"{name}: first line must be `# expect: pass|fail`")
            continue
        want = first.endswith("pass")
        rc_p, out_p = run(["promtool", "test", "rules", name], tests)
        rc_o, out_o = run([ours, name], tests)
        if rc_p not in (0, 1):
            fail(f"{name}: promtool exited {rc_p}: {out_p}")
            continue
        ok_p, ok_o = rc_p == 0, rc_o == 0
        verdict = lambda ok: "pass" if ok else "fail"
        if ok_p != ok_o:
            fail(f"{name}: promtool says {verdict(ok_p)}, ours {verdict(ok_o)}\n--- promtool:\n{out_p}"
                 f"--- ours:\n{out_o}")
            continue
        if ok_p != want:
            fail(f"{name}: both {verdict(ok_p)} but the file expects {verdict(want)}\n{out_p}")
            continue
        print(f"ok   {name}: {verdict(ok_p)} for both")
    print(f"{len(names)} test files, {len(failures)} mismatches")
    sys.exit(1 if failures else 0)


main()
