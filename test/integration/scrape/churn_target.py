#!/usr/bin/python3
"""Scrape targets for the lock tests: every path serves a gauge; /churn also serves a series
that is new on every request (so each scrape creates a series). 127.0.0.1 only; stops by itself.

    churn_target.py PORT LIFETIME_SECONDS
"""
import itertools
import sys

import loopback_http

def main():
    port, lifetime = int(sys.argv[1]), float(sys.argv[2])
    counter = itertools.count()

    class Handler(loopback_http.Handler):
        def do_GET(self):
            body = "# TYPE lk_gauge gauge\nlk_gauge 1\n"
            if self.path.startswith("/churn"):
                body += 'lk_churn{n="%d"} 1\n' % next(counter)
            self.reply(body)

    loopback_http.serve_for(Handler, port, lifetime)


if __name__ == "__main__":
    main()
