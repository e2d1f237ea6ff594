#!/usr/bin/env bash
# The scrape worker records what Prometheus records for the same target (see
# scrape/compare_with_prometheus.py).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PROM_DIR=$(mktemp -d /tmp/pgo_prom.XXXXXX)
trap 'rm -rf "$PROM_DIR"' EXIT
export PROM_DIR
export FIXTURE_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
export PROM_PORT=$("$ROOT/scripts/pg_server.sh" free-port)
timeout 120 /usr/bin/python3 "$ROOT/test/integration/scrape/compare_with_prometheus.py"
