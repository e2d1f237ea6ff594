#include "pg/engine/scan.h"

#include "pg/border/border.h"
#include "pg/engine/header_cache.h"
#include "pg/engine/internal.h"
#include "pg/engine/pg_engine_headers.h"

#include <algorithm>
#include <unordered_map>

extern "C" {
#include "access/heaptoast.h"
}

namespace observe::pg {

bool ts_summary_ruled_out(const std::vector<TsContainsTest>& tests, const chunk::ChunkSummary& summary) {
  for (const TsContainsTest& t : tests) {
    if (t.any_of.empty() || t.column < 0 || static_cast<size_t>(t.column) >= summary.columns.size()) continue;
    bool may = false;
    for (const std::string& needle : t.any_of)
      if (chunk::may_contain(summary.columns[t.column], needle, t.case_insensitive)) {
        may = true;
        break;
      }
    if (!may) return true;
  }
  return false;
}

bool ts_chunk_ruled_out(const std::vector<TsContainsTest>& tests, std::string_view chunk_bytes) {
  if (tests.empty()) return false;
  return ts_summary_ruled_out(tests, chunk::peek(chunk_bytes));
}

// A log chunk's header with its filter (at most 5.7 % of the line payload, or the floor of
// chunk_format.cpp: ~8 KB for ~4 MiB of raw lines) is read as a slice of the chunk's TOAST
// value, of the length the previous chunk's header needed plus a quarter (a backend's chunks
// are mostly of one table and of similar sizes), rounded up to whole TOAST chunks (~2 KB, what
// a slice reads anyway); if that is short, the parse says how long the filter is and the
// exact slice is read. A fixed 16 KiB slice read about twice the TOAST chunks needed.
static size_t g_header_guess = 16 * 1024;

static int32 toast_round_up(size_t n) {
  constexpr size_t kToast = TOAST_MAX_CHUNK_SIZE;
  n = std::max<size_t>(n, kToast);
  n = std::min<size_t>(n, size_t{64} << 20);
  return static_cast<int32>((n + kToast - 1) / kToast * kToast);
}

// The headers read, by TOAST value: a backend that runs needles again (a dashboard's pooled
// connection, a person refining a search) tests the filters without reading a TOAST row. A
// TOAST value is never changed in place: its (TOAST relation, value id) names the same bytes
// while it exists (a rewritten chunk is a new value; a rewrite of the table keeps the value ids
// with the same bytes), and the key holds the value's sizes too, so only a value id reused after
// the OID counter wrapped, at the same sizes, could meet a stale entry. Bounded by
// kHeaderCacheBytes (emptied when full); header parse failures are not kept.
struct HeaderKey {
  Oid toastrelid, valueid;
  int32 rawsize;
  uint32 extinfo;
  bool operator==(const HeaderKey& o) const {
    return toastrelid == o.toastrelid && valueid == o.valueid && rawsize == o.rawsize && extinfo == o.extinfo;
  }
};
struct HeaderKeyHash {
  size_t operator()(const HeaderKey& k) const {
    uint64_t h = (uint64_t{k.toastrelid} << 32 | k.valueid) * 0x9e3779b97f4a7c15ULL;
    return static_cast<size_t>(h ^ (h >> 29) ^ (static_cast<uint64_t>(static_cast<uint32>(k.rawsize)) * 0xc2b2ae3d27d4eb4fULL));
  }
};
static constexpr size_t kHeaderCacheBytes = size_t{32} << 20;
static std::unordered_map<HeaderKey, chunk::ChunkSummary, HeaderKeyHash>* g_header_cache = nullptr;
static size_t g_header_cache_bytes = 0;

static size_t summary_bytes(const chunk::ChunkSummary& s) {
  size_t n = 128;
  for (const chunk::ColumnSummary& c : s.columns) n += sizeof(c) + c.token_filter.size();
  return n;
}

static void remember_header(const HeaderKey& key, chunk::ChunkSummary summary) {
  const size_t bytes = summary_bytes(summary);
  if (g_header_cache == nullptr) g_header_cache = new std::unordered_map<HeaderKey, chunk::ChunkSummary, HeaderKeyHash>();
  if (g_header_cache_bytes + bytes > kHeaderCacheBytes) {
    g_header_cache->clear();
    g_header_cache_bytes = 0;
  }
  if (g_header_cache->emplace(key, std::move(summary)).second) g_header_cache_bytes += bytes;
}

// The tests on a header's filters as peek_filters gives them (views, no copy).
static bool filters_ruled_out(const std::vector<TsContainsTest>& tests, const std::vector<std::string_view>& filters) {
  for (const TsContainsTest& t : tests) {
    if (t.any_of.empty() || t.column < 0 || static_cast<size_t>(t.column) >= filters.size()) continue;
    bool may = false;
    for (const std::string& needle : t.any_of)
      if (chunk::filter_may_contain(filters[t.column], needle, t.case_insensitive)) {
        may = true;
        break;
      }
    if (!may) return true;
  }
  return false;
}

// ts_header_cache_test's callback: 1 ruled out, 0 not, -1 not decided here (a header that does
// not parse: the TOAST slice is read as if it were not cached).
struct SharedHeaderTest {
  const std::vector<TsContainsTest>* tests;
  std::vector<std::string_view>* filters;
};
static int test_shared_header(std::string_view header, void* arg) noexcept {
  const auto* t = static_cast<const SharedHeaderTest*>(arg);
  try {
    if (!chunk::peek_filters(header, t->filters)) return -1;
    return filters_ruled_out(*t->tests, *t->filters) ? 1 : 0;
  } catch (...) {  // bad_alloc of the views' vector, a corrupt filter: decided elsewhere
    return -1;
  }
}

bool ts_chunk_header_ruled_out(const std::vector<TsContainsTest>& tests, Datum data) {
  if (tests.empty()) return false;
  HeaderKey key{InvalidOid, InvalidOid, 0, 0};
  const struct varlena* attr = reinterpret_cast<const struct varlena*>(DatumGetPointer(data));
  if (VARATT_IS_EXTERNAL_ONDISK(attr)) {
    struct varatt_external ptr;
    VARATT_EXTERNAL_GET_POINTER(ptr, attr);
    key = HeaderKey{ptr.va_toastrelid, ptr.va_valueid, ptr.va_rawsize, ptr.va_extinfo};
    if (g_header_cache != nullptr) {
      auto it = g_header_cache->find(key);
      if (it != g_header_cache->end()) return ts_summary_ruled_out(tests, it->second);
    }
    // Another backend may have read it: the server-wide cache (header_cache.h), tested where it
    // lies. Not copied into this backend's cache: the next query tests it there again.
    static std::vector<std::string_view>* views = new std::vector<std::string_view>();
    const HeaderCacheKey shared_key{MyDatabaseId, key.toastrelid, key.valueid, key.rawsize, key.extinfo};
    SharedHeaderTest arg{&tests, views};
    const int shared = pg_guard([&] { return ts_header_cache_test(shared_key, test_shared_header, &arg); });
    if (shared >= 0) return shared == 1;
  }
  MemoryContext tmp = nullptr;
  pg_guard([&] { tmp = AllocSetContextCreate(CurrentMemoryContext, "observe chunk header", ALLOCSET_SMALL_SIZES); });
  bool out = false;
  try {
    int32 slice = toast_round_up(g_header_guess + g_header_guess / 4);
    for (int attempt = 0; attempt < 3; ++attempt) {
      bytea* head = pg_guard([&] {
        MemoryContext old = MemoryContextSwitchTo(tmp);
        bytea* d = ts_chunk_data_slice(data, slice);
        MemoryContextSwitchTo(old);
        return d;
      });
      const size_t got = VARSIZE_ANY_EXHDR(head);
      chunk::ChunkSummary summary;
      size_t need = 0;
      if (chunk::peek_prefix(std::string_view(VARDATA_ANY(head), got), &summary, &need)) {
        g_header_guess = need;
        out = ts_summary_ruled_out(tests, summary);
        if (OidIsValid(key.valueid)) {
          const HeaderCacheKey shared_key{MyDatabaseId, key.toastrelid, key.valueid, key.rawsize, key.extinfo};
          const char* head_bytes = VARDATA_ANY(head);
          const size_t head_length = need > 0 && need <= got ? need : got;
          pg_guard([&] { ts_header_cache_put(shared_key, head_bytes, head_length); });
          remember_header(key, std::move(summary));
        }
        break;
      }
      if (got < static_cast<size_t>(slice)) break;  // the whole chunk, and no header: corrupt
      // Longer: what the filter needs, else (cut short before it) four times as much.
      const int32 next = toast_round_up(need > static_cast<size_t>(slice) ? need : static_cast<size_t>(slice) * 4);
      if (next <= slice) break;
      slice = next;
    }
  } catch (...) {
    pg_guard([tmp] { MemoryContextDelete(tmp); });
    throw;
  }
  pg_guard([tmp] { MemoryContextDelete(tmp); });
  return out;
}

}  // namespace observe::pg
