// The series dictionary of an observe_ts table: series key (the key columns' datum images) ->
// series id, with each series' label set for matchers. Rows live in observe._ts_series; each
// backend caches them per storage id. Ids come from a sequence (never reused) and may commit out
// of order; a refresh reads the ids above a horizon below which nothing is in flight (see
// ts_series.cpp for the locks, docs/architecture.md for the reasoning).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/common/labels.h"
#include "core/common/matcher.h"
#include "pg/engine/layout.h"

namespace observe::pg {

struct SeriesEntry {
  int32_t id = 0;
  std::string key;  // key image
  Labels labels;
};

// Which key hashes a storage's series rows may have (a Bloom filter, 16 bits a series, 3
// probes: 0.5 % false positives): a key whose hash it does not hold has no row, so creating it
// needs no key lookup. It holds the hash of every row with an id up to seen_id, and is brought
// up to date under the creation mutex (ts_series.cpp: ids are allocated, and their rows
// inserted, only under that mutex, in increasing order). C memory (TopMemoryContext).
struct KeyHashFilter {
  uint64* bits = nullptr;
  uint64 mask = 0;       // bit count - 1 (a power of two)
  size_t added = 0, capacity = 0;
  int32 seen_id = 0;
  bool ready = false;
};

class SeriesDict {
 public:
  SeriesDict(Oid relid, Oid storage_id);
  ~SeriesDict();
  SeriesDict(const SeriesDict&) = delete;
  SeriesDict& operator=(const SeriesDict&) = delete;
  Oid relid() const { return relid_; }
  // Unique per dictionary instance in this backend (never 0). An id obtained from a
  // dictionary stays valid for its storage as long as ts_series_dict still returns the
  // instance with this serial: dictionaries are dropped when ids could be reused (an abort
  // that created series) or the table changed.
  uint64_t serial() const { return serial_; }
  // Whether `serial` was this dictionary's serial before series were removed (a lookup-only
  // dictionary outlives series garbage collection, note_series_removed): an id obtained then
  // is still valid if its series row is still there (ts_series_present).
  bool had_serial(uint64_t serial) const;
  // The table's series may have been removed (its relcache entry was invalidated): a
  // lookup-only dictionary forgets its keys, takes a new serial and keeps the old one in
  // had_serial; a full one returns false and must be dropped.
  bool note_series_removed();
  Oid storage_id() const { return storage_id_; }

  // The series id of a key image, creating the series when new. values/nulls are the key
  // columns' detoasted datums (full-width arrays indexed by attribute), used only to build a new
  // series' labels.
  int32_t lookup_or_create(const TsLayout& layout, const std::string& key, const Datum* values,
                           const bool* nulls);
  // The same for many keys at once (ids[i] for keys[i]): the series not cached are found or
  // created in one batch, under one hold of the creation lock (series creation batched: the
  // scrape worker's new series of a poll).
  struct NewKey {
    const std::string* key;
    const Datum* values;
    const bool* nulls;
    // The series' labels when the caller has them (observe.metrics' shape: the metric name and
    // the labels object), so they are not derived from the key columns again; nullptr: derived.
    const Labels* labels = nullptr;
  };
  void lookup_or_create_many(const TsLayout& layout, const NewKey* keys, size_t n, int32_t* ids);
  // The series of an id (loading new committed series if needed); nullptr if unknown.
  const SeriesEntry* get(int32_t id);
  // Every known series after a refresh, for scans that select series.
  const std::vector<std::unique_ptr<SeriesEntry>>& all();
  // Ids of the series whose labels match all matchers (label index for `=`).
  std::vector<int32_t> match(const Matchers& matchers);
  // The id of a cached series with exactly these labels, or -1 (no refresh, no creation).
  int32_t find_by_labels(const Labels& labels) const;
  // Cached series (entries, or keys of a lookup-only dictionary).
  size_t cached() const { return lookup_only_ ? keys_only_.size() : series_.size(); }

 private:
  void refresh();
  int32_t cached_id(const std::string& key) const;  // -1: not cached
  void create(const TsLayout& layout, const NewKey* keys, const std::vector<size_t>& todo, int32_t* ids);
  // A lookup-only dictionary becomes a full one (everything loaded on the next refresh).
  void make_full();
  SeriesEntry* add(int32_t id, std::string key, Labels labels);
  void add_key(int32_t id, const std::string& key);  // lookup-only
  void add_rows(const void* loaded);  // CSeriesRows (ts_series.cpp)
  static bool knows(void* self, int32_t id);
  static size_t entry_bytes(const SeriesEntry& e);
  // Past observe.series_dictionary_max_mb: forgets this dictionary (the cache's reference; the
  // memory goes when the caller's does) and throws a clear error, rather than letting the
  // backend grow until the kernel's OOM killer takes the whole server down.
  void check_memory_limit();

  Oid relid_, storage_id_;
  uint64_t serial_;
  std::vector<uint64_t> past_serials_;  // at most kPastSerials, oldest first
  // Every series with an id up to this one that will ever commit is cached: refresh reads above
  // it. Ids can commit out of order, so it only moves when no creation was in flight.
  int32_t horizon_ = 0;
  // See ts_series_set_lookup_only: key image -> id only, bounded, nothing else kept.
  bool lookup_only_ = false;
  // A lookup-only dictionary's series are mostly new to the table: their creation skips the
  // key lookup when this filter says no row has their hash.
  KeyHashFilter filter_;
  size_t max_keys_ = 0;
  std::unordered_map<std::string, int32_t> keys_only_;
  // Views into the entries' keys.
  std::unordered_map<std::string_view, int32_t> by_key_;
  std::vector<std::unique_ptr<SeriesEntry>> series_;  // any order
  std::unordered_map<int32_t, SeriesEntry*> by_id_;
  size_t bytes_ = 0;  // estimated heap bytes of the entries (observe.series_dictionary_max_mb)
  std::unordered_multimap<uint64_t, int32_t> by_labels_hash_;
  // label name -> value -> series ids, the label index that answers `=` matchers.
  std::unordered_map<std::string, std::unordered_map<std::string, std::vector<int32_t>>> postings_;
};

// The backend's dictionary of a storage id. Shared: an invalidation (which may arrive while a
// lookup takes a lock) only drops the cache's reference.
std::shared_ptr<SeriesDict> ts_series_dict(Oid relid, Oid storage_id);
// The scrape worker keeps each series' id with the series (scrape::StorageRef) and asks the
// dictionary only for series new to it: its dictionaries (made after this call) keep only key
// image -> id for at most `max_keys` series (all forgotten at once past that, then found again
// by key in observe._ts_series), and no label sets, label index or refresh of every series
// another backend created. A scan through such a dictionary (get, all, match) makes it a full
// one. 0: dictionaries are full (the default).
void ts_series_set_lookup_only(size_t max_keys);
// Forgets cached dictionaries (relcache invalidation, aborts that created series).
void ts_series_invalidate_relid(Oid relid);
void ts_series_invalidate_storage(Oid storage_id);
// The relcache callback: the table changed, or series garbage collection removed some of its
// series (ts_series_gc invalidates the table's relcache entry, and every backend processes it
// before it can lock the table to write). Full dictionaries of the table are dropped;
// lookup-only ones (the scrape worker's) forget their keys and change serial, and the ids their
// users obtained before are checked for presence instead of looked up again: ids come from the
// sequence, never given twice, so a present id still names its series (an install without the
// sequence drops them too).
void ts_series_relcache_invalidated(Oid relid);
// Called at (sub)transaction abort: forgets the dictionaries the aborting (sub)transaction
// added series to, since their new entries name rows that no longer exist.
void ts_series_on_abort();
void ts_series_on_commit();

// Key image of a row: for each key column a null flag and its bytes (varlena payload with a
// length, fixed-width bytes, cstring). `values` must be detoasted.
void ts_key_image(const TsLayout& layout, const Datum* values, const bool* nulls, std::string& out);
// The key columns' datums from a key image, allocated in `context` (values/nulls full-width).
void ts_key_datums(const TsLayout& layout, std::string_view key, Datum* values, bool* nulls,
                   MemoryContext context);

// Allocates without ever ereporting: throws std::bad_alloc instead.
void* ts_alloc(MemoryContext context, size_t size);

}  // namespace observe::pg
