-- observe.push_loki: Loki push requests (JSON; protobuf + snappy as bytea) into observe_log
-- tables, with Loki's duplicate dropping, clear errors naming the stream and entry, and the
-- privileges an INSERT would need.
CREATE SCHEMA pl;
SET search_path = pl, public;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE FUNCTION pl.try(payload text, target regclass DEFAULT 'observe.logs') RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  RETURN 'stored ' || observe.push_loki(payload, target);
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- a push: two streams, structured metadata, nanosecond times
SELECT observe.push_loki($${"streams": [
  {"stream": {"app": "api", "env": "prod"},
   "values": [["1767225601000000000", "GET /a 200"],
              ["1767225602000000500", "GET /b 500", {"trace_id": "t1"}]]},
  {"stream": {"app": "db"}, "values": [["1767225603000000000", "checkpoint complete"]]}]}$$);
SELECT time, labels, line, metadata FROM observe.logs ORDER BY time;
-- retried (as a client does after a timeout): nothing is stored twice
SELECT observe.push_loki($${"streams": [
  {"stream": {"app": "api", "env": "prod"},
   "values": [["1767225601000000000", "GET /a 200"],
              ["1767225602000000500", "GET /b 500", {"trace_id": "t1"}]]},
  {"stream": {"app": "db"}, "values": [["1767225603000000000", "checkpoint complete"]]}]}$$);
-- a duplicate within one push is dropped too; the same time with another line is kept, and
-- entries of a stream that share a time keep their push order
SELECT observe.push_loki($${"streams": [{"stream": {"app": "api", "env": "prod"}, "values": [
  ["1767225604000000000", "second line at 4s"], ["1767225604000000000", "first line at 4s"],
  ["1767225604000000000", "second line at 4s"], ["1767225601000000000", "GET /a 200"]]}]}$$);
SELECT * FROM observe.logql('{app="api"}', '2026-01-01', '2026-01-02', 100, 'forward');
SELECT count(*) FROM observe.logs;

-- any timestamp order is accepted, however old (Loki refuses lines an hour behind)
SELECT observe.push_loki($${"streams": [{"stream": {"app": "late"}, "values": [
  ["1767225600000000000", "newest"], ["946684800000000000", "from 2000"], ["1767139200000000000", "a day behind"]]}]}$$);
SELECT time, line FROM observe.logs WHERE labels @> '{"app": "late"}' ORDER BY time;

-- the protobuf form (logproto.PushRequest, snappy-compressed), as promtail and Grafana Alloy send it
SELECT observe.push_loki(decode('65ec0a630a197b6170703d2270726f746f222c20656e763d2274657374227d121a0a080881f2d6ca061005120e70726f746f206c696e65206f6e65122a0aa0080882f2d6ca061000120e70726f746f206c696e652074776f1a0e0a0874726163655f696412027031', 'hex'),
                         'application/x-protobuf', '');
SELECT * FROM observe.logql('{app="proto"}', '2026-01-01', '2026-01-02', 10, 'forward');
-- the JSON form as a body, and an unknown encoding
SELECT observe.push_loki(convert_to('{"streams": [{"stream": {"app": "body"}, "values": [["1767225601000000000", "as bytes"]]}]}', 'UTF8'),
                         'application/json; charset=utf-8', '');
SELECT observe.push_loki(convert_to('{}', 'UTF8'), 'application/json', 'br');

-- refused payloads store nothing and say what and where (SQLSTATE: message)
SELECT pl.try('{"streams": [');
SELECT pl.try('{"streams": [{"stream": {"app": "x"}, "values": [[1767225601000000000, "a number is no timestamp"]]}]}');
SELECT pl.try('{"streams": [{"stream": {}, "values": [["1767225601000000000", "no labels"]]}]}');
SELECT pl.try('{"streams": [{"stream": {"bad-name": "x"}, "values": [["1767225601000000000", "bad label name"]]}]}');
SELECT pl.try('{"streams": [{"stream": {"app": "ok"}, "values": [["1767225601000000000", "fine"]]},
                            {"stream": {"app": "x"}, "values": [["1767225601000000000", "fine"], ["yesterday", "bad time"]]}]}');
SELECT pl.try('{"streams": [{"stream": {"app": "nul"}, "values": [["1767225601000000000", "a\u0000b"]]}]}');
SELECT pl.try('{"streams": [{"stream": {"app": "long"}, "values": [["1767225601000000000", "' || repeat('x', 300000) || '"]]}]}');
SELECT count(*) FROM observe.logs WHERE labels @> '{"app": "ok"}';

-- another observe_log table; not an observe_log table; no table
CREATE TABLE mylogs (time timestamptz NOT NULL, labels jsonb NOT NULL DEFAULT '{}', line text NOT NULL,
                     metadata jsonb) USING observe_log;
SELECT observe.push_loki('{"streams": [{"stream": {"app": "mine"}, "values": [["1767225601000000000", "mine"]]}]}', 'mylogs');
SELECT time, labels, line FROM mylogs;
CREATE TABLE heap_logs (time timestamptz, labels jsonb, line text, metadata jsonb);
SELECT pl.try('{"streams": []}', 'heap_logs');
SELECT pl.try('{"streams": []}', 0);

-- privileges: INSERT on the target, as an INSERT needs; row-level security is refused; not in
-- a read-only transaction
CREATE ROLE pl_pusher;
GRANT USAGE ON SCHEMA observe, pl TO pl_pusher;
SET ROLE pl_pusher;
SELECT pl.try('{"streams": [{"stream": {"app": "role"}, "values": [["1767225601000000000", "x"]]}]}', 'mylogs');
RESET ROLE;
GRANT INSERT ON mylogs TO pl_pusher;
SET ROLE pl_pusher;
SELECT pl.try('{"streams": [{"stream": {"app": "role"}, "values": [["1767225601000000000", "x"]]}]}', 'mylogs');
RESET ROLE;
ALTER TABLE mylogs ENABLE ROW LEVEL SECURITY;
SET ROLE pl_pusher;
SELECT pl.try('{"streams": [{"stream": {"app": "role"}, "values": [["1767225602000000000", "y"]]}]}', 'mylogs');
RESET ROLE;
ALTER TABLE mylogs DISABLE ROW LEVEL SECURITY;
BEGIN READ ONLY;
SELECT pl.try('{"streams": [{"stream": {"app": "ro"}, "values": [["1767225601000000000", "x"]]}]}', 'mylogs');
ROLLBACK;
-- a push inside a transaction that rolls back leaves nothing
BEGIN;
SELECT observe.push_loki('{"streams": [{"stream": {"app": "rolled"}, "values": [["1767225601000000000", "gone"]]}]}', 'mylogs');
ROLLBACK;
SELECT count(*) FROM mylogs WHERE labels @> '{"app": "rolled"}';

TRUNCATE observe.logs;
DROP SCHEMA pl CASCADE;
REVOKE USAGE ON SCHEMA observe FROM pl_pusher;
DROP ROLE pl_pusher;
