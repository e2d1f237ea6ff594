#!/usr/bin/env bash
# A prometheus.yml with static and file_sd targets, relabel_configs and
# metric_relabel_configs, loaded by Debian's Prometheus and by observe.load_prometheus_config:
# the same targets and the same stored series, before and after a file_sd file changes (see
# scrape/compare_config_with_prometheus.py).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PROM_DIR=$(mktemp -d /tmp/pgo_promcfg.XXXXXX)
chmod 755 "$PROM_DIR"  # the server's OS user reads the file_sd files
trap 'rm -rf "$PROM_DIR"' EXIT
export PROM_DIR
export PROM_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
ports=""
for _ in 1 2 3 4 5; do ports="$ports $("$ROOT/scripts/pg_server.sh" free-port)"; done
export TARGET_PORTS="$ports"
# The HTTPS target's certificate (the tls_config jobs trust it through ca_file, or skip checks).
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$PROM_DIR/key.pem" -out "$PROM_DIR/cert.pem" 2>/dev/null
chmod 644 "$PROM_DIR/cert.pem"
timeout 200 /usr/bin/python3 "$ROOT/test/integration/scrape/compare_config_with_prometheus.py"
