#!/usr/bin/python3
"""A DNS server on 127.0.0.1 for test/integration/scrape_dns_sd.sh: answers SRV, A and AAAA
questions (UDP) from a JSON zone file read again at every question, so a test changes the
records while it runs; NXDOMAIN for a name the zone lacks. Stops by itself after LIFETIME s.

    dns_fixture.py ZONE_FILE PORT_FILE LIFETIME
ZONE_FILE: {"name": [["SRV", port, "target"], ["A", "ip"], ["AAAA", "ip"]], ...}
PORT_FILE: where the chosen port is written once the socket is bound."""
import ipaddress
import json
import socket
import struct
import sys
import time

TYPES = {"A": 1, "AAAA": 28, "SRV": 33}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rdata(record):
    kind = record[0]
    if kind == "SRV":
        return struct.pack("!HHH", 10, 5, record[1]) + encode_name(record[2])
    if kind == "A":
        return ipaddress.IPv4Address(record[1]).packed
    return ipaddress.IPv6Address(record[1]).packed


def answer(query, zone):
    qid, = struct.unpack("!H", query[:2])
    labels, p = [], 12
    while query[p] != 0:
        labels.append(query[p + 1:p + 1 + query[p]].decode())
        p += query[p] + 1
    qtype, = struct.unpack("!H", query[p + 1:p + 3])
    question = query[12:p + 5]
    name = ".".join(labels).lower()
    records = zone.get(name)
    if records is None:
        return struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN
    found = [r for r in records if TYPES[r[0]] == qtype]
    out = struct.pack("!HHHHHH", qid, 0x8180, 1, len(found), 0, 0) + question
    for r in found:
        data = rdata(r)
        out += struct.pack("!HHHIH", 0xC00C, qtype, 1, 5, len(data)) + data
    return out


def main():
    zone_file, port_file, lifetime = sys.argv[1], sys.argv[2], float(sys.argv[3])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.5)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(sock.getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    end = time.time() + lifetime
    while time.time() < end:
        try:
            query, peer = sock.recvfrom(512)
        except socket.timeout:
            continue
        try:
            with open(zone_file) as f:
                zone = {k.lower().rstrip("."): v for k, v in json.load(f).items()}
            sock.sendto(answer(query, zone), peer)
        except Exception as e:  # a malformed question or a zone being rewritten: no answer
            print("dns_fixture:", e, file=sys.stderr)


if __name__ == "__main__":
    main()
