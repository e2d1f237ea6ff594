-- The outbound network policy's settings: defaults, validation, superuser only.
SHOW observe.outbound_allow_networks;
SHOW observe.outbound_deny_networks;
SHOW observe.outbound_max_redirects;
SELECT context FROM pg_settings WHERE name LIKE 'observe.outbound%' ORDER BY name;

-- a malformed entry is refused, naming it
SET observe.outbound_deny_networks = '10.0.0.1/8';
SET observe.outbound_deny_networks = '10.0.0.0/8, metadata.google.internal';
SET observe.outbound_allow_networks = 'fe80::/129';
-- well-formed lists are taken as written
SET observe.outbound_deny_networks = '127.0.0.2/32, ::ffff:10.0.0.0/104';
SHOW observe.outbound_deny_networks;
RESET observe.outbound_deny_networks;

-- nobody but a superuser changes them: not even a member of observe_ingest_admin
CREATE ROLE regress_policy_admin IN ROLE observe_ingest_admin;
SET ROLE regress_policy_admin;
SET observe.outbound_deny_networks = '';
SET observe.outbound_allow_networks = '0.0.0.0/0';
SET observe.outbound_max_redirects = 100;
RESET ROLE;
DROP ROLE regress_policy_admin;

-- What observe_reader sees of the targets: URLs without credentials or secret-looking query
-- values, in the health view only.
INSERT INTO observe.scrape_targets (job, url, enabled) VALUES
  ('p1', 'http://user:p%40ss@example.invalid:9100/metrics', false),
  ('p2', 'https://example.invalid/metrics?module=x&access_token=t0k&apiKey=k3y&SIG=abc#frag', false),
  ('p3', 'http://a@b@example.invalid/m?session_id=s1;password=pw', false),
  ('p4', 'http://example.invalid/metrics?target=10.0.0.1&format=prometheus', false);
CREATE ROLE regress_policy_reader IN ROLE observe_reader;
SET ROLE regress_policy_reader;
SELECT job, url, instance FROM observe.scrape_target_health WHERE job LIKE 'p_' ORDER BY job;
SELECT url FROM observe.scrape_targets;
SELECT * FROM observe._scrape_status;
RESET ROLE;
DROP ROLE regress_policy_reader;
DELETE FROM observe.scrape_targets WHERE job LIKE 'p_';
