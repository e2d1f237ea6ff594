#include "core/chunk/l0_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "core/common/error.h"

namespace observe::chunk {
namespace {

// A batch as written by every version so far (OTB1): two series, ids 5 and 8, then the
// chunk bytes "XYZ" (opaque here).
std::string golden_batch() {
  std::string b("OTB1", 4);
  b.push_back(2);                                              // n
  const char base[8] = {static_cast<char>(0xe8), 0x03, 0, 0, 0, 0, 0, 0};  // 1000, little-endian
  b.append(base, 8);
  b += std::string{5, 2, 0, 10};  // id 5, 2 rows, [1000, 1010]
  b += std::string{3, 1, 20, 0};  // id 8, 1 row, [1020, 1020]
  b += "XYZ";
  return b;
}

TEST(L0Batch, ParsesTheStoredFormat) {
  std::string bytes = golden_batch();
  BatchDirectory d;
  parse_batch_directory(bytes, &d);
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(d.entries[0].series_id, 5);
  EXPECT_EQ(d.entries[0].begin, 0u);
  EXPECT_EQ(d.entries[0].end, 2u);
  EXPECT_EQ(d.entries[0].min_time, 1000);
  EXPECT_EQ(d.entries[0].max_time, 1010);
  EXPECT_EQ(d.entries[1].series_id, 8);
  EXPECT_EQ(d.entries[1].begin, 2u);
  EXPECT_EQ(d.entries[1].end, 3u);
  EXPECT_EQ(d.entries[1].min_time, 1020);
  EXPECT_EQ(d.entries[1].max_time, 1020);
  EXPECT_EQ(bytes.substr(d.chunk_offset), "XYZ");
  EXPECT_EQ(d.total_size, bytes.size());
}

TEST(L0Batch, WriterWritesTheStoredFormat) {
  BatchDirectoryWriter w(2, 1000);
  w.add_series(5, 2, 1000, 1010);
  w.add_series(8, 1, 1020, 1020);
  w.bytes() += "XYZ";
  EXPECT_EQ(w.bytes(), golden_batch());
}

TEST(L0Batch, RoundTripsLargeIdsAndNegativeTimes) {
  BatchDirectoryWriter w(3, -5000000000LL);
  w.add_series(1, 1, -5000000000LL, -4000000000LL);
  w.add_series(70000, 300, -10, 5);
  w.add_series(2000000000, 2, 1LL << 40, (1LL << 40) + 7);
  BatchDirectory d;
  parse_batch_directory(w.bytes(), &d);
  ASSERT_EQ(d.entries.size(), 3u);
  EXPECT_EQ(d.entries[1].series_id, 70000);
  EXPECT_EQ(d.entries[1].begin, 1u);
  EXPECT_EQ(d.entries[1].end, 301u);
  EXPECT_EQ(d.entries[1].min_time, -10);
  EXPECT_EQ(d.entries[2].series_id, 2000000000);
  EXPECT_EQ(d.entries[2].max_time, (1LL << 40) + 7);
  EXPECT_EQ(d.entries[0].min_time, -5000000000LL);
  EXPECT_EQ(d.chunk_offset, w.bytes().size());
}

TEST(L0Batch, RejectsCorruptBatches) {
  BatchDirectory d;
  std::string good = golden_batch();
  EXPECT_THROW(parse_batch_directory("OTB2" + good.substr(4), &d), Error);
  EXPECT_THROW(parse_batch_directory(good.substr(0, 15), &d), Error);  // directory cut short
  std::string zero_rows = good;
  zero_rows[14] = 0;
  EXPECT_THROW(parse_batch_directory(zero_rows, &d), Error);
  std::string endless = good.substr(0, 13) + std::string(12, static_cast<char>(0xff));
  EXPECT_THROW(parse_batch_directory(endless, &d), Error);
}

TEST(L0Batch, SelectFindsWantedSeriesInRange) {
  BatchDirectoryWriter w(4, 0);
  w.add_series(2, 1, 0, 0);
  w.add_series(4, 1, 100, 100);
  w.add_series(6, 1, 200, 200);
  w.add_series(9, 1, 50, 60);
  BatchDirectory d;
  parse_batch_directory(w.bytes(), &d);
  std::vector<const BatchEntry*> out;
  uint64_t skipped = 0;
  d.select({1, 4, 6, 9, 10}, 55, 150, &out, &skipped);
  ASSERT_EQ(out.size(), 2u);  // 4 (in range) and 9 (overlaps); 6 starts after the range
  EXPECT_EQ(out[0]->series_id, 4);
  EXPECT_EQ(out[1]->series_id, 9);
  EXPECT_EQ(skipped, 1u);
  out.clear();
  d.select({2}, 1, 10, &out, &skipped);  // ends before the range: neither a hit nor skipped
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(skipped, 1u);
}

BatchKey key_at(uint32_t block, uint16_t offset, uint32_t xmin) {
  BatchKey k;
  k.db = 1;
  k.relfilenode = 16384;
  k.block = block;
  k.offset = offset;
  k.xmin = xmin;
  k.rows = 3;
  return k;
}

TEST(L0Batch, CacheKeysByRowVersion) {
  BatchDirectoryCache cache(1000);
  std::string bytes = golden_batch();
  EXPECT_EQ(cache.find(key_at(1, 1, 100)), nullptr);
  auto d = cache.parse_and_put(key_at(1, 1, 100), bytes);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(cache.find(key_at(1, 1, 100)), d);
  // The same place written by another transaction, or another place: not this directory.
  EXPECT_EQ(cache.find(key_at(1, 1, 101)), nullptr);
  EXPECT_EQ(cache.find(key_at(1, 2, 100)), nullptr);
  BatchKey other_file = key_at(1, 1, 100);
  other_file.relfilenode = 16385;
  EXPECT_EQ(cache.find(other_file), nullptr);
  BatchKey other_rows = key_at(1, 1, 100);
  other_rows.rows = 4;
  EXPECT_EQ(cache.find(other_rows), nullptr);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_THROW(cache.parse_and_put(key_at(2, 1, 100), "OTB1"), Error);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(L0Batch, CacheStaysWithinItsBudget) {
  std::string bytes = golden_batch();  // 2 entries + overhead each
  BatchDirectoryCache cache(50);
  for (uint16_t i = 1; i <= 20; i++) cache.parse_and_put(key_at(1, i, 7), bytes);
  EXPECT_LE(cache.entries(), 50u);
  EXPECT_GT(cache.size(), 0u);
  EXPECT_LT(cache.size(), 20u);
  // The most recent stay, the oldest went.
  EXPECT_NE(cache.find(key_at(1, 20, 7)), nullptr);
  EXPECT_EQ(cache.find(key_at(1, 1, 7)), nullptr);
  // A use keeps a directory from being dropped next.
  size_t kept = cache.size();
  uint16_t oldest = static_cast<uint16_t>(20 - kept + 1);
  ASSERT_NE(cache.find(key_at(1, oldest, 7)), nullptr);
  uint16_t next = 21;
  size_t before;
  do {  // until a put drops directories
    before = cache.size();
    cache.parse_and_put(key_at(1, next++, 7), bytes);
    EXPECT_LE(cache.entries(), 50u);
  } while (cache.size() > before && next < 100);
  EXPECT_NE(cache.find(key_at(1, oldest, 7)), nullptr);
  EXPECT_EQ(cache.find(key_at(1, oldest + 1, 7)), nullptr);
  // A directory bigger than the budget is returned, not kept.
  BatchDirectoryCache tiny(5);
  EXPECT_NE(tiny.parse_and_put(key_at(1, 1, 7), bytes), nullptr);
  EXPECT_EQ(tiny.size(), 0u);
  cache.clear();
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.find(key_at(1, 20, 7)), nullptr);
}

}  // namespace
}  // namespace observe::chunk
