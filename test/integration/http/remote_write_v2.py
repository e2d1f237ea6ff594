#!/usr/bin/python3
"""Remote-Write 2.0 into pg_observe's /api/v1/write, with requests encoded here from the 2.0
specification (io.prometheus.write.v2.Request: a symbols table, series as label references,
per-series metadata; snappy block format): 204 with the X-Prometheus-Remote-Write-*-Written
headers, the samples readable through the query API; a request with an invalid series stores
the valid ones and answers 400 naming the bad one; an unknown message type is 415.

  remote_write_v2.py BASE_URL WRITER:PASSWORD READER:PASSWORD
Exits non-zero on a failure."""
import base64
import json
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, wire, payload):
    if wire == 2:
        return varint(num << 3 | 2) + varint(len(payload)) + payload
    return varint(num << 3 | wire) + payload


def request(symbols, series):
    """series: [(refs, [(value, t_ms)], metadata (type, help_ref, unit_ref) or None)]"""
    out = b"".join(field(4, 2, s.encode()) for s in symbols)
    for refs, samples, md in series:
        ts = field(1, 2, b"".join(varint(r) for r in refs))
        for v, t in samples:
            ts += field(2, 2, field(1, 1, struct.pack("<d", v)) + field(2, 0, varint(t)))
        if md:
            ts += field(5, 2, field(1, 0, varint(md[0])) + field(3, 0, varint(md[1])) + field(4, 0, varint(md[2])))
        out += field(5, 2, ts)
    return out


def snappy_literals(data):
    """A valid snappy block: the length, then the bytes as literal elements (no compression)."""
    out = bytearray(varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2]) + struct.pack("<H", n)
        out += chunk
    return bytes(out)


def post(base, auth, body, content_type):
    req = urllib.request.Request(base + "/api/v1/write", data=body, method="POST")
    req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    req.add_header("Content-Type", content_type)
    req.add_header("Content-Encoding", "snappy")
    req.add_header("X-Prometheus-Remote-Write-Version", "2.0.0")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def query(base, auth, q, t):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": q, "time": t})
    req = urllib.request.Request(url)
    req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    return json.load(urllib.request.urlopen(req, timeout=10))["data"]["result"]


def main():
    base, writer, reader = sys.argv[1:4]
    v2 = "application/x-protobuf;proto=io.prometheus.write.v2.Request"
    now = int(time.time()) * 1000
    fails = []
    symbols = ["", "__name__", "rw2_requests_total", "job", "api", "instance", "a", "b", "Requests served.", "1bad"]
    body = snappy_literals(request(symbols, [
        ([1, 2, 3, 4, 5, 6], [(10, now - 2000), (12, now - 1000)], (1, 8, 0)),
        ([5, 7, 1, 2, 3, 4], [(20.5, now - 1000)], None),  # references in any order
    ]))
    code, headers, text = post(base, writer, body, v2)
    headers = {k.lower(): v for k, v in headers.items()}
    if code != 204 or headers.get("x-prometheus-remote-write-samples-written") != "3":
        fails.append(f"valid 2.0 request: {code} {headers} {text}")
    got = {r["metric"]["instance"]: r["value"][1] for r in query(base, reader, "rw2_requests_total", now / 1000)}
    if got != {"a": "12", "b": "20.5"}:
        fails.append(f"stored samples: {got}")
    # one invalid series (metric name "1bad") and one valid: the valid is stored, 400 names the bad
    body = snappy_literals(request(symbols, [([1, 9], [(1, now - 1000)], None), ([1, 2, 5, 7, 3, 6], [(99, now)], None)]))
    code, headers, text = post(base, writer, body, v2)
    headers = {k.lower(): v for k, v in headers.items()}
    if code != 400 or "invalid metric name" not in text or headers.get("x-prometheus-remote-write-samples-written") != "1":
        fails.append(f"partly invalid request: {code} {headers} {text}")
    got = [r["value"][1] for r in query(base, reader, 'rw2_requests_total{job="a"}', now / 1000)]
    if got != ["99"]:
        fails.append(f"the valid series of a partly invalid request: {got}")
    code, _, text = post(base, writer, body, "application/x-protobuf;proto=io.prometheus.write.v3.Request")
    if code != 415:
        fails.append(f"unknown message type: {code} {text}")
    code, _, text = post(base, writer, snappy_literals(request(["", "__name__"], [([1, 7], [(1, now)], None)])), v2)
    if code != 400 or "out of range" not in text:
        fails.append(f"reference out of range: {code} {text}")
    for f in fails:
        print("FAIL:", f)
    print("remote_write 2.0:", "all passed" if not fails else f"{len(fails)} failures")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
