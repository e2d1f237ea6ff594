-- Bearer tokens for the HTTP API (docs/http.md): `Authorization: Bearer <token>` makes a request
-- run as the token's role, as basic auth does with a password. Only SHA-256 digests are kept;
-- the token itself is shown once, by create_http_token. A login role manages the tokens of the
-- roles it is a member of (its own included), no others: row-level security below.
CREATE TABLE observe.http_tokens (
  role          regrole     NOT NULL,
  name          text        NOT NULL CHECK (name <> '' AND length(name) <= 200),
  token_sha256  bytea       NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
  created_by    name        NOT NULL DEFAULT current_user,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  PRIMARY KEY (role, name)
);
COMMENT ON TABLE observe.http_tokens IS
  'HTTP API bearer tokens: the role a token acts as, a name, the SHA-256 of the token (never the token), expiry';
SELECT pg_catalog.pg_extension_config_dump('observe.http_tokens', '');
ALTER TABLE observe.http_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY http_tokens_of_my_roles ON observe.http_tokens
  USING (pg_catalog.pg_has_role(current_user, role, 'MEMBER'))
  WITH CHECK (pg_catalog.pg_has_role(current_user, role, 'MEMBER') AND created_by = current_user);
-- The digests stay unreadable (only the HTTP worker, a superuser, matches them); the rest of a
-- row is its owner's to see, and deleting a row revokes the token at once.
REVOKE ALL ON observe.http_tokens FROM PUBLIC;
GRANT SELECT (role, name, created_by, created_at, expires_at), INSERT, DELETE ON observe.http_tokens TO PUBLIC;

CREATE FUNCTION observe.create_http_token(name text, role regrole DEFAULT current_user::regrole,
                                          valid_for interval DEFAULT NULL)
  RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY INVOKER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- 244 random bits from the server's strong random source (gen_random_uuid).
  token text := 'pgo_' || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '');
BEGIN
  IF name IS NULL OR role IS NULL THEN
    RAISE EXCEPTION 'a token needs a name and a role' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT pg_has_role(current_user, role, 'MEMBER') THEN
    RAISE EXCEPTION 'only members of role % may make tokens acting as it', role
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT (SELECT rolcanlogin FROM pg_roles WHERE oid = role) THEN
    RAISE EXCEPTION 'role % cannot log in, so no token can act as it', role
      USING ERRCODE = 'invalid_authorization_specification';
  END IF;
  INSERT INTO observe.http_tokens (role, name, token_sha256, expires_at)
  VALUES (role, name, sha256(convert_to(token, 'UTF8')), now() + valid_for);
  RETURN token;
END
$$;
COMMENT ON FUNCTION observe.create_http_token(text, regrole, interval) IS
  'creates an HTTP API bearer token acting as role (default: the current user; you must be a member), valid for the interval (NULL: until deleted); returns the token, shown only this once';

CREATE FUNCTION observe.drop_http_token(name text, role regrole DEFAULT current_user::regrole)
  RETURNS boolean
  LANGUAGE sql VOLATILE SECURITY INVOKER
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH gone AS (DELETE FROM observe.http_tokens t
                 WHERE t.role = drop_http_token.role AND t.name = drop_http_token.name RETURNING 1)
  SELECT count(*) > 0 FROM gone
$$;
COMMENT ON FUNCTION observe.drop_http_token(text, regrole) IS
  'revokes the HTTP API bearer token of that name and role at once; true when there was one';
