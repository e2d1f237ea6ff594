"""What every scrape fixture of the tests and benchmarks shares: a quiet request handler that
answers exposition payloads, and a threaded HTTP server on a loopback address that stops by
itself after its lifetime (no test process may outlive its test, or listen off 127.0.0.0/8)."""
import http.server
import threading

EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"


class Handler(http.server.BaseHTTPRequestHandler):
    """Base of the fixtures' handlers: no request log on stderr, and reply() for a whole answer."""

    def reply(self, body, status=200, content_type=EXPOSITION, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def make_server(handler, port, address="127.0.0.1", server_class=http.server.ThreadingHTTPServer):
    assert address.startswith("127."), "fixtures listen on loopback only"
    return server_class((address, port), handler)


def serve_for(handler, port, lifetime, address="127.0.0.1", server_class=http.server.ThreadingHTTPServer):
    """Serves until `lifetime` seconds have passed, then returns."""
    server = make_server(handler, port, address, server_class)
    threading.Timer(lifetime, server.shutdown).start()
    server.serve_forever()
