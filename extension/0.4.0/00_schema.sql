-- Schema and basics. Every object lives in schema observe, a member of the extension, so
-- DROP EXTENSION removes everything it created.

CREATE SCHEMA observe;
COMMENT ON SCHEMA observe IS 'pg_observe: metrics and logs inside PostgreSQL';

CREATE FUNCTION observe.version() RETURNS text
  AS 'MODULE_PATHNAME', 'observe_version'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.version() IS 'version of the loaded pg_observe library';

-- The extension's roles. Roles are cluster-wide: a role pg_observe made for another database
-- (or before a DROP EXTENSION) is used again; a role of the same name made by anyone else is
-- refused, or it would silently receive the extension's grants. pg_observe's roles carry the
-- security label "pg_observe" of provider observe, which only a superuser may set.
DO $roles$
DECLARE
  r text;
BEGIN
  PERFORM observe.version();  -- loads the library, which provides the label (not preloaded?)
  FOREACH r IN ARRAY ARRAY['observe_ingest_admin', 'observe_reader'] LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXECUTE format('SECURITY LABEL FOR observe ON ROLE %I IS %L', r, 'pg_observe');
    ELSIF NOT EXISTS (SELECT FROM pg_catalog.pg_shseclabel l JOIN pg_catalog.pg_roles o ON o.oid = l.objoid
                       WHERE l.classoid = 'pg_catalog.pg_authid'::regclass AND l.provider = 'observe'
                         AND l.label = 'pg_observe' AND o.rolname = r) THEN
      RAISE EXCEPTION 'role "%" already exists and was not created by pg_observe', r
        USING ERRCODE = 'duplicate_object',
              DETAIL = 'pg_observe grants its privileges to this role; it will not adopt a role someone else made.',
              HINT = format('Drop or rename that role (ALTER ROLE %I RENAME TO ...) and create the extension again; '
                            'or, if it is meant for pg_observe, a superuser marks it: '
                            'SECURITY LABEL FOR observe ON ROLE %I IS ''pg_observe''', r, r);
    END IF;
  END LOOP;
END
$roles$;
