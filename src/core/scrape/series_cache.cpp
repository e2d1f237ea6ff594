#include "core/scrape/series_cache.h"

#include <algorithm>
#include <utility>

namespace observe::scrape {

SeriesCache::Entry* SeriesCache::find_text(std::string_view text, uint8_t type) {
  Entry* p = last_ == nullptr ? first_ : predicted_;
  if (p != nullptr && p->order_type == type && p->order_text == text) return p;
  auto it = by_text_.find(TextKey{text, type});
  return it == by_text_.end() ? nullptr : it->second;
}

void SeriesCache::resolved(Entry* e, std::string_view text, uint8_t type) {
  // The view must point into the entry's own texts, which live as long as it does.
  if (e->order_text != text) {
    e->order_text = {};
    for (const std::string& t : e->texts)
      if (t == text) {
        e->order_text = t;
        break;
      }
  }
  e->order_type = type;
  if (last_ == nullptr)
    first_ = e;
  else
    last_->next = e;
  predicted_ = e->next;
  last_ = e;
}

void SeriesCache::add_text(Entry* e, std::string_view text, uint8_t type) {
  e->texts.emplace_front(text);
  by_text_[TextKey{e->texts.front(), type}] = e;
}

void SeriesCache::forget_texts() {
  by_text_.clear();
  for (auto& kv : map_) {
    kv.second.texts.clear();
    kv.second.order_text = {};
    kv.second.next = nullptr;
  }
  first_ = last_ = predicted_ = nullptr;
}

SeriesCache::Entry* SeriesCache::find(const Labels& series) {
  auto range = map_.equal_range(series.hash());
  for (auto it = range.first; it != range.second; ++it)
    if (it->second.series->interned == series) return &it->second;
  return nullptr;
}

SeriesCache::Entry* SeriesCache::insert(Labels series) {
  if (Entry* e = find(series)) return e;
  SeriesPtr s = make_series(series);
  auto it = map_.emplace(s->hash, Entry{});
  it->second.series = std::move(s);
  return &it->second;
}

std::vector<SeriesPtr> SeriesCache::stale_series() const {
  std::vector<std::pair<Labels, SeriesPtr>> stale;
  for (const auto& kv : map_)
    if (kv.second.tracked == scrape_ - 1) stale.emplace_back(kv.second.series->labels(), kv.second.series);
  std::sort(stale.begin(), stale.end(),
            [](const std::pair<Labels, SeriesPtr>& a, const std::pair<Labels, SeriesPtr>& b) { return a.first < b.first; });
  std::vector<SeriesPtr> out;
  out.reserve(stale.size());
  for (auto& s : stale) out.push_back(std::move(s.second));
  return out;
}

void SeriesCache::end_scrape(bool success) {
  // Every `next` set in this scrape points to an entry seen in it (never flushed below); the
  // last one's may be older.
  if (last_ != nullptr) last_->next = nullptr;
  else first_ = nullptr;
  last_ = predicted_ = nullptr;
  bool flush = success || map_.size() > successful_size_ * 2 + 1000;
  if (flush) {
    // Texts of the entries that go, in one pass over the text index.
    bool any = false;
    for (auto& kv : map_)
      if (kv.second.seen != scrape_) {
        any = true;
        break;
      }
    if (any) {
      for (auto it = by_text_.begin(); it != by_text_.end();) {
        if (it->second->seen != scrape_)
          it = by_text_.erase(it);
        else
          ++it;
      }
      for (auto it = map_.begin(); it != map_.end();) {
        if (it->second.seen != scrape_)
          it = map_.erase(it);
        else
          ++it;
      }
    }
  }
  if (success) successful_size_ = map_.size();
  ++scrape_;
}

}  // namespace observe::scrape
