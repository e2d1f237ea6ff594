-- The C++/PostgreSQL border: C++ exceptions thrown deep in the core become clean SQL errors
-- with the right SQLSTATE after every destructor has run, and PostgreSQL errors raised under
-- pg_guard cross C++ frames without leaking.
CREATE SCHEMA border_test;
CREATE FUNCTION border_test.throw(kind text, depth int, query text DEFAULT NULL) RETURNS void
  AS 'pg_observe', 'observe_selftest_throw' LANGUAGE C;
CREATE FUNCTION border_test.live_objects() RETURNS int
  AS 'pg_observe', 'observe_selftest_live_objects' LANGUAGE C;
CREATE FUNCTION border_test.guarded_int4(input text) RETURNS int
  AS 'pg_observe', 'observe_selftest_guarded_int4' LANGUAGE C STRICT;

-- runs a statement and shows the SQLSTATE and message of the error it raises
CREATE FUNCTION border_test.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- each kind of core error maps to its SQLSTATE; 50 frames of C++ objects unwind first
SELECT border_test.error_of($$SELECT border_test.throw('syntax', 50)$$);
SELECT border_test.live_objects();
SELECT kind, border_test.error_of(format('SELECT border_test.throw(%L, 5)', kind))
  FROM unnest(ARRAY['invalid_parameter', 'data', 'limit', 'internal']) AS kind;
-- a cancellation is not catchable by WHEN OTHERS, as PostgreSQL's own; it carries 57014
\set VERBOSITY sqlstate
SELECT border_test.throw('canceled', 5);
\set VERBOSITY default
-- a real core component: RE2 rejects the regex inside LabelMatcher's constructor
SELECT border_test.error_of($$SELECT border_test.throw('regex', 10)$$);
SELECT border_test.error_of($$SELECT border_test.throw('std', 3)$$);
SELECT border_test.error_of($$SELECT border_test.throw('bad_alloc', 3)$$);
SELECT border_test.live_objects();
-- a parse error points into the query text it is about
SELECT border_test.throw('syntax', 2, 'rate(http[5m)');

-- the session keeps working, in and out of transactions
SELECT 1 + 1 AS still_working;
BEGIN;
SELECT border_test.throw('data', 1);
ROLLBACK;
BEGIN;
SAVEPOINT s;
SELECT border_test.throw('data', 1);
ROLLBACK TO SAVEPOINT s;
SELECT 'subtransaction recovered' AS status;
COMMIT;

-- PostgreSQL errors under pg_guard keep their own SQLSTATE and message
SELECT border_test.guarded_int4('42');
SELECT border_test.error_of($$SELECT border_test.guarded_int4('forty-two')$$);
SELECT border_test.error_of($$SELECT border_test.guarded_int4('99999999999')$$);
SELECT border_test.live_objects();
-- many failures in a row leak nothing and never crash the backend
SELECT sum(total_bytes) AS bytes_before FROM pg_backend_memory_contexts \gset
DO $$
BEGIN
  FOR i IN 1..2000 LOOP
    BEGIN
      PERFORM border_test.guarded_int4('x' || i);
    EXCEPTION WHEN invalid_text_representation THEN NULL;
    END;
    BEGIN
      PERFORM border_test.throw('data', 20);
    EXCEPTION WHEN data_exception THEN NULL;
    END;
  END LOOP;
END $$;
SELECT border_test.live_objects();
SELECT sum(total_bytes) - :bytes_before < 1024 * 1024 AS no_memory_growth
  FROM pg_backend_memory_contexts;

DROP SCHEMA border_test CASCADE;
