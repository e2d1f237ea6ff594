// The directory of an observe_ts "L0 batch" (many series' few rows in one chunk row, see
// src/pg/engine/chunks.h), and a bounded cache of parsed directories.
//
// Format: "OTB1", varint n, int64 base time (little-endian image), n directory entries
// (varints: series id delta, rows, min time - base, max time - min time; ids ascending), then
// one chunk (chunk::encode) of all rows, series by series in directory order.
//
// A query for a few series reads every batch that overlaps its time range; parsing each
// batch's directory again for every query was most of the cost of PromQL over a table with
// many uncompacted batches. A batch row is never changed in place (written once, deleted by
// compaction or retention), so its parsed directory can be kept under the identity of the
// stored row version (BatchKey) and used again by later queries: which rows are visible is
// still decided by the scan's snapshot, the cache only answers "what is inside this row".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace observe::chunk {

struct BatchEntry {
  int32_t series_id;
  uint32_t begin, end;  // rows [begin, end) of the batch's chunk
  int64_t min_time, max_time;
};

struct BatchDirectory {
  std::vector<BatchEntry> entries;  // ascending series ids
  size_t chunk_offset = 0;          // where the chunk starts in the batch's bytes
  size_t total_size = 0;            // bytes of the whole batch

  // The entries of `wanted` (ascending ids) whose time range meets [min_time, max_time],
  // appended to `out`; `skipped` counts wanted entries outside the range.
  void select(const std::vector<int32_t>& wanted, int64_t min_time, int64_t max_time,
              std::vector<const BatchEntry*>* out, uint64_t* skipped) const;
};

// Parses a batch's directory; throws Error(kDataException) if corrupt.
void parse_batch_directory(std::string_view bytes, BatchDirectory* out);

// Writes a batch's header and directory (then the caller appends the chunk).
class BatchDirectoryWriter {
 public:
  BatchDirectoryWriter(size_t series, int64_t base_time);
  void add_series(int32_t id, size_t rows, int64_t first_time, int64_t last_time);
  std::string& bytes() { return out_; }

 private:
  std::string out_;
  uint64_t base_;
  int64_t prev_id_ = 0;
};

// The identity of one stored version of a batch row: the heap file, the tuple's place in it and
// the transaction that wrote it (a slot is reused only after the old version is dead to every
// transaction, by another (sub)transaction), plus the row's metadata as a further check.
struct BatchKey {
  uint32_t db = 0, relfilenode = 0;
  uint32_t block = 0;
  uint16_t offset = 0;
  uint32_t xmin = 0;
  int64_t min_time = 0, max_time = 0;
  int32_t rows = 0;
  uint64_t stored_size = 0;
  bool operator==(const BatchKey& o) const;
};
struct BatchKeyHash {
  size_t operator()(const BatchKey& k) const;
};

// Parsed directories by BatchKey. Once the entries held exceed `max_entries` (a directory entry
// is 32 bytes), the least recently used directories go until a quarter of the budget is free
// (a use stamps the directory; no list is relinked on every hit, the lookup is one probe).
class BatchDirectoryCache {
 public:
  explicit BatchDirectoryCache(size_t max_entries) : max_entries_(max_entries) {}
  // The cached directory, or null.
  std::shared_ptr<const BatchDirectory> find(const BatchKey& key);
  // Parses `bytes` (throws if corrupt), caches and returns the directory. A directory larger
  // than the whole budget is returned without being kept.
  std::shared_ptr<const BatchDirectory> parse_and_put(const BatchKey& key, std::string_view bytes);
  void clear();
  // A smaller budget drops the least recently used directories at the next parse_and_put.
  void set_max_entries(size_t n) { max_entries_ = n; }
  size_t entries() const { return held_; }
  size_t size() const { return map_.size(); }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  struct Slot {
    std::shared_ptr<const BatchDirectory> dir;
    uint64_t used;  // clock_ at the last find or put
  };
  void evict_to(size_t target);
  size_t max_entries_;
  size_t held_ = 0;
  uint64_t clock_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
  std::unordered_map<BatchKey, Slot, BatchKeyHash> map_;
};

}  // namespace observe::chunk
