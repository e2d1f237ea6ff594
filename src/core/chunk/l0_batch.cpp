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
  it->second.used = ++clock_;
  return it->second.dir;
}

static size_t cost_of(const BatchDirectory& d) { return d.entries.size() + kDirectoryOverheadEntries; }

// Drops the least recently used directories until at most `target` entries are held.
void BatchDirectoryCache::evict_to(size_t target) {
  if (held_ <= target) return;
  std::vector<std::pair<uint64_t, const BatchKey*>> by_use;
  by_use.reserve(map_.size());
  for (const auto& [k, slot] : map_) by_use.emplace_back(slot.used, &k);
  std::sort(by_use.begin(), by_use.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<BatchKey> gone;
  size_t held = held_;
  for (const auto& [used, k] : by_use) {
    if (held <= target) break;
    held -= cost_of(*map_.find(*k)->second.dir);
    gone.push_back(*k);
  }
  for (const BatchKey& k : gone) map_.erase(k);
  held_ = held;
}

std::shared_ptr<const BatchDirectory> BatchDirectoryCache::parse_and_put(const BatchKey& key,
                                                                         std::string_view bytes) {
  auto dir = std::make_shared<BatchDirectory>();
  parse_batch_directory(bytes, dir.get());
  size_t cost = cost_of(*dir);
  if (cost > max_entries_) return dir;
  auto old = map_.find(key);
  if (old != map_.end()) {
    held_ -= cost_of(*old->second.dir);
    map_.erase(old);
  }
  if (held_ + cost > max_entries_) evict_to(std::min(max_entries_ - cost, max_entries_ / 4 * 3));
  map_.emplace(key, Slot{dir, ++clock_});
  held_ += cost;
  return dir;
}

void BatchDirectoryCache::clear() {
  map_.clear();
  held_ = 0;
}

}  // namespace observe::chunk
