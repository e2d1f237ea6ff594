-- Schema and basics. Every object lives in schema observe, a member of the extension, so
-- DROP EXTENSION removes everything it created.

CREATE SCHEMA observe;
COMMENT ON SCHEMA observe IS 'pg_observe: metrics and logs inside PostgreSQL';

CREATE FUNCTION observe.version() RETURNS text
  AS 'MODULE_PATHNAME', 'observe_version'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.version() IS 'version of the loaded pg_observe library';
