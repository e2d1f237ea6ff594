// A server-wide cache of chunk headers (their token filters and zone maps), in shared memory:
// the first needle of a new connection tests every chunk's filter without reading a TOAST row
// of a chunk any backend has read since the server started. Sized by
// observe.chunk_header_cache (kB, set at server start; 0: off); filled by the backends'
// header reads (contains_test.cpp), emptied when full, never written to disk.
//
// Entries are keyed by the database and the chunk's TOAST pointer (TOAST relation, value id,
// raw and external sizes), as the per-backend cache: a TOAST value never changes in place, so a
// key names the same bytes while the value exists.
#pragma once

#include <string>

#include "pg/border/pg_headers.h"

namespace observe::pg {

struct HeaderCacheKey {
  Oid database;
  Oid toastrelid;
  Oid valueid;
  int32 rawsize;
  uint32 extinfo;
};

// Called from _PG_init (ts_am_init): the setting, and the shared memory hooks when the library
// is preloaded (without preloading the cache is off).
void ts_header_cache_init();

// The header bytes stored for `key` into `out`: false if absent (or the cache is off). May
// ereport (no C++ object with a destructor is live in it; call inside pg_guard).
bool ts_header_cache_get(const HeaderCacheKey& key, std::string* out);

// Stores the header bytes for `key` (at most a quarter of the cache; ignored if larger or if
// the cache is off). May ereport; call inside pg_guard.
void ts_header_cache_put(const HeaderCacheKey& key, const char* bytes, size_t length);

}  // namespace observe::pg
