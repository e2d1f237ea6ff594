#!/usr/bin/env python3
"""Compares two promtool query outputs: the same lines, numbers equal to 1e-12 relative (sums
of the same floats in another order differ in the last bits, in Prometheus too)."""
import math
import re
import sys

NUM = re.compile(r'^(.*?)(-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( @\[[0-9.]+\])$')


def close(a, b):
    x, y = float(a), float(b)
    if math.isnan(x) and math.isnan(y):
        return True
    return x == y or abs(x - y) <= 1e-12 * max(abs(x), abs(y))


a = open(sys.argv[1]).read().splitlines()
b = open(sys.argv[2]).read().splitlines()
if not a or len(a) != len(b):
    print(f"{len(a)} vs {len(b)} lines")
    sys.exit(1)
series = ""
for x, y in zip(a, b):
    if not x.endswith("]") or " => " in x:
        series = x
    if x == y:
        continue
    mx, my = NUM.match(x), NUM.match(y)
    if not (mx and my and mx.group(1) == my.group(1) and mx.group(3) == my.group(3) and close(mx.group(2), my.group(2))):
        print(f"{series}\n< {x}\n> {y}")
        sys.exit(1)
