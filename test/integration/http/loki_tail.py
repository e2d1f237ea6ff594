#!/usr/bin/env python3
"""Loki's tail over WebSocket (/loki/api/v1/tail) against pg_observe's HTTP API, with a client
written from RFC 6455 (stdlib only): the handshake's accept value, the history (the newest
`limit` entries since start), every entry pushed afterwards exactly once and in order (line
filter applied), ping/pong, the close handshake, refusals before the upgrade, and a tail ended
with 1008 when its bearer token is dropped.

usage: loki_tail.py BASE_URL USER PASSWORD [TOKEN 'psql command to drop TOKEN']
An https BASE_URL is verified with the CA file in $LOKI_TAIL_CAFILE.
"""
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request

BASE, USER, PASSWORD = sys.argv[1:4]
TOKEN, DROP_TOKEN = (sys.argv[4:6] + [None, None])[:2]
HOST, PORT = urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port
TLS = ssl.create_default_context(cafile=os.environ["LOKI_TAIL_CAFILE"]) if BASE.startswith("https") else None


def connect():
    sock = socket.create_connection((HOST, PORT), timeout=10)
    return TLS.wrap_socket(sock, server_hostname=HOST) if TLS else sock
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def push(stream, entries):
    body = json.dumps({"streams": [{"stream": stream, "values": [[str(t), l] for t, l in entries]}]}).encode()
    req = urllib.request.Request(BASE + "/loki/api/v1/push", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": BASIC})
    with urllib.request.urlopen(req, timeout=10, context=TLS) as r:
        assert r.status == 204, r.status


def mask_frame(opcode, payload):
    key = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class Tail:
    def __init__(self, query, auth, **params):
        params["query"] = query
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.sock = connect()
        path = "/loki/api/v1/tail?" + urllib.parse.urlencode(params)
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\nAuthorization: {auth}\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}

    def expected_accept(self):
        guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
        return base64.b64encode(hashlib.sha1((self.key + guid).encode()).digest()).decode()

    def _need(self, n, deadline):
        while len(self.buf) < n:
            self.sock.settimeout(max(0.05, deadline - time.time()))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def frame(self, timeout):
        """(opcode, payload) of the next server frame; None on timeout."""
        deadline = time.time() + timeout
        try:
            self._need(2, deadline)
            b0, b1 = self.buf[0], self.buf[1]
            assert b1 & 0x80 == 0, "a server frame must not be masked"
            n, pos = b1 & 0x7F, 2
            if n == 126:
                self._need(4, deadline)
                n, pos = struct.unpack(">H", self.buf[2:4])[0], 4
            elif n == 127:
                self._need(10, deadline)
                n, pos = struct.unpack(">Q", self.buf[2:10])[0], 10
            self._need(pos + n, deadline)
            payload, self.buf = self.buf[pos:pos + n], self.buf[pos + n:]
            return b0 & 0x0F, payload
        except socket.timeout:
            return None

    def entries(self, want, timeout):
        """(ts, line) of text messages until `want` entries came or timeout."""
        got = []
        deadline = time.time() + timeout
        while len(got) < want and time.time() < deadline:
            f = self.frame(deadline - time.time())
            if f is None:
                break
            op, payload = f
            assert op == 1, f"expected a text frame, got opcode {op}"
            msg = json.loads(payload)
            assert set(msg) == {"streams"}, msg
            for s in msg["streams"]:
                got += [(int(t), l) for t, l in s["values"]]
        return sorted(got)


def refused(query, auth, headers_ok=True):
    """Status of a tail request refused before the upgrade."""
    conn = connect()
    path = "/loki/api/v1/tail?" + urllib.parse.urlencode({"query": query})
    hdrs = [f"GET {path} HTTP/1.1", "Host: x"]
    if headers_ok:
        hdrs += ["Upgrade: websocket", "Connection: Upgrade"]
    hdrs += ["Sec-WebSocket-Key: " + base64.b64encode(os.urandom(16)).decode(), "Sec-WebSocket-Version: 13"]
    if auth:
        hdrs.append("Authorization: " + auth)
    conn.sendall(("\r\n".join(hdrs) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    conn.close()
    return int(data.split()[1]) if data else 0


now = time.time_ns()
s = 1_000_000_000
push({"app": "tail"}, [(now - 30 * s, "keep old 1"), (now - 20 * s, "keep old 2"), (now - 15 * s, "drop old"),
                       (now - 10 * s, "keep old 3")])
push({"app": "other"}, [(now - 5 * s, "keep other app")])

t = Tail('{app="tail"} |= "keep"', BASIC, limit=2, start=str(now - 60 * s))
check(t.status == 101, f"the tail opens with 101 Switching Protocols (got {t.status})")
check(t.headers.get("sec-websocket-accept") == t.expected_accept(), "Sec-WebSocket-Accept is RFC 6455's")
check(t.headers.get("upgrade", "").lower() == "websocket", "Upgrade: websocket")
hist = t.entries(2, 5)
check([l for _, l in hist] == ["keep old 2", "keep old 3"], f"history: the newest `limit` entries since start: {hist}")

live = []
base = time.time_ns()
for i in range(3):
    batch = [(base + i * 1000 + k, f"keep live {i}.{k}") for k in range(3)] + [(base + i * 1000 + 5, f"drop live {i}")]
    push({"app": "tail"}, batch)
    live += [e for e in batch if e[1].startswith("keep")]
    time.sleep(0.4)
push({"app": "other"}, [(time.time_ns(), "keep but another stream")])
got = t.entries(len(live), 8)
check(got == sorted(live), f"every matching entry pushed afterwards, once: {len(got)} of {len(live)}")
extra = t.entries(1, 2.5)
check(extra == [], f"nothing more, no duplicate: {extra}")

t.sock.sendall(mask_frame(9, b"are you there"))
f = t.frame(3)
check(f == (10, b"are you there"), f"a ping gets its pong: {f}")
t.sock.sendall(mask_frame(8, struct.pack(">H", 1000) + b"bye"))
f = t.frame(3)
check(f is not None and f[0] == 8 and f[1][:2] == struct.pack(">H", 1000), f"a close gets a close: {f}")
try:
    t.sock.settimeout(3)
    eof = t.sock.recv(1) == b""
except OSError:
    eof = True
check(eof, "then the server closes the connection")

check(refused('sum(count_over_time({app="tail"}[1m]))', BASIC) == 400, "a metric query: 400 before the upgrade")
check(refused('{app="tail"}', None) == 401, "no credentials: 401 before the upgrade")
check(refused('{app="tail"}', BASIC, headers_ok=False) == 400, "no Upgrade header: 400")

if TOKEN:
    t = Tail('{app="tail"}', "Bearer " + TOKEN, start=str(time.time_ns()))
    check(t.status == 101, "a tail with a bearer token opens")
    subprocess.run(DROP_TOKEN, shell=True, check=True)
    f = None
    deadline = time.time() + 5
    while time.time() < deadline:
        f = t.frame(deadline - time.time())
        if f is None or f[0] == 8:
            break
    check(f is not None and f[0] == 8 and f[1][:2] == struct.pack(">H", 1008),
          f"dropping the token ends the tail with 1008 (policy violation): {f}")

print("loki_tail: " + ("all passed" if not failures else f"{len(failures)} FAILED"))
sys.exit(1 if failures else 0)
