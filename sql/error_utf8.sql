-- Error messages are valid UTF-8 whatever bytes the input holds or its escapes decode to:
-- the bad bytes are shown as \xNN (control characters too), a whole character is never cut.
-- err() runs a statement and shows its SQLSTATE and message, or the message's raw bytes
-- when they are not valid UTF-8 (which would be the bug).
CREATE FUNCTION pg_temp.is_utf8(t text) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  PERFORM convert_from(textsend(t), 'UTF8');  -- checks the bytes, as a client would
  RETURN true;
EXCEPTION WHEN character_not_in_repertoire THEN
  RETURN false;
END $$;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m text;
  s text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, s = RETURNED_SQLSTATE;
  IF pg_temp.is_utf8(m) THEN
    RETURN s || ' ' || m;
  END IF;
  RETURN s || ' INVALID UTF-8: ' || encode(textsend(m), 'escape');
END $$;
SELECT pg_temp.is_utf8('é'), pg_temp.is_utf8(convert_from('\x41'::bytea, 'SQL_ASCII'));

-- PromQL: escapes in strings decode to bytes that are no UTF-8
SELECT pg_temp.err($q$SELECT * FROM observe.promql('label_replace(vector(1), "\xff", "$1", "a", "(.*)")')$q$);
SELECT pg_temp.err($q$SELECT * FROM observe.promql('label_join(vector(1), "a", ",", "\xfe\xc3")')$q$);
SELECT pg_temp.err($q$SELECT * FROM observe.promql('count_values("\377", vector(1))')$q$);
SELECT pg_temp.err($q$SELECT * FROM observe.promql('up{job=~"\xff("}')$q$);
SELECT pg_temp.err($q$SELECT * FROM observe.promql_range('label_replace(vector(1), "\xc3", "", "a", "")', '2026-01-01', '2026-01-01 00:01', '1 minute')$q$);
SELECT pg_temp.err($q$SELECT * FROM observe.promql('"\U0000D800"')$q$);
-- PromQL: characters the lexer does not expect are shown whole, control characters escaped
SELECT pg_temp.err($q$SELECT * FROM observe.promql('up é')$q$);
SELECT pg_temp.err($q$SELECT * FROM observe.promql(E'up \x01')$q$);
-- the cursor position counts characters, not bytes: it points at the second é
\set VERBOSITY default
SELECT * FROM observe.promql('"éé" é');
\set VERBOSITY terse

-- observe.labels: the series description parser
SELECT pg_temp.err($q$SELECT observe.labels(E'up{job="a"}\x7f')$q$);
SELECT pg_temp.err($q$SELECT observe.labels('up{"\xff"=~"a"}')$q$);
SELECT pg_temp.err($q$SELECT observe.labels('up€')$q$);

-- exposition: payload tokens are quoted with escapes; a long one is cut between characters
SELECT pg_temp.err($q$SELECT observe.ingest_prometheus_text(E'# TYPE m co\x01unter\n')$q$);
SELECT pg_temp.err($q$SELECT observe.ingest_prometheus_text('# TYPE m x' || repeat('é', 40) || chr(10))$q$);
SELECT pg_temp.err($q$SELECT observe.ingest_prometheus_text(E'm{a="1"} 1 \x02\n')$q$);

-- Results stay valid text too: bytes a PromQL escape made are shown as \xNN in series text,
-- and observe.labels refuses what jsonb cannot hold.
SELECT metric FROM observe.promql('label_replace(vector(1), "a", "\xff\x00é", "", "")');
-- a string result's stray bytes come back as U+FFFD, as Prometheus's JSON writes them (sql_fuzz)
SELECT metric, convert_to(metric, 'UTF8') AS bytes, value FROM observe.promql('"a\xffb"');
SELECT pg_temp.err($q$SELECT observe.labels('up{job="\xff"}')$q$);
SELECT pg_temp.err($q$SELECT observe.labels('up{job="a\x00b"}')$q$);
-- a regclass argument holding no table's OID is the caller's error, not an internal one
SELECT pg_temp.err($q$SELECT * FROM observe.promql('up', now(), 0::oid::regclass)$q$);
SELECT pg_temp.err($q$SELECT observe.compact(0::oid::regclass)$q$);
SELECT pg_temp.err($q$SELECT observe.set_retention(4294967295::oid::regclass, '1 day')$q$);
-- a 10,000-operator chain is refused like deep nesting (it crashed the backend)
SELECT pg_temp.err($q$SELECT * FROM observe.promql(repeat('m offset 1m + ', 10000) || 'm')$q$);
SELECT count(*) FROM observe.promql(repeat('abs(', 240) || 'vector(1)' || repeat(')', 240) || repeat(' + 1', 240));
-- ingesting a huge payload with many default labels honours statement_timeout (it ignored
-- cancel and even DROP DATABASE ... WITH (FORCE) for minutes)
SET statement_timeout = '1s';
SELECT pg_temp.err($q$SELECT observe.ingest_prometheus_text(repeat(E'm{a="b"} 1\n', 400000),
  (SELECT jsonb_object_agg('k' || i, 'v' || i) FROM generate_series(1, 20000) i))$q$);
RESET statement_timeout;
