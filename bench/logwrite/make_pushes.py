#!/usr/bin/env python3
"""The log recording's JSON Lines (stdin) -> Loki push requests in JSON, one per output row.

Consecutive entries are batched as promtail batches them (up to 1 MiB of lines a request, its
default batchsize), grouped by stream within a request, values [ts_ns, line(, metadata)]. Each
row is `n <TAB> payload`, the payload escaped for COPY's text format (JSON has no raw tab or
newline; backslashes are doubled). Writes to STATS_FILE the entries, their line bytes, and how
many are exact duplicates (stream, ts, line) of an earlier entry: Loki, and push_loki, drop those.
  make_pushes.py STATS_FILE [BATCH_BYTES]
"""
import json
import sys


def emit(n, batch, out):
    streams = {}
    for e in batch:
        key = json.dumps(e['labels'], sort_keys=True)
        s = streams.setdefault(key, {'stream': e['labels'], 'values': []})
        v = [e['ts'], e['line']]
        if e.get('metadata'):
            v.append(e['metadata'])
        s['values'].append(v)
    body = json.dumps({'streams': list(streams.values())}, separators=(',', ':'), ensure_ascii=False)
    out.write(f"{n}\t{body.replace(chr(92), chr(92) * 2)}\n")


def main():
    stats_file = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
    out = sys.stdout
    batch, size, n = [], 0, 0
    seen = set()
    entries = line_bytes = dups = dup_bytes = 0
    for raw in sys.stdin:
        e = json.loads(raw)
        nbytes = len(e['line'].encode())
        entries += 1
        line_bytes += nbytes
        key = (json.dumps(e['labels'], sort_keys=True), e['ts'], e['line'])
        if key in seen:
            dups += 1
            dup_bytes += nbytes
        else:
            seen.add(key)
        batch.append(e)
        size += len(e['line'].encode())
        if size >= limit:
            n += 1
            emit(n, batch, out)
            batch, size = [], 0
    if batch:
        emit(n + 1, batch, out)
    with open(stats_file, 'w') as f:
        f.write(f"{entries} {line_bytes} {dups} {dup_bytes}\n")


if __name__ == '__main__':
    main()
