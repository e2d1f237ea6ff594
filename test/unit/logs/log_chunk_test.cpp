// Log lines stored in the chunk format: a bytes column with the log codec,
// ns times, optional metadata, and the case-folded filter within its budget.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/chunk/chunk.h"
#include "core/common/error.h"
#include "log_test_util.h"

namespace observe::chunk {
namespace {

ChunkData log_chunk(const std::vector<std::string>& lines, bool with_metadata) {
  ChunkData d;
  for (size_t i = 0; i < lines.size(); ++i)
    d.times.push_back(1796520833886320570 + static_cast<int64_t>(i / 3) * 1000);  // µs ties
  Column c;
  c.kind = ColumnKind::kBytes;
  c.bytes = lines;
  c.token_filter = true;
  c.token_filter_fold_case = true;
  c.token_filter_budget = 0.05;
  c.log_level = 3;
  d.columns.push_back(c);
  if (with_metadata) {
    Column m;
    m.kind = ColumnKind::kBytes;
    m.nulls.resize(lines.size(), true);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i % 5 != 0) {
        m.bytes.emplace_back();
        continue;
      }
      m.bytes.push_back("{\"trace_id\":\"" + std::to_string(i * 977) + "\"}");
      m.nulls[i] = false;
    }
    d.columns.push_back(m);
  }
  return d;
}

TEST(LogChunk, RoundTripWithFilterAndMetadata) {
  auto lines = testing::sample_log_lines(4000, 9);
  ChunkData d = log_chunk(lines, true);
  std::string e = encode(d);
  ChunkData back = decode(e);
  EXPECT_EQ(back.times, d.times);
  EXPECT_EQ(back.columns[0].bytes, lines);
  EXPECT_EQ(back.columns[1].bytes, d.columns[1].bytes);
  EXPECT_EQ(back.columns[1].nulls, d.columns[1].nulls);
  codec::LogLines fast;
  decode_lines(e, 0, fast);
  ASSERT_EQ(fast.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(fast.line(i), lines[i]);
  // Metadata: the non-null values, in row order.
  decode_lines(e, 1, fast);
  EXPECT_EQ(fast.size(), 800u);
  EXPECT_EQ(fast.line(1), d.columns[1].bytes[5]);

  ChunkSummary s = peek(e);
  const ColumnSummary& c = s.columns[0];
  // Within 5 % of the chunk, or the floor of a short chunk: min(4 KiB, half the payload).
  EXPECT_LE(c.token_filter.size(), std::max<size_t>(e.size() / 20 + 9, std::min<size_t>(4096, e.size() / 2)));
  EXPECT_TRUE(may_contain(c, "ApacheBench"));
  EXPECT_TRUE(may_contain(c, "APACHEBENCH", true));
  EXPECT_TRUE(may_contain(c, "traceback (MOST", true));
  EXPECT_FALSE(may_contain(c, "no such needle anywhere"));
  EXPECT_FALSE(may_contain(c, "NO SUCH NEEDLE ANYWHERE", true));
  EXPECT_THROW(decode_lines(e, 2, fast), Error);
}

TEST(LogChunk, LogCodecChosenForLogShapes) {
  auto lines = testing::sample_log_lines(4000, 10);
  ChunkData with = log_chunk(lines, false), without = with;
  without.columns[0].log_level = 0;
  EXPECT_LT(encode(with).size(), encode(without).size());
}

TEST(LogChunk, EmptyAndSingleLine) {
  for (size_t n : {0, 1}) {
    auto lines = testing::sample_log_lines(n, 1);
    std::string e = encode(log_chunk(lines, false));
    EXPECT_EQ(decode(e).columns[0].bytes, lines);
    codec::LogLines fast;
    decode_lines(e, 0, fast);
    EXPECT_EQ(fast.size(), n);
  }
}

TEST(LogChunk, CorruptChunksThrowDataException) {
  std::string e = encode(log_chunk(testing::sample_log_lines(300, 2), true));
  for (size_t n = 0; n < e.size(); n += 7) {
    std::string_view t(e.data(), n);
    codec::LogLines fast;
    try {
      decode_lines(t, 0, fast);
    } catch (const Error& err) {
      ASSERT_EQ(err.kind(), ErrorKind::kDataException) << err.what();
    }
  }
}

}  // namespace
}  // namespace observe::chunk
