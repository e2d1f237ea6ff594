#!/usr/bin/env bash
# Recreates prometheus-2.42/: Debian's Prometheus scrapes itself every second for ~14 s and
# remote-writes (500 samples a request, metadata every 2 s) to a Python sink on 127.0.0.1 that
# saves each request body as it arrived (snappy + protobuf); after Prometheus stops,
# `promtool tsdb dump` of its own TSDB is the reference the decoded requests must equal
# (remote_write_real_test.cpp). Everything listens on 127.0.0.1 and is bounded by `timeout`.
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)/prometheus-2.42
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
sink_port=$(free_port)
prom_port=$(free_port)
cat >"$tmp/sink.py" <<'PY'
import http.server, sys
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        n[0] += 1
        with open('req-%03d.bin' % n[0], 'wb') as f:
            f.write(body)
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
cat >"$tmp/prom.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$prom_port']
remote_write:
  - url: http://127.0.0.1:$sink_port/api/v1/write
    queue_config: {batch_send_deadline: 1s, max_samples_per_send: 500}
    metadata_config: {send_interval: 2s}
YML
mkdir -p "$tmp/req"
(cd "$tmp/req" && timeout 30 python3 "$tmp/sink.py" "$sink_port") &
timeout 15 prometheus --config.file="$tmp/prom.yml" --storage.tsdb.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$tmp/prom.log" 2>&1 || true
sleep 1
rm -rf "$out" && mkdir -p "$out"
cp "$tmp"/req/req-*.bin "$out/"
promtool tsdb dump "$tmp/data" | zstd -19 -q -o "$out/tsdb-dump.txt.zst"
echo "$(ls "$out" | wc -l) files in $out"
