#!/usr/bin/python3
"""Serves many scrape targets from one loopback port for the scrape capacity benchmark:
/t/<i> is target i, exposing SERIES gauges and counters whose values move with time (every 15 s).
Stops by itself after LIFETIME seconds. CHURN (environment, percent dividing 100, default
0): that share of each target's series is replaced at every tick (a `gen` label moving on), so
each scrape creates CHURN % new series and ends as many.

Values change once per 15 s tick, so each target's payload is rendered once per tick and
served pre-rendered to both scrapers: the fixture keeps up
with 1,000 targets x 1,000 series on a shared machine.

    many_targets.py PORT TARGETS SERIES LIFETIME"""
import http.server
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "integration", "scrape"))
import loopback_http  # noqa: E402  (the fixtures' shared server)


CHURN = int(os.environ.get("CHURN", "0"))
# REQUEST_LOG (environment, a file): each request's path is appended to it (for tests).
REQUEST_LOG = os.environ.get("REQUEST_LOG")


def payload(target, series, now):
    tick = int(now // 15)
    lines = ["# TYPE bench_requests_total counter"]
    for s in range(series):
        # every series carries a generation that moves on every 100/CHURN ticks, for CHURN % of
        # them (a different slice) at each tick
        gen = f',gen="{(tick + s % (100 // CHURN)) // (100 // CHURN)}"' if CHURN else ""
        # a counter for 3 of 4 series (like an exporter), a gauge for the rest
        if s % 4:
            lines.append(f'bench_requests_total{{path="/p{s}",code="200"{gen}}} {tick * (s + 1) + target}')
        else:
            lines.append(f'bench_temperature{{sensor="s{s}"{gen}}} {20 + (tick + s) % 7 * 0.25}')
    return ("\n".join(lines) + "\n").encode()


class Payloads:
    """Each target's payload of the current tick, rendered once and shared by all requests."""

    def __init__(self, series):
        self.series = series
        self.cache = {}     # target -> (tick, bytes)
        self.lock = threading.Lock()

    def get(self, target, now):
        tick = int(now // 15)
        hit = self.cache.get(target)
        if hit is not None and hit[0] == tick:
            return hit[1]
        with self.lock:
            hit = self.cache.get(target)
            if hit is not None and hit[0] == tick:
                return hit[1]
            data = payload(target, self.series, now)
            self.cache[target] = (tick, data)
            return data


def main():
    port, targets, series, lifetime = map(int, sys.argv[1:5])
    payloads = Payloads(series)
    log_lock = threading.Lock()

    class Handler(loopback_http.Handler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            try:
                target = int(self.path.rsplit("/", 1)[1])
            except ValueError:
                target = -1
            if not 0 <= target < targets:
                self.send_error(404)
                return
            if REQUEST_LOG:
                with log_lock, open(REQUEST_LOG, "a") as f:
                    f.write(self.path + "\n")
            self.reply(payloads.get(target, time.time()))

    class Server(http.server.ThreadingHTTPServer):
        # 1,000 targets start their scrapes in bursts: the default backlog of 5 refuses
        # connections ("Couldn't connect to server") when the fixture is busy.
        request_queue_size = 4096
        daemon_threads = True

        def handle_error(self, request, client_address):
            # A scraper that gave up (timeout) or closed an idle keep-alive connection: not
            # worth a traceback; anything else still prints one.
            if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                super().handle_error(request, client_address)

    loopback_http.serve_for(Handler, port, lifetime, server_class=Server)


if __name__ == "__main__":
    main()
