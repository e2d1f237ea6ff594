-- The extension installs into schema observe, reports its version and drops cleanly.
CREATE EXTENSION pg_observe;
SELECT extversion FROM pg_extension WHERE extname = 'pg_observe';
SELECT observe.version() = (SELECT extversion FROM pg_extension WHERE extname = 'pg_observe') AS version_matches;
SELECT nspname FROM pg_namespace WHERE nspname = 'observe';
-- the library is preloaded by the test server, as it must be in production
SELECT current_setting('shared_preload_libraries') LIKE '%pg_observe%' AS preloaded;
SHOW observe.database;
-- every object the extension created is gone after DROP EXTENSION
DROP EXTENSION pg_observe;
SELECT count(*) AS leftover_schemas FROM pg_namespace WHERE nspname = 'observe';
SELECT count(*) AS leftover_functions FROM pg_proc WHERE probin LIKE '%pg_observe%';
CREATE EXTENSION pg_observe;
