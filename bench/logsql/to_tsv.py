#!/usr/bin/env python3
"""The log recording's JSON Lines (stdin) -> COPY text rows: time, labels, line, metadata.

time is the entry's nanosecond `ts` truncated to the microseconds a timestamptz keeps; labels
and metadata as JSON (metadata NULL when the entry has none); line verbatim, escaped the way
COPY's text format expects (backslash, tab, newline, carriage return).
  to_tsv.py [MAX_LINES]      (0 or absent: every entry)
"""
import datetime
import json
import sys

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
ESC = str.maketrans({'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r'})


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    out = sys.stdout
    for n, raw in enumerate(sys.stdin, 1):
        if limit and n > limit:
            break
        e = json.loads(raw)
        us = int(e['ts']) // 1000
        t = (EPOCH + datetime.timedelta(microseconds=us)).strftime('%Y-%m-%d %H:%M:%S.%f+00')
        labels = json.dumps(e['labels'], separators=(',', ':'), ensure_ascii=False)
        meta = e.get('metadata')
        meta = '\\N' if meta is None else json.dumps(meta, separators=(',', ':'), ensure_ascii=False).translate(ESC)
        out.write(f"{t}\t{labels.translate(ESC)}\t{e['line'].translate(ESC)}\t{meta}\n")


if __name__ == '__main__':
    main()
