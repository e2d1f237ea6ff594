#include <gtest/gtest.h>

#include "chunk_test_util.h"
#include "core/chunk/header.h"
#include "core/common/error.h"

namespace observe::chunk {
namespace {

TEST(ChunkReader, DecodesOnlyWhatIsAskedFor) {
  ChunkData d = testing::mixed_chunk(400, 3);
  std::string enc = encode(d);
  // Garble column 2's payload: reading the others must still work.
  detail::Header h = detail::parse_header(enc);
  size_t off = static_cast<size_t>(h.payloads[2].data() - enc.data());
  for (size_t i = 0; i < h.payloads[2].size(); ++i) enc[off + i] = static_cast<char>(0xff);

  ChunkReader r(enc);
  EXPECT_EQ(r.rows(), 400u);
  EXPECT_EQ(r.summary().columns.size(), 4u);
  EXPECT_EQ(r.times(), d.times);
  EXPECT_TRUE(testing::same_column(r.column(0), d.columns[0]));
  EXPECT_TRUE(testing::same_column(r.column(3), d.columns[3]));
  EXPECT_THROW(r.column(2), Error);
  EXPECT_THROW(r.column(4), Error);
  // Cached: the same object comes back.
  EXPECT_EQ(&r.column(0), &r.column(0));
  ChunkReader moved = std::move(r);
  EXPECT_EQ(moved.times(), d.times);
}

// decode_into reuses the vectors and value buffers of the chunk decoded before (a scan decodes
// chunk after chunk into one ChunkData): whatever was there, it gives what decode() gives, for
// log-lines columns (whose buffer is handed to the log codec) and plain ones, with and without
// nulls, longer and shorter chunks, and columns not wanted.
TEST(ChunkReader, DecodeIntoReusesBuffersAndEqualsDecode) {
  auto log_chunk = [](size_t rows, bool with_null, uint64_t seed) {
    ChunkData d;
    for (size_t i = 0; i < rows; ++i) d.times.push_back(static_cast<int64_t>(1000 + i));
    Column l;
    l.kind = ColumnKind::kBytes;
    l.token_filter = true;
    l.log_level = 3;
    for (size_t i = 0; i < rows; ++i)
      l.bytes.push_back("GET /api/v1/orders/" + std::to_string(seed * 1000 + i) + " HTTP/1.1 200 " +
                        std::string(i % 37, 'x'));
    if (with_null) {
      l.nulls.assign(rows, false);
      l.nulls[rows / 2] = true;
    }
    Column v;
    v.kind = ColumnKind::kFloat64;
    for (size_t i = 0; i < rows; ++i) v.floats.push_back(static_cast<double>(i) * 0.5);
    d.columns = {l, v};
    return d;
  };
  std::vector<std::string> encoded = {encode(log_chunk(3000, false, 1)), encode(testing::mixed_chunk(400, 3)),
                                      encode(log_chunk(200, true, 2)), encode(log_chunk(5000, false, 3)),
                                      encode(log_chunk(10, false, 4)), encode(testing::mixed_chunk(50, 9))};
  ChunkData into;
  for (const std::vector<bool>& wanted : {std::vector<bool>{}, std::vector<bool>{true, false},
                                          std::vector<bool>{false, true, false, true}}) {
    for (size_t k = 0; k < 2 * encoded.size(); ++k) {
      const std::string& enc = encoded[(k * 5) % encoded.size()];
      ChunkData fresh = decode(enc, wanted);
      decode_into(enc, wanted, into);
      ASSERT_EQ(into.times, fresh.times);
      ASSERT_EQ(into.columns.size(), fresh.columns.size());
      for (size_t c = 0; c < fresh.columns.size(); ++c) {
        EXPECT_EQ(into.columns[c].kind, fresh.columns[c].kind);
        EXPECT_EQ(into.columns[c].token_filter, fresh.columns[c].token_filter);
        EXPECT_TRUE(testing::same_column(into.columns[c], fresh.columns[c])) << "chunk " << k << " column " << c;
      }
    }
  }
}

TEST(ChunkReader, HeaderTimeRangeMustCoverTimes) {
  ChunkData d;
  d.times = {100, 200, 300};
  d.columns.push_back(testing::float_col({1, 2, 3}));
  std::string enc = encode(d);
  // Bytes 5-6 are the span max_time - min_time = 200 (varint c8 01); make it 150.
  ASSERT_EQ(static_cast<uint8_t>(enc[5]), 0xc8);
  enc[5] = static_cast<char>(0x96);
  ChunkReader r(enc);
  EXPECT_EQ(r.summary().max_time, 250);
  EXPECT_THROW(r.times(), Error);
}

TEST(ChunkReader, RowRange) {
  std::vector<int64_t> t = {10, 20, 20, 30, 40};
  EXPECT_EQ(row_range(t, 20, 30), (std::pair<size_t, size_t>(1, 4)));
  EXPECT_EQ(row_range(t, 0, 5), (std::pair<size_t, size_t>(0, 0)));
  EXPECT_EQ(row_range(t, 41, 50), (std::pair<size_t, size_t>(5, 5)));
  EXPECT_EQ(row_range(t, INT64_MIN, INT64_MAX), (std::pair<size_t, size_t>(0, 5)));
}

}  // namespace
}  // namespace observe::chunk

namespace observe::chunk {
namespace {

TEST(ChunkTokenFilter, PeekAnswersLineFilters) {
  ChunkData d;
  Column lines = testing::col(ColumnKind::kBytes);
  lines.token_filter = true;
  for (int i = 0; i < 1000; ++i) {
    d.times.push_back(i);
    // Row 10 is null: the value stored under it must not be indexed.
    lines.bytes.push_back(i == 10 ? std::string("panic: this null row must not be indexed")
                                  : "level=info msg=\"GET /api/v1/series " + std::to_string(i) + "\" status=200");
  }
  lines.nulls.assign(1000, false);
  lines.nulls[10] = true;
  d.columns.push_back(lines);
  Column plain = lines;
  plain.token_filter = false;
  d.columns.push_back(plain);
  std::string enc = encode(d);
  ChunkSummary s = peek(enc);
  EXPECT_FALSE(s.columns[0].token_filter.empty());
  EXPECT_TRUE(s.columns[1].token_filter.empty());
  EXPECT_TRUE(may_contain(s.columns[0], "GET /api"));
  EXPECT_TRUE(may_contain(s.columns[0], "series 999\""));
  EXPECT_FALSE(may_contain(s.columns[0], "status=500"));
  EXPECT_FALSE(may_contain(s.columns[0], "panic"));
  EXPECT_TRUE(may_contain(s.columns[1], "status=500"));  // no filter: cannot exclude
  ChunkData got = decode(enc);
  EXPECT_TRUE(testing::same_column(got.columns[0], lines));
  // Decode -> encode (compaction) keeps the filter.
  EXPECT_TRUE(got.columns[0].token_filter);
  EXPECT_FALSE(got.columns[1].token_filter);
  EXPECT_FALSE(may_contain(peek(encode(got)).columns[0], "status=500"));
}

// peek_prefix (a TOAST slice of a chunk): false while the header and its filters are cut short,
// then the same summary as peek() whatever follows, payloads included or not.
TEST(ChunkTokenFilter, PeekPrefixReadsTheHeaderOnly) {
  ChunkData d;
  Column lines = testing::col(ColumnKind::kBytes);
  lines.token_filter = true;
  lines.token_filter_fold_case = true;
  lines.token_filter_budget = 0.057;
  for (int i = 0; i < 3000; ++i) {
    d.times.push_back(i);
    lines.bytes.push_back("GET /api/v1/orders/" + std::to_string(100000 + i * 7) + " session_id=6b14bb84." +
                          std::to_string(i % 97) + " status=200");
  }
  d.columns.push_back(lines);
  std::string enc = encode(d);
  ChunkSummary whole = peek(enc);
  ASSERT_FALSE(whole.columns[0].token_filter.empty());
  const size_t filter = whole.columns[0].token_filter.size();
  ASSERT_LT(filter + 64, enc.size());
  size_t first_ok = enc.size() + 1;
  for (size_t cut = 0; cut <= enc.size(); cut += (cut < filter + 64 ? 1 : 997)) {
    ChunkSummary part;
    if (peek_prefix(std::string_view(enc).substr(0, cut), &part)) {
      if (first_ok > enc.size()) first_ok = cut;
      ASSERT_EQ(part.rows, whole.rows);
      ASSERT_EQ(part.min_time, whole.min_time);
      ASSERT_EQ(part.max_time, whole.max_time);
      ASSERT_EQ(part.columns.size(), 1u);
      ASSERT_EQ(part.columns[0].token_filter, whole.columns[0].token_filter);
    } else {
      ASSERT_GT(first_ok, enc.size()) << "a longer prefix failed after a shorter one passed, at " << cut;
    }
  }
  EXPECT_GT(first_ok, filter);         // the filter must be whole
  EXPECT_LT(first_ok, filter + 64);    // and nothing past the header is needed
  // `need`: the header's length once it parses (== the first prefix that does); cut short
  // inside the filter, a length that holds it (what the scans read next).
  size_t need = 0;
  ChunkSummary s;
  ASSERT_TRUE(peek_prefix(enc, &s, &need));
  EXPECT_EQ(need, first_ok);
  ASSERT_FALSE(peek_prefix(std::string_view(enc).substr(0, 4), &s, &need));
  EXPECT_EQ(need, 0u);  // cut before the filter's length: not known
  for (size_t cut : {size_t{16}, filter / 2, filter}) {
    ASSERT_FALSE(peek_prefix(std::string_view(enc).substr(0, cut), &s, &need));
    ASSERT_GE(need, first_ok) << cut;
    ASSERT_LE(need, first_ok + 64) << cut;
    ASSERT_TRUE(peek_prefix(std::string_view(enc).substr(0, need), &s, &need));
  }
  EXPECT_FALSE(may_contain(whole.columns[0], "orders/100001 "));
  EXPECT_TRUE(may_contain(whole.columns[0], "orders/100007 "));
}

// peek_filters (a header tested where it lies, in the server-wide cache): the same filter bytes
// as peek_prefix's copy, as a view into the prefix itself, and false exactly where peek_prefix
// is; a column without a filter gives an empty view.
TEST(ChunkTokenFilter, PeekFiltersViewsTheSameBytesInPlace) {
  ChunkData d;
  Column lines = testing::col(ColumnKind::kBytes);
  lines.token_filter = true;
  lines.token_filter_budget = 0.057;
  Column other = testing::col(ColumnKind::kBytes);  // no filter
  Column num = testing::col(ColumnKind::kInt64);
  for (int i = 0; i < 2000; ++i) {
    d.times.push_back(i);
    lines.bytes.push_back("GET /api/v1/orders/" + std::to_string(100000 + i * 7) + " status=200");
    other.bytes.push_back("x" + std::to_string(i));
    num.ints.push_back(i * 3);
  }
  d.columns = {other, lines, num};
  const std::string enc = encode(d);
  const ChunkSummary whole = peek(enc);
  ASSERT_FALSE(whole.columns[1].token_filter.empty());
  std::vector<std::string_view> views;
  for (size_t cut = 0; cut <= enc.size(); cut += (cut < whole.columns[1].token_filter.size() + 64 ? 3 : 1001)) {
    const std::string_view prefix = std::string_view(enc).substr(0, cut);
    ChunkSummary part;
    const bool ok = peek_prefix(prefix, &part);
    ASSERT_EQ(peek_filters(prefix, &views), ok) << cut;
    if (!ok) continue;
    ASSERT_EQ(views.size(), 3u);
    EXPECT_TRUE(views[0].empty());
    EXPECT_TRUE(views[2].empty());
    ASSERT_EQ(views[1], whole.columns[1].token_filter);
    // A view, not a copy: it points into the prefix.
    ASSERT_GE(views[1].data(), prefix.data());
    ASSERT_LE(views[1].data() + views[1].size(), prefix.data() + prefix.size());
  }
  ASSERT_TRUE(peek_filters(enc, &views));
  for (const char* needle : {"orders/100001 ", "orders/100007 ", "status=200", "status=500", "POST", "zzqqxxkkvv"})
    EXPECT_EQ(filter_may_contain(views[1], needle), may_contain(whole.columns[1], needle)) << needle;
  EXPECT_FALSE(filter_may_contain(views[1], "zzqqxxkkvv"));  // no trigram of it is in the chunk
  EXPECT_TRUE(filter_may_contain(views[1], "orders/100007 "));
  EXPECT_TRUE(filter_may_contain(views[0], "anything"));  // no filter: may contain
  // A corrupt header (an unknown format version) is refused like peek_prefix refuses it.
  std::string bad = enc;
  bad[0] = static_cast<char>(99);
  EXPECT_FALSE(peek_filters(bad, &views));
}

}  // namespace
}  // namespace observe::chunk
