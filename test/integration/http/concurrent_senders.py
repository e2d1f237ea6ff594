#!/usr/bin/python3
"""Several senders at once into pg_observe's HTTP API (both HTTP workers): remote_write 1.0
senders, two of them appending to the same series at interleaved timestamps, and Loki push
senders, two of them into the same stream, while a reader queries. Each sender retries a 5xx or a
dropped connection as Prometheus and promtail do. Afterwards, through SQL, every sample and every
line is stored exactly once (count and sum of the values / a checksum of the lines).

  concurrent_senders.py BASE_URL WRITER:PASSWORD READER:PASSWORD
PG* environment variables reach the same server for the SQL check. Exits non-zero on a failure."""
import base64
import hashlib
import json
import os
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from remote_write_v2 import field, snappy_literals, varint  # noqa: E402

SENDERS = 4
REQUESTS = 100
SERIES = 20  # per request
SAMPLES = 5  # per series and request


def write_request(series):
    """remote_write 1.0 prometheus.WriteRequest: series = [(labels dict, [(value, t_ms)])]"""
    out = b""
    for labels, samples in series:
        ts = b"".join(field(1, 2, field(1, 2, k.encode()) + field(2, 2, v.encode())) for k, v in sorted(labels.items()))
        for v, t in samples:
            ts += field(2, 2, field(1, 1, struct.pack("<d", v)) + field(2, 0, varint(t)))
        out += field(1, 2, ts)
    return snappy_literals(out)


def post(url, auth, body, headers):
    """POSTs until the server answers below 500; returns that status."""
    for attempt in range(30):
        req = urllib.request.Request(url, data=body, method="POST")
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
        for k, v in headers.items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return e.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1 * (attempt + 1))
    return 0


def main():
    base, writer, reader = sys.argv[1:4]
    now = int(time.time()) * 1000
    start = now - 3600 * 1000
    fails = []
    expected_samples, expected_sum = 0, 0.0
    expected_lines, line_digest = 0, 0
    lock = threading.Lock()

    def rw_sender(k):
        nonlocal expected_samples, expected_sum
        shared = k < 2  # senders 0 and 1 append to the same series, every other timestamp each
        for r in range(REQUESTS):
            series, total, count = [], 0.0, 0
            for s in range(SERIES):
                labels = {"__name__": "conc_samples", "sender": "shared" if shared else str(k), "series": str(s)}
                samples = []
                for i in range(SAMPLES):
                    step = (r * SAMPLES + i) * (2 if shared else 1) + (k if shared else 0)
                    v = float(k * 1000000 + r * 1000 + s * 10 + i)
                    samples.append((v, start + step * 1000))
                    total += v
                    count += 1
                series.append((labels, samples))
            code = post(base + "/api/v1/write", writer, write_request(series),
                        {"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                         "X-Prometheus-Remote-Write-Version": "0.1.0"})
            with lock:
                if code != 204:
                    fails.append(f"remote_write sender {k} request {r}: {code}")
                else:
                    expected_samples += count
                    expected_sum += total

    def push_sender(k):
        nonlocal expected_lines, line_digest
        shared = k < 2
        for r in range(REQUESTS):
            values, digest = [], 0
            for i in range(50):
                step = (r * 50 + i) * (2 if shared else 1) + (k if shared else 0)
                line = f"sender={k} request={r} entry={i} payload={'x' * (i * 7 % 200)}"
                values.append([str((start + step) * 1000000), line])
                digest ^= int.from_bytes(hashlib.sha256(line.encode()).digest()[:8], "little")
            body = json.dumps({"streams": [{"stream": {"job": "conc", "sender": "shared" if shared else str(k)},
                                            "values": values}]}).encode()
            code = post(base + "/loki/api/v1/push", writer, body, {"Content-Type": "application/json"})
            with lock:
                if code != 204:
                    fails.append(f"push sender {k} request {r}: {code}")
                else:
                    expected_lines += len(values)
                    line_digest ^= digest

    stop = threading.Event()

    def reader_loop():
        while not stop.is_set():
            url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": "count(conc_samples)", "time": now / 1000})
            req = urllib.request.Request(url)
            req.add_header("Authorization", "Basic " + base64.b64encode(reader.encode()).decode())
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    if r.status != 200:
                        fails.append(f"reader: {r.status}")
            except urllib.error.HTTPError as e:
                fails.append(f"reader: {e.code} {e.read()[:200]}")
            time.sleep(0.05)

    threads = [threading.Thread(target=rw_sender, args=(k,)) for k in range(SENDERS)]
    threads += [threading.Thread(target=push_sender, args=(k,)) for k in range(SENDERS)]
    rt = threading.Thread(target=reader_loop)
    t0 = time.time()
    rt.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    rt.join()
    elapsed = time.time() - t0

    with psycopg2.connect("") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), sum(value) FROM observe.metrics WHERE name = 'conc_samples'")
        n, total = cur.fetchone()
        if n != expected_samples or abs((total or 0) - expected_sum) > 1e-6 * expected_sum:
            fails.append(f"samples stored: {n} (sum {total}), sent {expected_samples} (sum {expected_sum})")
        cur.execute("SELECT count(*), count(DISTINCT (time, labels->>'sender', line)) FROM observe.logs WHERE labels->>'job' = 'conc'")
        n, distinct = cur.fetchone()
        cur.execute("SELECT line FROM observe.logs WHERE labels->>'job' = 'conc'")
        digest = 0
        for (line,) in cur:
            digest ^= int.from_bytes(hashlib.sha256(line.encode()).digest()[:8], "little")
        if n != expected_lines or distinct != n or digest != line_digest:
            fails.append(f"lines stored: {n} ({distinct} distinct, checksum {'same' if digest == line_digest else 'differs'}), sent {expected_lines}")
    for f in fails:
        print("FAIL:", f)
    print(f"concurrent senders: {2 * SENDERS} senders, {expected_samples} samples and {expected_lines} lines in "
          f"{elapsed:.1f} s:", "all passed" if not fails else f"{len(fails)} failures")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
