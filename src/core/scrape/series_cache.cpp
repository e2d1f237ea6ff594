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
    for (const Entry::Text& t : e->texts)
      if (t.text == text) {
        e->order_text = t.text;
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
  e->texts.push_front(Entry::Text{std::string(text), type});
  by_text_[TextKey{e->texts.front().text, type}] = e;
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
  const uint64_t hash = series.hash();  // once: find, the Series and the map use it
  auto range = map_.equal_range(hash);
  for (auto it = range.first; it != range.second; ++it)
    if (it->second.series->interned == series) return &it->second;
  auto it = map_.emplace(hash, Entry{});
  it->second.series = std::make_shared<const Series>(series, hash);
  return &it->second;
}

std::vector<SeriesPtr> SeriesCache::stale_series() const {
  // Sorted by the interned label sets themselves: no label set copied (with churn a tenth of a
  // target's series end at every scrape).
  std::vector<SeriesPtr> out;
  for (const auto& kv : map_)
    if (kv.second.tracked == scrape_ - 1) out.push_back(kv.second.series);
  std::sort(out.begin(), out.end(), [](const SeriesPtr& a, const SeriesPtr& b) { return a->interned < b->interned; });
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
    // The entries that go, with their own texts (each text the entry's own in by_text_, as
    // add_text made it): no pass over every text of the target (with churn every scrape ends
    // some series).
    for (auto it = map_.begin(); it != map_.end();) {
      if (it->second.seen == scrape_) {
        ++it;
        continue;
      }
      for (const Entry::Text& t : it->second.texts) {
        auto bt = by_text_.find(TextKey{t.text, t.type});
        if (bt != by_text_.end() && bt->second == &it->second) by_text_.erase(bt);
      }
      it = map_.erase(it);
    }
  }
  if (success) successful_size_ = map_.size();
  ++scrape_;
}

}  // namespace observe::scrape
