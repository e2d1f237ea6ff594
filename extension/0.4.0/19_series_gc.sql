-- Series garbage collection on its own (issue 18): the next slice of the unused series that the
-- calling process's kept scan found (a new scan when it has none), without compacting first.
-- The maintenance worker calls it after a compaction while slices are left.
CREATE FUNCTION observe.series_gc(tbl regclass) RETURNS bigint
  AS 'MODULE_PATHNAME', 'observe_ts_series_gc' LANGUAGE C STRICT;
COMMENT ON FUNCTION observe.series_gc(regclass) IS
  'removes the next observe.series_gc_slice series without chunks (as compaction does at its end); returns how many';
