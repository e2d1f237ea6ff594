// The series of one target across scrapes, as Prometheus's scrapeCache keeps them: which were
// seen (for scrape_series_added and duplicate detection) and which take part in staleness
// (for the markers written when a series disappears).
//
// Like Prometheus's cache, entries are also found by the sample's exposition text (the raw
// `name{...}` bytes and its family's type), so that a steady-state scrape neither builds a
// label set nor hashes one: the text maps to the series resolved (target labels attached,
// exported_ renames, le/quantile normalised) when it was first seen. Several texts may map to
// one series (label order, an empty label, `le="1"` vs `le="1.0"`); duplicates and staleness
// stay decided by the final label set, as before.
#pragma once

#include <cstdint>
#include <forward_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/common/labels.h"
#include "core/scrape/sample.h"

namespace observe::scrape {

class SeriesCache {
 public:
  struct Entry {
    SeriesPtr series;
    uint64_t seen = 0;     // the scrape that last saw the series
    uint64_t tracked = 0;  // the scrape in which it last counted for staleness
    // Exposition texts (with their family type) that resolve to it (stable storage).
    struct Text {
      std::string text;
      uint8_t type;
    };
    std::forward_list<Text> texts;
    // The payload order of the last scrape: the text this entry was found by and the entry
    // resolved after it (see find_text).
    std::string_view order_text;
    uint8_t order_type = 0;
    Entry* next = nullptr;
  };

  // The entry an exposition text (with its family type) resolved to, or nullptr. Targets
  // expose their series in the same order scrape after scrape: the entry that followed the
  // previous one in the last scrape is tried first (one comparison, no hashing).
  Entry* find_text(std::string_view text, uint8_t type);
  // Remembers that `text` resolves to `e`.
  void add_text(Entry* e, std::string_view text, uint8_t type);
  // The sample just handled resolved to `e` by `text` (for the order prediction).
  void resolved(Entry* e, std::string_view text, uint8_t type);
  // Forgets every text (the label rules changed); entries stay.
  void forget_texts();

  // The series' entry, or nullptr if it is not cached.
  Entry* find(const Labels& series);
  Entry* insert(Labels series);

  bool seen_in_this_scrape(const Entry& e) const { return e.seen == scrape_; }
  void mark_seen(Entry* e) { e->seen = scrape_; }
  // A sample without an explicit timestamp was written: the series takes part in staleness.
  void track(Entry* e) { e->tracked = scrape_; }

  // Series tracked in the previous scrape and not in this one: they need a stale marker.
  // Sorted by labels, so the output does not depend on hash order.
  std::vector<SeriesPtr> stale_series() const;

  // Closes this scrape. A successful scrape flushes series it did not see; a failed one keeps
  // them (their markers are written now, their cache entries stay until the next success),
  // unless the cache has grown past twice the last successful size plus 1000, as Prometheus.
  void end_scrape(bool success);

  size_t size() const { return map_.size(); }
  size_t texts() const { return by_text_.size(); }

 private:
  struct TextKey {
    std::string_view text;
    uint8_t type;
    bool operator==(const TextKey& o) const { return type == o.type && text == o.text; }
  };
  struct TextHash {
    size_t operator()(const TextKey& k) const {
      return std::hash<std::string_view>()(k.text) ^ (static_cast<size_t>(k.type) * 0x9e3779b97f4a7c15ull);
    }
  };

  // Keyed by the hash of the entry's label set (Series::hash); entries of one hash are told
  // apart by their labels.
  std::unordered_multimap<uint64_t, Entry> map_;
  // Keyed by views into the entries' `texts`.
  std::unordered_map<TextKey, Entry*, TextHash> by_text_;
  Entry* first_ = nullptr;      // the first entry resolved in the last scrape
  Entry* last_ = nullptr;       // the entry resolved last in this scrape
  Entry* predicted_ = nullptr;  // the entry expected next
  uint64_t scrape_ = 2;  // 0 means "never"; scrape_ - 1 is the previous scrape
  size_t successful_size_ = 0;
};

}  // namespace observe::scrape
