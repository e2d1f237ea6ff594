// The series of one target across scrapes, as Prometheus's scrapeCache keeps them: which were
// seen (for scrape_series_added and duplicate detection) and which take part in staleness
// (for the markers written when a series disappears).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/common/labels.h"

namespace observe::scrape {

class SeriesCache {
 public:
  struct Entry {
    uint64_t seen = 0;     // the scrape that last saw the series
    uint64_t tracked = 0;  // the scrape in which it last counted for staleness
  };

  // The series' entry, or nullptr if it is not cached.
  Entry* find(const Labels& series);
  Entry* insert(const Labels& series);

  bool seen_in_this_scrape(const Entry& e) const { return e.seen == scrape_; }
  void mark_seen(Entry* e) { e->seen = scrape_; }
  // A sample without an explicit timestamp was written: the series takes part in staleness.
  void track(Entry* e) { e->tracked = scrape_; }

  // Series tracked in the previous scrape and not in this one: they need a stale marker.
  // Sorted, so the output does not depend on hash order.
  std::vector<Labels> stale_series() const;

  // Closes this scrape. A successful scrape flushes series it did not see; a failed one keeps
  // them (their markers are written now, their cache entries stay until the next success),
  // unless the cache has grown past twice the last successful size plus 1000, as Prometheus.
  void end_scrape(bool success);

  size_t size() const { return map_.size(); }

 private:
  struct Hash {
    size_t operator()(const Labels& l) const { return static_cast<size_t>(l.hash()); }
  };
  std::unordered_map<Labels, Entry, Hash> map_;
  uint64_t scrape_ = 2;  // 0 means "never"; scrape_ - 1 is the previous scrape
  size_t successful_size_ = 0;
};

}  // namespace observe::scrape
