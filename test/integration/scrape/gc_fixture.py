#!/usr/bin/python3
"""Scrape targets for scrape_series_gc.sh: /t/<i> serves SERIES gauges (values move every
scrape) and logs each successful answer as "<i>" to LOG, so the test can compare what the
worker stored with what it was served. Once the file STOP exists, every target answers 503
(failed scrapes, not logged). Listens on 127.0.0.1 only; stops by itself after LIFETIME s.

    gc_fixture.py PORT TARGETS SERIES LIFETIME LOG STOP"""
import os
import sys
import threading

import loopback_http


def main():
    port, targets, series, lifetime = map(int, sys.argv[1:5])
    log_path, stop_path = sys.argv[5], sys.argv[6]
    lock = threading.Lock()
    counter = [0]

    class Handler(loopback_http.Handler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            try:
                target = int(self.path.rsplit("/", 1)[1])
            except ValueError:
                target = -1
            if not 0 <= target < targets or os.path.exists(stop_path):
                self.send_error(404 if target < 0 else 503)
                return
            with lock:
                counter[0] += 1
                n = counter[0]
            lines = ["# TYPE gcfx_value gauge"]
            lines += [f'gcfx_value{{s="{s}"}} {n + s}' for s in range(series)]
            self.reply("\n".join(lines) + "\n")
            self.wfile.flush()
            with lock, open(log_path, "a") as f:
                f.write(f"{target}\n")

    loopback_http.serve_for(Handler, port, lifetime)


if __name__ == "__main__":
    main()
