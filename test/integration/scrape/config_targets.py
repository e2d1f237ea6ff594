#!/usr/bin/python3
"""Scrape targets for scrape_config_vs_prometheus.sh: one HTTP server per port, on 127.0.0.1
only, each serving on any path a payload that names its port and echoes the `module` query
parameter (so __metrics_path__ and __param_* show in the stored series). Paths under /secure/
answer 401 unless the request carries the Authorization header of the path's job
(scrape_config_vs_prometheus's basic_auth and bearer jobs). Stops by itself.

    config_targets.py SECONDS PORT... [--tls CERT KEY PORT]   (the last one serves HTTPS)
"""
import ssl
import sys
import threading
import time
import urllib.parse

import loopback_http


# path -> the Authorization header it requires: basic_auth u / "p@ss:word", bearer "s3cr3t"
SECURE = {"/secure/basic": "Basic dTpwQHNzOndvcmQ=", "/secure/bearer": "Bearer s3cr3t"}


def payload(port, path, query):
    module = urllib.parse.parse_qs(query).get("module", ["none"])[0]
    return f"""# TYPE app_requests_total counter
app_requests_total{{code="200",port="{port}"}} 10
app_requests_total{{code="500",port="{port}"}} 1
# TYPE app_temp gauge
app_temp{{sensor="a",tmp_drop="x"}} 21.5
app_probe{{module="{module}",path="{path}"}} 1
go_goroutines 7
go_gc_duration_seconds{{quantile="0.5"}} 0.01
other_metric{{Env="Prod"}} 3
""".encode()


def serve(port, cert=None, key=None):
    class Handler(loopback_http.Handler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            wanted = SECURE.get(url.path)
            if wanted is not None and self.headers.get("Authorization") != wanted:
                self.reply(b"", 401, None)
                return
            self.reply(payload(port, url.path, url.query))

    server = loopback_http.make_server(Handler, port)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main():
    seconds = float(sys.argv[1])
    args = sys.argv[2:]
    if "--tls" in args:
        i = args.index("--tls")
        cert, key, port = args[i + 1:i + 4]
        serve(int(port), cert, key)
        args = args[:i]
    for p in args:
        serve(int(p))
    time.sleep(seconds)


if __name__ == "__main__":
    main()
