#!/usr/bin/env bash
# Installs the Debian packages pg_observe needs to build, run and test. Idempotent: skips
# apt-get entirely when everything is already there.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang-14 llvm-14 llvm-14-dev
  # libFuzzer and the sanitizers (only Recommended by clang-14)
  libclang-rt-14-dev
  postgresql-15 postgresql-server-dev-15 postgresql-client-15
  libzstd-dev zstd libre2-dev libsimdjson-dev libcurl4-openssl-dev librdkafka-dev
  # prometheus.yml loading (src/core/promconfig)
  libyaml-cpp-dev
  # the ingest decoders: remote_write and Loki protobuf pushes, snappy, gzip/deflate bodies
  libprotobuf-dev protobuf-compiler libsnappy-dev zlib1g-dev
  # the HTTP API (src/pg/http): libmicrohttpd in external-poll mode, one daemon per worker;
  # openssl makes test/integration/http_tls.sh's certificate
  libmicrohttpd-dev openssl
  libgtest-dev libbenchmark-dev
  # Hyperscan for LogQL `|~` line filters where it agrees with RE2 (src/core/logql/hyperscan_filter.h)
  libhyperscan-dev
  # run and test: real scrape targets and the Prometheus we compare with
  prometheus prometheus-node-exporter curl procps
  # the Alertmanager the rules worker sends alerts to (test/integration/rules_alertmanager.sh)
  prometheus-alertmanager
  # test/integration/rules_worker.sh reads its promtool test file with python3-yaml
  python3-yaml
  # the Grafana dashboard test runs its queries from Debian's python3
  python3-psycopg2
  # the Kafka test's outside producer (test/integration/kafka_ingest.sh) and bench baseline
  kcat
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian's postgresql-common would create and start a default cluster; we run our own.
mkdir -p /etc/postgresql-common
if [ ! -f /etc/postgresql-common/createcluster.conf ] || ! grep -q '^create_main_cluster = false' /etc/postgresql-common/createcluster.conf; then
  echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
fi
# Debian's prometheus packages would start their daemons on 0.0.0.0; we start what we need
# ourselves, on loopback. policy-rc.d 101 keeps package installs from starting services.
temporary_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  temporary_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -z "$temporary_policy" ] || rm -f /usr/sbin/policy-rc.d
