#!/usr/bin/python3
"""A scrape target for the outbound-policy test, on a loopback address; stops by itself.

    policy_fixture.py ADDRESS PORT SECONDS LOG [REDIRECT_URL]

/metrics answers a valid payload; /secret answers a malformed payload that holds the text
SECRETBODY (it must never show in an error); /redirect answers 302 to REDIRECT_URL. Every
request's path is appended to LOG, so a test can prove a server was never reached.
"""
import sys

import loopback_http

address, port, seconds, log = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
redirect = sys.argv[5] if len(sys.argv) > 5 else ""
assert address.startswith("127."), "loopback only"


class Handler(loopback_http.Handler):
    def do_GET(self):
        with open(log, "a") as f:
            f.write(self.path + "\n")
        path = self.path.split("?")[0]
        if path == "/redirect":
            self.reply(b"", 302, None, [("Location", redirect)])
            return
        if path == "/metrics":
            body = b"fx_policy 1\n"
        elif path == "/secret":
            body = b'fx_secret{token="SECRETBODY"} SECRETBODY\n'
        else:
            self.send_error(404)
            return
        self.reply(body)


loopback_http.serve_for(Handler, port, seconds, address)
