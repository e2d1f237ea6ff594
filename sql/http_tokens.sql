-- HTTP API bearer tokens (observe.http_tokens): a login role makes tokens for the roles it is a
-- member of, sees only those, never a digest; deleting a row revokes. The HTTP side (a token
-- authenticates, grants apply, expired or dropped tokens get 401) is in
-- test/integration/http_prometheus.sh.
CREATE ROLE tok_alice LOGIN;
CREATE ROLE tok_bob LOGIN;
CREATE ROLE tok_group NOLOGIN;
CREATE ROLE tok_shared LOGIN;
GRANT tok_shared TO tok_alice;
GRANT tok_group TO tok_alice;
-- as every object of the extension, the functions need USAGE on schema observe (observe_reader has it)
GRANT USAGE ON SCHEMA observe TO tok_alice, tok_bob;

SET ROLE tok_alice;
-- a token looks like pgo_ + 64 hex digits and is returned once
SELECT observe.create_http_token('grafana') ~ '^pgo_[0-9a-f]{64}$' AS token_shape;
SELECT length(observe.create_http_token('ci', 'tok_shared', '1 day')) AS token_length;
-- only members of the role, and only roles that can log in
SELECT observe.create_http_token('steal', 'tok_bob');
SELECT observe.create_http_token('group', 'tok_group');
SELECT observe.create_http_token('grafana');  -- a name is unique per role
SELECT observe.create_http_token(NULL);
SELECT role, name, created_by, expires_at IS NOT NULL AS expires FROM observe.http_tokens ORDER BY 1, 2;
-- the digests are not readable, not even one's own
SELECT token_sha256 FROM observe.http_tokens;
-- no forging a row with a known digest for someone else, no editing
INSERT INTO observe.http_tokens (role, name, token_sha256) VALUES ('tok_bob', 'x', sha256('x'));
UPDATE observe.http_tokens SET expires_at = NULL;
RESET ROLE;

SET ROLE tok_bob;
SELECT observe.create_http_token('bob') IS NOT NULL AS made;
SELECT role, name FROM observe.http_tokens ORDER BY 1, 2;  -- bob's only
SELECT observe.drop_http_token('grafana', 'tok_alice');  -- not his to drop
RESET ROLE;

-- the digest stored is SHA-256 of the token text
SET ROLE tok_alice;
CREATE TEMP TABLE t AS SELECT observe.create_http_token('check') AS token;
RESET ROLE;
SELECT count(*) AS digest_matches FROM observe.http_tokens, t
 WHERE role = 'tok_alice'::regrole AND name = 'check' AND token_sha256 = sha256(convert_to(t.token, 'UTF8'));

SET ROLE tok_alice;
SELECT observe.drop_http_token('grafana') AS dropped, observe.drop_http_token('grafana') AS again;
SELECT role, name FROM observe.http_tokens ORDER BY 1, 2;
RESET ROLE;

DROP TABLE t;
DELETE FROM observe.http_tokens;
DROP OWNED BY tok_alice, tok_bob, tok_group, tok_shared;
DROP ROLE tok_alice, tok_bob, tok_group, tok_shared;
