#include "core/chunk/l0_batch.h"

#include <algorithm>
#include <cstring>

#include "core/chunk/chunk.h"
#include "core/common/error.h"

namespace observe::chunk {

namespace {

constexpr char kBatchMagic[4] = {'O', 'T', 'B', '1'};
// What a cached directory costs beyond its entries, in entries (the map node, the list node,
// the shared block).
constexpr size_t kDirectoryOverheadEntries = 8;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

[[noreturn]] void corrupt(const char* what) {
  throw Error(ErrorKind::kDataException, std::string("corrupt observe_ts L0 batch (") + what + ")");
}

uint64_t get_varint(const char* p, const char* end, const char** next) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end) corrupt("truncated");
    uint8_t b = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *next = p;
      return v;
    }
  }
  corrupt("varint");
}

}  // namespace

void BatchDirectory::select(const std::vector<int32_t>& wanted, int64_t min_time, int64_t max_time,
                            std::vector<const BatchEntry*>* out, uint64_t* skipped) const {
  // Few wanted series against many entries: binary search from the last position.
  auto it = entries.begin();
  for (int32_t id : wanted) {
    it = std::lower_bound(it, entries.end(), id, [](const BatchEntry& e, int32_t v) { return e.series_id < v; });
    if (it == entries.end()) return;
    if (it->series_id != id || it->max_time < min_time) continue;
    if (it->min_time > max_time) {
      (*skipped)++;
      continue;
    }
    out->push_back(&*it);
  }
}

void parse_batch_directory(std::string_view bytes, BatchDirectory* out) {
  out->entries.clear();
  if (bytes.size() < 12 || bytes.substr(0, 4) != std::string_view(kBatchMagic, 4)) corrupt("header");
  const char* p = bytes.data() + 4;
  const char* end = bytes.data() + bytes.size();
  uint64_t n = get_varint(p, end, &p);
  if (n > kMaxRows) corrupt("entries");
  if (end - p < 8) corrupt("truncated");
  uint64_t base;
  std::memcpy(&base, p, 8);
  p += 8;
  out->entries.reserve(n);
  uint64_t id = 0, row = 0;
  for (uint64_t i = 0; i < n; i++) {
    id += get_varint(p, end, &p);
    uint64_t rows = get_varint(p, end, &p);
    uint64_t min = base + get_varint(p, end, &p);  // unsigned: wraps like the writer's
    uint64_t max = min + get_varint(p, end, &p);
    if (id > static_cast<uint64_t>(INT32_MAX) || rows == 0 || row + rows > kMaxRows) corrupt("directory");
    out->entries.push_back(BatchEntry{static_cast<int32_t>(id), static_cast<uint32_t>(row),
                                      static_cast<uint32_t>(row + rows), static_cast<int64_t>(min),
                                      static_cast<int64_t>(max)});
    row += rows;
  }
  out->chunk_offset = static_cast<size_t>(p - bytes.data());
  out->total_size = bytes.size();
}

BatchDirectoryWriter::BatchDirectoryWriter(size_t series, int64_t base_time)
    : out_(kBatchMagic, 4), base_(static_cast<uint64_t>(base_time)) {
  put_varint(out_, series);
  out_.append(reinterpret_cast<const char*>(&base_), 8);
}

void BatchDirectoryWriter::add_series(int32_t id, size_t rows, int64_t first_time, int64_t last_time) {
  put_varint(out_, static_cast<uint64_t>(id - prev_id_));
  prev_id_ = id;
  put_varint(out_, rows);
  uint64_t smin = static_cast<uint64_t>(first_time), smax = static_cast<uint64_t>(last_time);
  put_varint(out_, smin - base_);
  put_varint(out_, smax - smin);
}

bool BatchKey::operator==(const BatchKey& o) const {
  return db == o.db && relfilenode == o.relfilenode && block == o.block && offset == o.offset && xmin == o.xmin &&
         min_time == o.min_time && max_time == o.max_time && rows == o.rows && stored_size == o.stored_size;
}

size_t BatchKeyHash::operator()(const BatchKey& k) const {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  mix(k.db);
  mix(k.relfilenode);
  mix((static_cast<uint64_t>(k.block) << 16) | k.offset);
  mix(k.xmin);
  mix(static_cast<uint64_t>(k.max_time));
  return static_cast<size_t>(h ^ (h >> 29));
}

std::shared_ptr<const BatchDirectory> BatchDirectoryCache::find(const BatchKey& key) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    misses_++;
    return nullptr;
  }
  hits_++;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

std::shared_ptr<const BatchDirectory> BatchDirectoryCache::parse_and_put(const BatchKey& key,
                                                                         std::string_view bytes) {
  auto dir = std::make_shared<BatchDirectory>();
  parse_batch_directory(bytes, dir.get());
  size_t cost = dir->entries.size() + kDirectoryOverheadEntries;
  if (cost > max_entries_) return dir;
  auto old = map_.find(key);
  if (old != map_.end()) {
    held_ -= old->second->second->entries.size() + kDirectoryOverheadEntries;
    lru_.erase(old->second);
    map_.erase(old);
  }
  while (held_ + cost > max_entries_ && !lru_.empty()) {
    held_ -= lru_.back().second->entries.size() + kDirectoryOverheadEntries;
    map_.erase(lru_.back().first);
    lru_.pop_back();
  }
  lru_.emplace_front(key, dir);
  map_.emplace(key, lru_.begin());
  held_ += cost;
  return dir;
}

void BatchDirectoryCache::clear() {
  map_.clear();
  lru_.clear();
  held_ = 0;
}

}  // namespace observe::chunk
