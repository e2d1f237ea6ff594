#!/usr/bin/env bash
# lane: own-server (starts its own servers; test/run.sh runs it beside the shared-server tests)
# The outbound network policy and what readers see, through the scrape worker, on loopback
# only: 127.0.0.2 (a fixture) on observe.outbound_deny_networks is refused directly and through
# a redirect from a fixture on 127.0.0.1, and never receives a request; the health view shows
# observe_reader a redacted URL and an error without response body bytes; only a superuser
# changes the policy. Runs its own server (the policy is set with ALTER SYSTEM).
set -euo pipefail
ROOT=${OBSERVE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$ROOT/test/integration/scrape/own_server.sh" policy
P1=$("$ROOT/scripts/pg_server.sh" free-port)
P2=$("$ROOT/scripts/pg_server.sh" free-port)
start_own_server

FIX=$ROOT/test/integration/scrape/policy_fixture.py
/usr/bin/python3 "$FIX" 127.0.0.2 "$P2" 120 "$DIR/denied.log" & pids+=($!)
/usr/bin/python3 "$FIX" 127.0.0.1 "$P1" 120 "$DIR/allowed.log" "http://127.0.0.2:$P2/metrics" & pids+=($!)
sleep 0.5

q -c "CREATE EXTENSION pg_observe"
q -c "ALTER SYSTEM SET observe.outbound_deny_networks = '127.0.0.2/32'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
q <<SQL
INSERT INTO observe.scrape_targets (job, url, scrape_interval) VALUES
  ('direct', 'http://127.0.0.2:$P2/metrics', '1 second'),
  ('redirected', 'http://127.0.0.1:$P1/redirect', '1 second'),
  ('secret', 'http://scraper:hunter2@127.0.0.1:$P1/secret?job=x&api_token=abc123&Password=pw9', '1 second'),
  ('control', 'http://127.0.0.1:$P1/metrics', '1 second');
SQL
wait_scraped() {  # until every target has a health row written after $1
  for _ in $(seq 1 60); do
    [ "$(q -c "SELECT count(*) FROM observe.scrape_target_health WHERE last_scrape > '$1'")" = 4 ] && return
    sleep 0.5
  done
  echo "FAIL: targets not scraped"; fail=1
}
wait_scraped "$(q -c "SELECT now()")"

refused="connection to 127.0.0.2 (deny 127.0.0.2/32) refused by the outbound network policy"
check "direct: refused" "$(q -c "SELECT up, last_error FROM observe.scrape_target_health WHERE job = 'direct'")" "f|$refused"
check "through a redirect: refused" "$(q -c "SELECT up, last_error FROM observe.scrape_target_health WHERE job = 'redirected'")" "f|$refused"
check "control target up" "$(q -c "SELECT up FROM observe.scrape_target_health WHERE job = 'control'")" "t"
check "the denied fixture never received a request" "$(cat "$DIR/denied.log" 2>/dev/null | wc -l)" "0"
grep -q '^/redirect' "$DIR/allowed.log" && echo "ok: the redirecting fixture was asked" ||
  { echo "FAIL: the redirect was never requested"; fail=1; }

# A reader: a login role in observe_reader, over TCP with a password, not a superuser.
q -c "CREATE ROLE regress_policy_reader LOGIN PASSWORD 'reader-pw' IN ROLE observe_reader"
q -c "CREATE ROLE regress_policy_admin LOGIN PASSWORD 'admin-pw' IN ROLE observe_ingest_admin"
as_reader() { PGUSER=regress_policy_reader PGPASSWORD=reader-pw psql -X -qtA "$@"; }
as_admin() { PGUSER=regress_policy_admin PGPASSWORD=admin-pw psql -X -qtA "$@"; }
check "reader sees the redacted URL" \
  "$(as_reader -c "SELECT url FROM observe.scrape_target_health WHERE job = 'secret'")" \
  "http://127.0.0.1:$P1/secret?job=x&api_token=REDACTED&Password=REDACTED"
check "reader sees the parse error without body bytes" \
  "$(as_reader -c "SELECT last_error FROM observe.scrape_target_health WHERE job = 'secret'")" \
  "line 1: invalid sample value..."
everything=$(as_reader -c "SELECT * FROM observe.scrape_target_health")
for secret in hunter2 abc123 pw9 SECRETBODY scraper; do
  case "$everything" in *"$secret"*) echo "FAIL: reader sees '$secret'"; fail=1 ;; *) echo "ok: reader never sees $secret" ;; esac
done
for rel in observe.scrape_targets observe._scrape_status; do
  if as_reader -c "SELECT * FROM $rel" >/dev/null 2>&1; then echo "FAIL: reader reads $rel"; fail=1
  else echo "ok: reader cannot read $rel"; fi
done
# The ingest admin adds targets but cannot lift the policy.
for stmt in "SET observe.outbound_deny_networks = ''" "ALTER SYSTEM SET observe.outbound_deny_networks = ''" \
            "ALTER ROLE regress_policy_admin SET observe.outbound_allow_networks = '0.0.0.0/0'"; do
  if as_admin -c "$stmt" >/dev/null 2>&1; then echo "FAIL: ingest admin ran: $stmt"; fail=1
  else echo "ok: ingest admin refused: $stmt"; fi
done

# Without the deny entry the same targets are reached: the refusal above was the policy's.
q -c "ALTER SYSTEM RESET observe.outbound_deny_networks" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
wait_scraped "$(q -c "SELECT now()")"
check "direct: up once allowed" "$(q -c "SELECT up FROM observe.scrape_target_health WHERE job = 'direct'")" "t"
check "through a redirect: up once allowed" "$(q -c "SELECT up FROM observe.scrape_target_health WHERE job = 'redirected'")" "t"
exit $fail
