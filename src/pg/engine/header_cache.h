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
#include <string_view>

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

// Runs `test` on the header bytes stored for `key` where they lie in shared memory, under the
// cache's shared lock (no copy into the backend: a new backend's first needle copied every
// chunk's filter into fresh memory of its own). -1 if absent or the cache is off, else what
// `test` returned. `test` must not throw, ereport or call PostgreSQL (it runs under an LWLock);
// it should be short (a token filter's probes). May ereport itself; call inside pg_guard.
int ts_header_cache_test(const HeaderCacheKey& key, int (*test)(std::string_view header, void* arg) noexcept,
                         void* arg);

// Stores the header bytes for `key` (at most a quarter of the cache; ignored if larger or if
// the cache is off). May ereport; call inside pg_guard.
void ts_header_cache_put(const HeaderCacheKey& key, const char* bytes, size_t length);

}  // namespace observe::pg
