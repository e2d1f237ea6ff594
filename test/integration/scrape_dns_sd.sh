#!/usr/bin/env bash
# lane: own-server (sets observe.scrape_dns_server, a reload setting, on a server of its own)
# dns_sd_configs (issue 18): jobs with SRV and A discovery against a DNS server on 127.0.0.1
# (test/integration/scrape/dns_fixture.py, asked through the system resolver with
# observe.scrape_dns_server), whose records change while the test runs. Checks the discovered
# targets and their __meta_dns_* labels in observe.scrape_targets_discovered, relabeling on
# them, the scrapes of the targets, a target set that follows the records (a record added, the
# name gone: NXDOMAIN), and that a DNS server that stops answering keeps the last good targets.
# Every address is 127.0.0.1; the fixtures stop by themselves.
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$ROOT/test/integration/scrape/own_server.sh" scrape_dns
F1=$("$ROOT/scripts/pg_server.sh" free-port)
F2=$("$ROOT/scripts/pg_server.sh" free-port)
zone() {  # atomically: the fixture reads the file at every question
  echo "$1" > "$DIR/zone.json.tmp" && mv "$DIR/zone.json.tmp" "$DIR/zone.json"
}

zone "{\"_node._tcp.pgo.test\": [[\"SRV\", $F1, \"127.0.0.1\"]], \"nodes.pgo.test\": [[\"A\", \"127.0.0.1\"]]}"
/usr/bin/python3 "$ROOT/test/integration/scrape/dns_fixture.py" "$DIR/zone.json" "$DIR/dns.port" 150 & pids+=($!)
/usr/bin/python3 "$ROOT/bench/scrape/many_targets.py" "$F1" 2 5 150 & pids+=($!)
/usr/bin/python3 "$ROOT/bench/scrape/many_targets.py" "$F2" 2 5 150 & pids+=($!)
for _ in $(seq 50); do [ -s "$DIR/dns.port" ] && break; sleep 0.1; done
DNS_PORT=$(cat "$DIR/dns.port")

start_own_server "observe.scrape_dns_server = '127.0.0.1:$DNS_PORT'"
q -c "CREATE EXTENSION pg_observe"
n=$(q -c "SELECT observe.load_prometheus_config(\$\$
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: dns_srv
    metrics_path: /t/0
    dns_sd_configs:
      - names: [_node._tcp.pgo.test]
        refresh_interval: 1s
    relabel_configs:
      - source_labels: [__meta_dns_srv_record_port]
        target_label: srv_port
  - job_name: dns_a
    metrics_path: /t/1
    dns_sd_configs:
      - names: [nodes.pgo.test]
        type: A
        port: $F1
        refresh_interval: 1s
\$\$)")
check "two jobs loaded" "$n" 2
check "the job row keeps the dns_sd_configs" \
  "$(q -c "SELECT dns_sd_configs FROM observe.scrape_jobs WHERE job_name = 'dns_a'")" \
  "[{\"port\": $F1, \"type\": \"A\", \"names\": [\"nodes.pgo.test\"], \"refresh_interval\": \"1000ms\"}]"

# wait_for SQL EXPECTED: polls until the query gives EXPECTED (at most 20 s)
wait_for() {
  local got=""
  for _ in $(seq 80); do
    got=$(q -c "$1")
    [ "$got" = "$2" ] && break
    sleep 0.25
  done
  echo "$got"
}
targets="SELECT string_agg(job || ' ' || scrape_url || ' ' || coalesce(labels->>'srv_port', '-'), ', '
                             ORDER BY job COLLATE \"C\", scrape_url COLLATE \"C\")
           FROM observe.scrape_targets_discovered WHERE job LIKE 'dns%' AND NOT dropped"
# the same order for an expected list (the ports are random)
sorted_list() { printf '%s\n' "$@" | LC_ALL=C sort | paste -sd, - | sed 's/,/, /g'; }
check "SRV and A records discovered" "$(wait_for "$targets" "dns_a http://127.0.0.1:$F1/t/1 -, dns_srv http://127.0.0.1:$F1/t/0 $F1")" \
  "dns_a http://127.0.0.1:$F1/t/1 -, dns_srv http://127.0.0.1:$F1/t/0 $F1"
check "the discovered labels are Prometheus's __meta_dns_*" \
  "$(q -c "SELECT discovered_labels->>'__meta_dns_name' || ' ' || (discovered_labels->>'__meta_dns_srv_record_target') || ' ' ||
                  (discovered_labels->>'__meta_dns_srv_record_port') || ' ' || source
             FROM observe.scrape_targets_discovered WHERE job = 'dns_srv'")" \
  "_node._tcp.pgo.test 127.0.0.1. $F1 _node._tcp.pgo.test"
check "both targets are scraped" \
  "$(wait_for "SELECT count(*) FROM observe.scrape_targets_discovered WHERE job LIKE 'dns%' AND up" 2)" 2
check "the SRV target's samples carry the relabeled label" \
  "$(wait_for "SELECT count(*) > 0 FROM observe.metrics WHERE labels->>'job' = 'dns_srv' AND labels->>'srv_port' = '$F1'" t)" t

# A second SRV record: a second target, scraped.
zone "{\"_node._tcp.pgo.test\": [[\"SRV\", $F1, \"127.0.0.1\"], [\"SRV\", $F2, \"127.0.0.1.\"]], \"nodes.pgo.test\": [[\"A\", \"127.0.0.1\"]]}"
want=$(sorted_list "dns_a http://127.0.0.1:$F1/t/1 -" "dns_srv http://127.0.0.1:$F1/t/0 $F1" "dns_srv http://127.0.0.1:$F2/t/0 $F2")
check "a record added: its target follows" "$(wait_for "$targets" "$want")" "$want"
check "the new target is scraped" \
  "$(wait_for "SELECT count(*) > 0 FROM observe.metrics WHERE labels->>'instance' = '127.0.0.1:$F2' AND labels->>'job' = 'dns_srv'" t)" t

# The SRV name gone (NXDOMAIN): its targets go; the A job stays.
zone "{\"nodes.pgo.test\": [[\"A\", \"127.0.0.1\"]]}"
check "a name that no longer exists has no targets" \
  "$(wait_for "$targets" "dns_a http://127.0.0.1:$F1/t/1 -")" "dns_a http://127.0.0.1:$F1/t/1 -"

# The DNS server stops answering: the last good targets stay (as in Prometheus).
kill "${pids[0]}"
sleep 8
check "a DNS server that does not answer keeps the last targets" "$(q -c "$targets")" "dns_a http://127.0.0.1:$F1/t/1 -"
check "the failure is in the server log" \
  "$(grep -c 'pg_observe scrape discovery: dns_sd could not resolve "nodes.pgo.test"' "$DIR/data/server.log" | awk '{print ($1 > 0)}')" 1

# A reader sees the discovered targets but cannot change the DNS server setting.
q -c "CREATE ROLE dns_reader LOGIN PASSWORD '$PGPASSWORD' IN ROLE observe_reader"
check "observe_reader reads the discovered targets" \
  "$(PGUSER=dns_reader q -c "SELECT count(*) FROM observe.scrape_targets_discovered WHERE job = 'dns_a'")" 1
check "observe_reader cannot set the DNS server" \
  "$(PGUSER=dns_reader psql -X -qtA -c "ALTER SYSTEM SET observe.scrape_dns_server = '192.0.2.1:53'" 2>&1 | grep -c 'permission denied')" 1

[ "$fail" = 0 ] && echo "scrape_dns_sd: all checks passed"
exit "$fail"
