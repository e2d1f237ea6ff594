-- Loki's push API as SQL functions, into observe.logs or another observe_log table.

CREATE FUNCTION observe.push_loki(payload text, target regclass DEFAULT 'observe.logs')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_push_loki'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION observe.push_loki(text, regclass) IS
  'stores a Loki push request in JSON ({"streams": [{"stream": {...}, "values": [["<ns>", "line", {metadata}?]]}]}); returns the lines stored (exact duplicates of stored lines are dropped, as Loki drops them); needs INSERT on target';

-- content_encoding has no default: push_loki('...', 'tbl') must resolve to the text form.
CREATE FUNCTION observe.push_loki(payload bytea, content_type text, content_encoding text,
                                  target regclass DEFAULT 'observe.logs')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_push_loki_request'
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION observe.push_loki(bytea, text, text, regclass) IS
  'stores a Loki push request body as HTTP carries it: application/json or snappy-compressed protobuf (any other content type), content encoding gzip, deflate, snappy or none';
