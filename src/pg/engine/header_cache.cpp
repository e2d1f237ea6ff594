#include "pg/engine/header_cache.h"

#include <cstring>

#include "pg/engine/pg_engine_headers.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wregister"
extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
}
#pragma GCC diagnostic pop

// Border: the functions here hold no C++ object with a destructor while they call PostgreSQL
// (the caller's std::string is only resized and written between calls), so an ereport may pass.

namespace observe::pg {

namespace {

int g_cache_kb = 16 * 1024;

// The arena of header bytes: entries are appended at `used`; when the next one does not fit,
// the table and the arena are emptied (headers are re-read from TOAST and put back).
struct SharedState {
  LWLock* lock;
  Size arena_bytes;
  Size used;
  uint64 resets;
  char arena[FLEXIBLE_ARRAY_MEMBER];
};

struct Entry {
  HeaderCacheKey key;  // the hash key: first
  Size offset;
  uint32 length;
};

SharedState* g_state = nullptr;
HTAB* g_table = nullptr;
shmem_request_hook_type prev_shmem_request = nullptr;
shmem_startup_hook_type prev_shmem_startup = nullptr;

Size arena_bytes() { return static_cast<Size>(g_cache_kb) * 1024; }
// Headers of log chunks are ~4-9 KB; a table slot for every 2 KB of arena.
long max_entries() { return static_cast<long>(Max(arena_bytes() / 2048, Size{64})); }
Size state_bytes() { return add_size(offsetof(SharedState, arena), arena_bytes()); }

void shmem_request() {
  if (prev_shmem_request != nullptr) prev_shmem_request();
  if (g_cache_kb <= 0) return;
  RequestAddinShmemSpace(add_size(state_bytes(), hash_estimate_size(max_entries(), sizeof(Entry))));
  RequestNamedLWLockTranche("observe chunk headers", 1);
}

void shmem_startup() {
  if (prev_shmem_startup != nullptr) prev_shmem_startup();
  if (g_cache_kb <= 0) return;
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  bool found = false;
  g_state = static_cast<SharedState*>(ShmemInitStruct("observe chunk headers", state_bytes(), &found));
  if (!found) {
    g_state->lock = &(GetNamedLWLockTranche("observe chunk headers"))->lock;
    g_state->arena_bytes = arena_bytes();
    g_state->used = 0;
    g_state->resets = 0;
  }
  HASHCTL info;
  memset(&info, 0, sizeof info);
  info.keysize = sizeof(HeaderCacheKey);
  info.entrysize = sizeof(Entry);
  g_table = ShmemInitHash("observe chunk header index", max_entries(), max_entries(), &info,
                          HASH_ELEM | HASH_BLOBS);
  LWLockRelease(AddinShmemInitLock);
}

// Empties the table and the arena (the exclusive lock held).
void reset_locked() {
  HASH_SEQ_STATUS seq;
  hash_seq_init(&seq, g_table);
  Entry* e;
  while ((e = static_cast<Entry*>(hash_seq_search(&seq))) != nullptr)
    hash_search(g_table, &e->key, HASH_REMOVE, nullptr);
  g_state->used = 0;
  g_state->resets++;
}

HeaderCacheKey clean_key(const HeaderCacheKey& key) {
  HeaderCacheKey k;
  memset(&k, 0, sizeof k);  // no padding bytes in the hashed blob (there are none, but keep it so)
  k.database = key.database;
  k.toastrelid = key.toastrelid;
  k.valueid = key.valueid;
  k.rawsize = key.rawsize;
  k.extinfo = key.extinfo;
  return k;
}

}  // namespace

void ts_header_cache_init() {
  DefineCustomIntVariable(
      "observe.chunk_header_cache",
      "Shared memory for the headers (token filters, zone maps) of chunks read by line filters.",
      "Every backend's needle queries test the chunk filters kept here without reading them from "
      "TOAST again, so the first query of a new connection is as fast as a repeated one. Only "
      "with pg_observe in shared_preload_libraries; 0 turns it off.",
      &g_cache_kb, 16 * 1024, 0, 1024 * 1024, PGC_POSTMASTER, GUC_UNIT_KB, nullptr, nullptr, nullptr);
  if (!process_shared_preload_libraries_in_progress) return;
  prev_shmem_request = shmem_request_hook;
  shmem_request_hook = shmem_request;
  prev_shmem_startup = shmem_startup_hook;
  shmem_startup_hook = shmem_startup;
}

int ts_header_cache_test(const HeaderCacheKey& key, int (*test)(std::string_view header, void* arg) noexcept,
                         void* arg) {
  if (g_state == nullptr || g_table == nullptr) return -1;
  const HeaderCacheKey k = clean_key(key);
  int result = -1;
  LWLockAcquire(g_state->lock, LW_SHARED);
  auto* e = static_cast<Entry*>(hash_search(g_table, &k, HASH_FIND, nullptr));
  if (e != nullptr && e->offset + e->length <= g_state->used)
    result = test(std::string_view(g_state->arena + e->offset, e->length), arg);
  LWLockRelease(g_state->lock);
  return result;
}

void ts_header_cache_put(const HeaderCacheKey& key, const char* bytes, size_t length) {
  if (g_state == nullptr || g_table == nullptr || length == 0) return;
  if (length > g_state->arena_bytes / 4) return;
  const HeaderCacheKey k = clean_key(key);
  LWLockAcquire(g_state->lock, LW_EXCLUSIVE);
  bool found = false;
  (void)hash_search(g_table, &k, HASH_FIND, &found);
  if (!found) {
    const Size need = MAXALIGN(length);
    if (g_state->used + need > g_state->arena_bytes) reset_locked();
    auto* e = static_cast<Entry*>(hash_search(g_table, &k, HASH_ENTER_NULL, &found));
    if (e == nullptr) {  // every slot taken: start over
      reset_locked();
      e = static_cast<Entry*>(hash_search(g_table, &k, HASH_ENTER_NULL, &found));
    }
    if (e != nullptr) {
      memcpy(g_state->arena + g_state->used, bytes, length);
      e->offset = g_state->used;
      e->length = static_cast<uint32>(length);
      g_state->used += need;
    }
  }
  LWLockRelease(g_state->lock);
}

}  // namespace observe::pg
