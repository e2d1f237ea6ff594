#!/usr/bin/env python3
"""Differential test of src/core/rules' rule-file validation against Debian's promtool 2.42.

For every files/check/*.yml, `promtool check rules FILE` and our rules_check must agree on
valid / invalid. An invalid fixture's first line is `# expect: <fragment>`; both outputs must
contain it. A valid fixture must give the same rule count. Nothing is skipped: a missing
promtool is a failure.

usage: promtool_check_diff.py <rules_check binary> <fixtures dir>
"""
import os
import re
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
    ours, fixtures = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(fixtures) if n.endswith(".yml"))
    if not names:
        fail("no fixtures")
    for name in names:
        first = open(os.path.join(fixtures, name), encoding="utf-8").readline()
        expect = first[len("# expect: "):].rstrip("\n") if first.startswith("# expect: ") else None
        rc_p, out_p = run(["promtool", "check", "rules", name], fixtures)
        rc_o, out_o = run([ours, "--promtool-2.42", name], fixtures)
        if rc_p not in (0, 1):
            fail(f"{name}: promtool exited {rc_p}: {out_p}")
            continue
        ok_p, ok_o = rc_p == 0, rc_o == 0
        if ok_p != ok_o:
            fail(f"{name}: promtool says {'valid' if ok_p else 'invalid'}, ours "
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
        else:
            count = lambda out: re.findall(r"SUCCESS: (\d+) rules found", out)
            if count(out_p) != count(out_o):
                fail(f"{name}: rule counts differ: promtool {count(out_p)}, ours {count(out_o)}")
        print(f"ok   {name}: {'valid' if ok_p else 'invalid'} for both")
    print(f"{len(names)} fixtures, {len(failures)} mismatches")
    sys.exit(1 if failures else 0)


main()
