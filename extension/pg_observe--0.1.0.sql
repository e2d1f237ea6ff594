-- pg_observe 0.1.0: install script. Every object lives in schema observe, a member of the
-- extension, so DROP EXTENSION removes everything it created.
\echo Use "CREATE EXTENSION pg_observe" to load this file. \quit

CREATE SCHEMA observe;
COMMENT ON SCHEMA observe IS 'pg_observe: metrics and logs inside PostgreSQL';

CREATE FUNCTION observe.version() RETURNS text
  AS 'MODULE_PATHNAME', 'observe_version'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION observe.version() IS 'version of the loaded pg_observe library';
