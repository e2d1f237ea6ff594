#!/usr/bin/env python3
"""Replays a to_tsv.py file N times, each copy shifted later in time (issue 14: the recording
replayed in time to >= 10 GB of raw lines): copy k's times are the originals + k * PERIOD_S
seconds, so copies follow each other without overlap and every stream stays in time order.
  replay_tsv.py N PERIOD_S < lines.tsv > replayed.tsv
Only the time column changes (text 'YYYY-MM-DD HH:MM:SS.ffffff+00'); labels, line and metadata
are copied byte for byte. The input is read into memory once (about 1.1 GB for the recording).
"""
import datetime
import sys


def main():
    n, period = int(sys.argv[1]), int(sys.argv[2])
    data = sys.stdin.buffer.read()
    rows = data.split(b'\n')
    if rows and rows[-1] == b'':
        rows.pop()
    out = sys.stdout.buffer
    fmt = '%Y-%m-%d %H:%M:%S'
    for k in range(n):
        if k == 0:
            out.write(data)
            continue
        shift = datetime.timedelta(seconds=k * period)
        cache = {}
        buf = []
        for r in rows:
            sec = r[:19]                  # 'YYYY-MM-DD HH:MM:SS'
            s = cache.get(sec)
            if s is None:
                s = (datetime.datetime.strptime(sec.decode(), fmt) + shift).strftime(fmt).encode()
                cache[sec] = s
            buf.append(s + r[19:])
            if len(buf) >= 100000:
                out.write(b'\n'.join(buf) + b'\n')
                buf = []
        if buf:
            out.write(b'\n'.join(buf) + b'\n')


if __name__ == '__main__':
    main()
