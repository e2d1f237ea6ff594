#include "core/scrape/series_cache.h"

#include <algorithm>

namespace observe::scrape {

SeriesCache::Entry* SeriesCache::find(const Labels& series) {
  auto it = map_.find(series);
  return it == map_.end() ? nullptr : &it->second;
}

SeriesCache::Entry* SeriesCache::insert(const Labels& series) { return &map_[series]; }

std::vector<Labels> SeriesCache::stale_series() const {
  std::vector<Labels> out;
  for (const auto& [labels, e] : map_)
    if (e.tracked == scrape_ - 1) out.push_back(labels);
  std::sort(out.begin(), out.end());
  return out;
}

void SeriesCache::end_scrape(bool success) {
  bool flush = success || map_.size() > successful_size_ * 2 + 1000;
  if (flush) {
    for (auto it = map_.begin(); it != map_.end();) {
      if (it->second.seen != scrape_)
        it = map_.erase(it);
      else
        ++it;
    }
  }
  if (success) successful_size_ = map_.size();
  ++scrape_;
}

}  // namespace observe::scrape
