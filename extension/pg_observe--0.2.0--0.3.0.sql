-- pg_observe 0.2.0 -> 0.3.0 (ALTER EXTENSION pg_observe UPDATE).
\echo Use "ALTER EXTENSION pg_observe UPDATE" to load this file. \quit
