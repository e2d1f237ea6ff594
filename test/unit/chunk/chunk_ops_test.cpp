#include "core/chunk/chunk_ops.h"

#include <gtest/gtest.h>

#include "chunk_test_util.h"
#include "core/common/error.h"

namespace observe::chunk {
namespace {

TEST(ChunkOps, AppendMergesRowsAndNulls) {
  ChunkData a = testing::mixed_chunk(50, 1);
  ChunkData b = testing::mixed_chunk(30, 2);
  b.columns[3].nulls.clear();  // one side without a bitmap
  ChunkData m;
  append_rows(m, a);
  append_rows(m, b);
  ASSERT_EQ(m.times.size(), 80u);
  for (size_t c = 0; c < 4; ++c) {
    ASSERT_EQ(m.columns[c].size(), 80u);
    EXPECT_TRUE(testing::same_column(slice_rows(m, 0, 50).columns[c], a.columns[c])) << c;
    EXPECT_TRUE(testing::same_column(slice_rows(m, 50, 80).columns[c], b.columns[c])) << c;
  }
  // Round-trips through the format.
  ChunkData got = decode(encode(m));
  for (size_t c = 0; c < 4; ++c) EXPECT_TRUE(testing::same_column(got.columns[c], m.columns[c]));
}

TEST(ChunkOps, AppendRejectsOtherShapes) {
  ChunkData a = testing::mixed_chunk(5, 1);
  ChunkData b = testing::mixed_chunk(5, 2);
  b.columns.pop_back();
  EXPECT_THROW(append_rows(a, b), Error);
  ChunkData c = testing::mixed_chunk(5, 3);
  c.columns[0].kind = ColumnKind::kInt64;
  c.columns[0].ints.assign(5, 1);
  EXPECT_THROW(append_rows(a, c), Error);
}

TEST(ChunkOps, StableSortByTime) {
  ChunkData d;
  d.times = {30, 10, 20, 10, 30};
  Column v = testing::col(ColumnKind::kInt64);
  v.ints = {0, 1, 2, 3, 4};
  v.nulls = {false, true, false, false, false};
  Column s = testing::col(ColumnKind::kBytes);
  s.bytes = {"a", "b", "c", "d", "e"};
  d.columns = {v, s};
  EXPECT_FALSE(is_time_sorted(d));
  sort_by_time(d);
  EXPECT_TRUE(is_time_sorted(d));
  EXPECT_EQ(d.times, (std::vector<int64_t>{10, 10, 20, 30, 30}));
  EXPECT_EQ(d.columns[0].ints, (std::vector<int64_t>{1, 3, 2, 0, 4}));
  EXPECT_EQ(d.columns[0].nulls, (std::vector<bool>{true, false, false, false, false}));
  EXPECT_EQ(d.columns[1].bytes, (std::vector<std::string>{"b", "d", "c", "a", "e"}));
}

TEST(ChunkOps, RawSize) {
  ChunkData d;
  d.times = {1, 2, 3};
  Column f = testing::float_col({1, 2, 3});
  f.nulls = {false, true, false};
  Column s = testing::col(ColumnKind::kBytes);
  s.bytes = {"ab", "", "cde"};
  Column b = testing::col(ColumnKind::kBool);
  b.ints = {1, 0, 1};
  d.columns = {f, s, b};
  EXPECT_EQ(raw_size(d), 3 * 8 + 2 * 8 + 5 + 3u);
}

TEST(ChunkOps, SliceClamps) {
  ChunkData d = testing::mixed_chunk(10, 4);
  EXPECT_EQ(slice_rows(d, 8, 100).times.size(), 2u);
  EXPECT_EQ(slice_rows(d, 20, 30).times.size(), 0u);
  EXPECT_EQ(slice_rows(d, 20, 30).columns.size(), 4u);
}

}  // namespace
}  // namespace observe::chunk
