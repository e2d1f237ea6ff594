#!/usr/bin/python3
"""Scrape targets for the lock tests: every path serves a gauge; /churn also serves a series
that is new on every request (so each scrape creates a series). 127.0.0.1 only; stops by itself.

    churn_target.py PORT LIFETIME_SECONDS
"""
import http.server
import itertools
import sys
import threading

def main():
    port, lifetime = int(sys.argv[1]), float(sys.argv[2])
    counter = itertools.count()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = "# TYPE lk_gauge gauge\nlk_gauge 1\n"
            if self.path.startswith("/churn"):
                body += 'lk_churn{n="%d"} 1\n' % next(counter)
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Timer(lifetime, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
