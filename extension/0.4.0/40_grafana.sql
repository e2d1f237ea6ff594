-- Grafana: label names and values for dashboard template variables, and a read-only role for
-- the data source (docs/grafana.md).

-- A PromQL series selector (`name{label="v", other=~"re"}`, `{__name__=~"node_.*"}`) as rows of
-- (label, op, value). PL/pgSQL, not C: the contract needs only these four matcher kinds, and a
-- Grafana variable query is one call per dashboard load.
CREATE FUNCTION observe._parse_selector(selector text)
  RETURNS TABLE (label text, op text, value text)
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  s text := btrim(selector, E' \t\n\r');
  tok text;
  q text;
  raw text;
  i int;
  c text;
BEGIN
  tok := substring(s FROM '^[a-zA-Z_:][a-zA-Z0-9_:]*');
  IF tok IS NOT NULL THEN
    label := '__name__'; op := '='; value := tok;
    RETURN NEXT;
    s := ltrim(substr(s, length(tok) + 1), E' \t\n\r');
  END IF;
  IF s = '' THEN
    IF tok IS NULL THEN
      RAISE EXCEPTION 'invalid series selector "%": empty', selector USING ERRCODE = 'syntax_error';
    END IF;
    RETURN;
  END IF;
  IF left(s, 1) <> '{' THEN
    RAISE EXCEPTION 'invalid series selector "%": expected "{" at "%"', selector, s
      USING ERRCODE = 'syntax_error';
  END IF;
  s := ltrim(substr(s, 2), E' \t\n\r');
  LOOP
    IF left(s, 1) = '}' THEN
      s := ltrim(substr(s, 2), E' \t\n\r');
      EXIT;
    END IF;
    label := substring(s FROM '^[a-zA-Z_][a-zA-Z0-9_]*');
    IF label IS NULL THEN
      RAISE EXCEPTION 'invalid series selector "%": expected a label name at "%"', selector, s
        USING ERRCODE = 'syntax_error';
    END IF;
    s := ltrim(substr(s, length(label) + 1), E' \t\n\r');
    op := substring(s FROM '^(=~|!~|!=|=)');
    IF op IS NULL THEN
      RAISE EXCEPTION 'invalid series selector "%": expected =, !=, =~ or !~ at "%"', selector, s
        USING ERRCODE = 'syntax_error';
    END IF;
    s := ltrim(substr(s, length(op) + 1), E' \t\n\r');
    q := left(s, 1);
    IF q = '`' THEN  -- raw string: no escapes
      raw := substring(s FROM '^`([^`]*)`');
      IF raw IS NULL THEN
        RAISE EXCEPTION 'invalid series selector "%": unterminated string', selector
          USING ERRCODE = 'syntax_error';
      END IF;
      value := raw;
      s := substr(s, length(raw) + 3);
    ELSIF q IN ('"', '''') THEN  -- Go-quoted string
      value := '';
      i := 2;
      LOOP
        c := substr(s, i, 1);
        IF c = '' THEN
          RAISE EXCEPTION 'invalid series selector "%": unterminated string', selector
            USING ERRCODE = 'syntax_error';
        ELSIF c = q THEN
          EXIT;
        ELSIF c = '\' THEN
          i := i + 1;
          c := substr(s, i, 1);
          CASE c
            WHEN '\', '"', '''' THEN value := value || c;
            WHEN 'n' THEN value := value || E'\n';
            WHEN 't' THEN value := value || E'\t';
            WHEN 'r' THEN value := value || E'\r';
            WHEN 'a' THEN value := value || chr(7);
            WHEN 'b' THEN value := value || chr(8);
            WHEN 'f' THEN value := value || chr(12);
            WHEN 'v' THEN value := value || chr(11);
            WHEN 'x' THEN
              value := value || chr(('x' || lpad(substr(s, i + 1, 2), 8, '0'))::bit(32)::int);
              i := i + 2;
            WHEN 'u' THEN
              value := value || chr(('x' || lpad(substr(s, i + 1, 4), 8, '0'))::bit(32)::int);
              i := i + 4;
            ELSE
              RAISE EXCEPTION 'invalid series selector "%": unknown escape sequence "\%"', selector, c
                USING ERRCODE = 'syntax_error';
          END CASE;
        ELSE
          value := value || c;
        END IF;
        i := i + 1;
      END LOOP;
      s := substr(s, i + 1);
    ELSE
      RAISE EXCEPTION 'invalid series selector "%": expected a quoted string at "%"', selector, s
        USING ERRCODE = 'syntax_error';
    END IF;
    RETURN NEXT;
    s := ltrim(s, E' \t\n\r');
    IF left(s, 1) = ',' THEN
      s := ltrim(substr(s, 2), E' \t\n\r');
    ELSIF left(s, 1) <> '}' THEN
      RAISE EXCEPTION 'invalid series selector "%": expected "," or "}" at "%"', selector, s
        USING ERRCODE = 'syntax_error';
    END IF;
  END LOOP;
  IF s <> '' THEN
    RAISE EXCEPTION 'invalid series selector "%": unexpected "%"', selector, s
      USING ERRCODE = 'syntax_error';
  END IF;
END
$fn$;

-- The WHERE clause that selects a selector's rows from a table shaped like observe.metrics.
-- Label equality becomes `labels @> '{"l":"v"}'` and the name `name = 'n'`: the predicates the
-- storage engine and a GIN index can use. Regexes are anchored and dot-all, as in Prometheus;
-- a missing label is the empty string. Like Prometheus, refuses a selector whose every matcher
-- matches the empty string (it would select everything by accident).
CREATE FUNCTION observe._selector_where(selector text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  m record;
  conds text[] := '{}';
  col text;
  re text;
  non_empty bool := false;
BEGIN
  IF selector IS NULL THEN
    RETURN 'true';
  END IF;
  FOR m IN SELECT * FROM observe._parse_selector(selector) LOOP
    col := CASE WHEN m.label = '__name__' THEN 'name'
                ELSE format('coalesce(labels->>%L, %L)', m.label, '') END;
    -- RE2's leading (?i) is common in Prometheus selectors; PostgreSQL takes embedded
    -- options only at the very start, so it goes before the anchor.
    re := coalesce(substring(m.value FROM '^\(\?i\)'), '')
          || '^(?:' || regexp_replace(m.value, '^\(\?i\)', '') || ')$';
    IF m.op = '=' AND m.label = '__name__' THEN
      conds := conds || format('name = %L', m.value);
    ELSIF m.op = '=' AND m.value <> '' THEN
      conds := conds || format('labels @> %L::jsonb', jsonb_build_object(m.label, m.value));
    ELSIF m.op = '=' THEN
      conds := conds || format('%s = %L', col, m.value);
    ELSIF m.op = '!=' THEN
      conds := conds || format('%s <> %L', col, m.value);
    ELSIF m.op = '=~' THEN
      conds := conds || format('%s ~ %L', col, re);
    ELSE
      conds := conds || format('%s !~ %L', col, re);
    END IF;
    non_empty := non_empty OR NOT CASE m.op WHEN '=' THEN m.value = ''
                                            WHEN '!=' THEN m.value <> ''
                                            WHEN '=~' THEN '' ~ re
                                            ELSE '' !~ re END;
  END LOOP;
  IF NOT non_empty THEN
    RAISE EXCEPTION 'series selector "%" must contain at least one matcher that does not match the empty string', selector
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Add the metric name or a label that every wanted series has, e.g. {job=~".+"}.';
  END IF;
  RETURN array_to_string(conds, ' AND ');
END
$fn$;

CREATE FUNCTION observe.label_values(label text, metric_match text DEFAULT NULL,
                                     source regclass DEFAULT 'observe.metrics')
  RETURNS SETOF text LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $fn$
BEGIN
  IF label IS NULL THEN
    RETURN;
  END IF;
  -- One text extraction per row and a hash of short texts: cheaper than DISTINCT over the
  -- jsonb label sets first. Sorted bytewise, as Prometheus sorts.
  RETURN QUERY EXECUTE format(
    'SELECT DISTINCT v COLLATE "C" FROM (SELECT %s AS v FROM %s WHERE %s) s '
    'WHERE v <> '''' ORDER BY 1',
    CASE WHEN label = '__name__' THEN 'name' ELSE format('labels->>%L', label) END,
    source, observe._selector_where(metric_match));
END
$fn$;
COMMENT ON FUNCTION observe.label_values(text, text, regclass) IS
  'sorted distinct values of a label (__name__: metric names) over the series a selector matches (NULL: all)';

CREATE FUNCTION observe.label_names(metric_match text DEFAULT NULL,
                                    source regclass DEFAULT 'observe.metrics')
  RETURNS SETOF text LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $fn$
BEGIN
  -- __name__ is a label of every series; a label with an empty value is no label.
  RETURN QUERY EXECUTE format(
    'SELECT k COLLATE "C" FROM ('
    '  (SELECT ''__name__'' AS k FROM %1$s WHERE %2$s LIMIT 1)'
    '  UNION'
    '  SELECT e.key FROM (SELECT DISTINCT labels FROM %1$s WHERE %2$s) s,'
    '                    jsonb_each_text(s.labels) e WHERE e.value <> '''''
    ') n ORDER BY 1',
    source, observe._selector_where(metric_match));
END
$fn$;
COMMENT ON FUNCTION observe.label_names(text, regclass) IS
  'sorted label names (with __name__) of the series a selector matches (NULL: all)';

-- The role a Grafana data source logs in through (created in 00_schema.sql): reads metrics,
-- logs and health, runs queries, changes nothing.
GRANT USAGE ON SCHEMA observe TO observe_reader;

-- What a dashboard reads, granted on what this version has (parts of the contract land in
-- later versions; the list is the contract's read side, nothing that writes).
DO $do$
DECLARE
  obj text;
BEGIN
  FOREACH obj IN ARRAY ARRAY['observe.metrics', 'observe.logs', 'observe.scrape_target_health']
  LOOP
    IF to_regclass(obj) IS NOT NULL THEN
      EXECUTE format('GRANT SELECT ON %s TO observe_reader', obj);
    END IF;
  END LOOP;
  FOR obj IN
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'observe'::regnamespace
       AND p.proname IN ('promql', 'promql_range', 'promql_range_series', 'logql', 'logql_range',
                         'logql_range_series', 'logql_instant', 'labels',
                         'label_names', 'label_values', 'storage_stats', 'stale_marker',
                         'is_stale', 'version')
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO observe_reader', obj);
  END LOOP;
END
$do$;
