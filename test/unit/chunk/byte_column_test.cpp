#include "core/chunk/byte_column.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/chunk/chunk.h"
#include "core/chunk/chunk_ops.h"

namespace observe::chunk {
namespace {

std::vector<std::string> values_of(const ByteColumn& c) {
  std::vector<std::string> out;
  for (std::string_view v : c) out.emplace_back(v);
  return out;
}

TEST(ByteColumn, AppendsValuesIntoOneBuffer) {
  ByteColumn c;
  EXPECT_TRUE(c.empty());
  c.push_back("GET /a");
  c.emplace_back();  // an empty value (a null row's slot)
  c.emplace_back("x\0y", 3);  // embedded NUL kept
  std::string big(1 << 20, 'z');
  c.push_back(big);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0], "GET /a");
  EXPECT_EQ(c[1], "");
  EXPECT_EQ(c[2], std::string_view("x\0y", 3));
  EXPECT_EQ(c[3], big);
  EXPECT_EQ(c.back(), big);
  EXPECT_EQ(c.data_size(), 6u + 3u + big.size());
  EXPECT_EQ(std::string_view(c.data()), "GET /a" + std::string("x\0y", 3) + big);
  EXPECT_EQ(c.begin_of(2), 6u);
  EXPECT_EQ(c.end_of(2), 9u);
  c.clear();
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.data_size(), 0u);
}

TEST(ByteColumn, AppendSliceAndAssign) {
  ByteColumn a{"one", "", "three", "four"};
  ByteColumn b{"x"};
  b.append(a, 1, 3);
  EXPECT_EQ(values_of(b), (std::vector<std::string>{"x", "", "three"}));
  b.append(a);
  EXPECT_EQ(values_of(b), (std::vector<std::string>{"x", "", "three", "one", "", "three", "four"}));
  b.append(a, 2, 2);  // empty range
  EXPECT_EQ(b.size(), 7u);
  ByteColumn s;
  s.assign(a, 2, 4);
  EXPECT_EQ(values_of(s), (std::vector<std::string>{"three", "four"}));
  EXPECT_EQ(s.data(), "threefour");
  s.assign(3, "ab");
  EXPECT_EQ(values_of(s), (std::vector<std::string>{"ab", "ab", "ab"}));
}

TEST(ByteColumn, GatherReordersRows) {
  ByteColumn a{"a", "bb", "", "dddd"};
  ByteColumn g;
  g.gather_from(a, std::vector<size_t>{3, 0, 2, 0, 1});
  EXPECT_EQ(values_of(g), (std::vector<std::string>{"dddd", "a", "", "a", "bb"}));
  g.gather_from(a, std::vector<uint32_t>{});
  EXPECT_TRUE(g.empty());
}

TEST(ByteColumn, EqualityComparesValues) {
  ByteColumn a{"ab", "c"};
  ByteColumn b{"a", "bc"};  // the same bytes, other boundaries
  EXPECT_NE(a, b);
  ByteColumn c;
  c.push_back("ab");
  c.push_back("c");
  EXPECT_EQ(a, c);
  EXPECT_EQ(a, ByteColumn(std::vector<std::string>{"ab", "c"}));
}

TEST(ByteColumn, FromConcatenatedLines) {
  ByteColumn c;
  // A decoder's buffer may hold more than its lines: only the lines are taken.
  c.assign_concatenated("abcdefXX", std::vector<uint32_t>{2, 2, 6});
  EXPECT_EQ(values_of(c), (std::vector<std::string>{"ab", "", "cdef"}));
  EXPECT_EQ(c, (ByteColumn{"ab", "", "cdef"}));
  codec::LogLines l;
  l.data = "stale bytes of an earlier chunk";
  l.ends = {1, 2, 3, 4, 5};
  to_log_lines(c, l);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l.line(0), "ab");
  EXPECT_EQ(l.line(1), "");
  EXPECT_EQ(l.line(2), "cdef");
}

// Through the chunk: values, nulls and order survive encode/decode, sorting and slicing, for
// the plain, dictionary and log-lines codecs.
TEST(ByteColumn, RoundTripsThroughChunks) {
  std::mt19937 rng(7);
  for (int codec = 0; codec < 3; ++codec) {
    ChunkData d;
    Column c;
    c.kind = ColumnKind::kBytes;
    if (codec == 2) c.log_level = 3;
    std::vector<std::string> want;
    const int n = 3000;
    c.nulls.assign(n, false);
    for (int i = 0; i < n; ++i) {
      d.times.push_back(static_cast<int64_t>(rng() % 100000));
      std::string v = codec == 1 ? "level=" + std::to_string(rng() % 5)
                                 : "line " + std::to_string(rng()) + std::string(rng() % 50, 'q');
      if (rng() % 10 == 0) {
        c.nulls[i] = true;
        v.clear();
      }
      want.push_back(v);
      c.bytes.push_back(v);
    }
    d.columns.push_back(c);
    ChunkData back = decode(encode(d));
    ASSERT_EQ(back.columns[0].bytes.size(), static_cast<size_t>(n));
    EXPECT_EQ(values_of(back.columns[0].bytes), want) << codec;
    EXPECT_EQ(back.columns[0].nulls, c.nulls);

    // Sorting by time moves each value with its time.
    ChunkData sorted = d;
    sort_by_time(sorted);
    for (size_t i = 0; i < sorted.times.size(); ++i) {
      auto it = std::find(d.times.begin(), d.times.end(), sorted.times[i]);
      ASSERT_NE(it, d.times.end());
    }
    std::vector<std::pair<int64_t, std::string>> pairs, got;
    for (int i = 0; i < n; ++i) pairs.emplace_back(d.times[i], want[i]);
    std::stable_sort(pairs.begin(), pairs.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < sorted.times.size(); ++i)
      got.emplace_back(sorted.times[i], std::string(sorted.columns[0].bytes[i]));
    EXPECT_EQ(got, pairs);

    ChunkData part = slice_rows(d, 100, 200);
    ASSERT_EQ(part.columns[0].bytes.size(), 100u);
    for (size_t i = 0; i < 100; ++i) EXPECT_EQ(part.columns[0].bytes[i], want[100 + i]);
    ChunkData joined = part;
    append_rows(joined, slice_rows(d, 200, 300));
    for (size_t i = 0; i < 200; ++i) EXPECT_EQ(joined.columns[0].bytes[i], want[100 + i]);
  }
}


// The write buffer hands a written column's buffers to the stream's next rows: the capacity
// moves, the values do not, and a column given buffers holding old bytes starts empty.
TEST(ByteColumn, BuffersMoveWithTheirCapacity) {
  ByteColumn c;
  for (int i = 0; i < 1000; ++i) c.push_back("line " + std::to_string(i));
  const size_t cap = c.capacity_bytes();
  ASSERT_GE(cap, c.data_size() + 1000 * sizeof(uint64_t));
  codec::ByteBuffer data;
  std::vector<uint64_t> ends;
  c.release_buffers(data, ends);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.data_size(), 0u);
  EXPECT_GE(data.capacity() + ends.capacity() * sizeof(uint64_t), cap);
  ByteColumn d;
  d.adopt_buffers(std::move(data), std::move(ends));
  EXPECT_TRUE(d.empty());
  EXPECT_GE(d.capacity_bytes(), cap);
  d.push_back("a");
  d.emplace_back();
  d.push_back("bc");
  EXPECT_EQ(values_of(d), (std::vector<std::string>{"a", "", "bc"}));
  EXPECT_EQ(d, (ByteColumn{"a", "", "bc"}));
}

}  // namespace
}  // namespace observe::chunk
