#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "chunk_test_util.h"
#include "core/common/error.h"

namespace observe::chunk {
namespace {

using testing::bits_of;
using testing::from_bits;
using testing::same_column;

constexpr uint64_t kStaleNaN = 0x7ff0000000000002ULL;
constexpr uint64_t kNormalNaN = 0x7ff8000000000001ULL;

void expect_round_trip(const ChunkData& d) {
  std::string enc = encode(d);
  ChunkData got = decode(enc);
  EXPECT_EQ(got.times, d.times);
  ASSERT_EQ(got.columns.size(), d.columns.size());
  for (size_t i = 0; i < d.columns.size(); ++i)
    EXPECT_TRUE(same_column(got.columns[i], d.columns[i])) << "column " << i;
}

TEST(ChunkFormat, MixedKindsRoundTrip) {
  for (size_t rows : {0, 1, 2, 3, 10, 120, 1000, 8000}) {
    SCOPED_TRACE(rows);
    expect_round_trip(testing::mixed_chunk(rows, rows));
  }
}

TEST(ChunkFormat, NoColumnsAndEmpty) {
  ChunkData d;
  std::string enc = encode(d);
  ChunkSummary s = peek(enc);
  EXPECT_EQ(s.rows, 0u);
  EXPECT_TRUE(s.columns.empty());
  d.times = {5, 4, 4, INT64_MIN, INT64_MAX};
  expect_round_trip(d);
}

TEST(ChunkFormat, PeekGivesZoneMap) {
  ChunkData d = testing::mixed_chunk(500, 9);
  std::string enc = encode(d);
  ChunkSummary s = peek(enc);
  EXPECT_EQ(s.rows, 500u);
  EXPECT_EQ(s.encoded_size, enc.size());
  EXPECT_EQ(s.min_time, *std::min_element(d.times.begin(), d.times.end()));
  EXPECT_EQ(s.max_time, *std::max_element(d.times.begin(), d.times.end()));
  ASSERT_EQ(s.columns.size(), 4u);
  EXPECT_EQ(s.columns[0].kind, ColumnKind::kFloat64);
  EXPECT_TRUE(s.columns[0].has_minmax);
  EXPECT_EQ(s.columns[0].min_float, *std::min_element(d.columns[0].floats.begin(), d.columns[0].floats.end()));
  EXPECT_EQ(s.columns[0].max_float, *std::max_element(d.columns[0].floats.begin(), d.columns[0].floats.end()));
  uint32_t nulls = 0;
  int64_t mn = INT64_MAX, mx = INT64_MIN;
  for (size_t i = 0; i < 500; ++i) {
    if (d.columns[1].nulls[i]) {
      ++nulls;
      continue;
    }
    mn = std::min(mn, d.columns[1].ints[i]);
    mx = std::max(mx, d.columns[1].ints[i]);
  }
  EXPECT_EQ(s.columns[1].null_count, nulls);
  EXPECT_EQ(s.columns[1].min_int, mn);
  EXPECT_EQ(s.columns[1].max_int, mx);
  EXPECT_EQ(s.columns[2].kind, ColumnKind::kBool);
  EXPECT_EQ(s.columns[2].min_int, 0);
  EXPECT_EQ(s.columns[2].max_int, 1);
  EXPECT_EQ(s.columns[3].kind, ColumnKind::kBytes);
  EXPECT_FALSE(s.columns[3].has_minmax);
  EXPECT_EQ(s.columns[3].null_count, 1u);
}

TEST(ChunkFormat, ProjectionSkipsColumns) {
  ChunkData d = testing::mixed_chunk(300, 2);
  std::string enc = encode(d);
  ChunkData got = decode(enc, {false, true});
  EXPECT_EQ(got.times, d.times);
  ASSERT_EQ(got.columns.size(), 4u);
  EXPECT_TRUE(got.columns[0].floats.empty());
  EXPECT_EQ(got.columns[0].kind, ColumnKind::kFloat64);
  EXPECT_TRUE(same_column(got.columns[1], d.columns[1]));
  EXPECT_TRUE(got.columns[2].ints.empty());
  EXPECT_TRUE(got.columns[3].bytes.empty());
  EXPECT_EQ(got.columns[3].kind, ColumnKind::kBytes);
  // A skipped column may be corrupt without failing the projection.
  ChunkData only3 = decode(enc, {false, false, false, true});
  EXPECT_TRUE(same_column(only3.columns[3], d.columns[3]));
}

TEST(ChunkFormat, FloatsBitExact) {
  std::vector<double> specials = {
      from_bits(kStaleNaN), from_bits(kNormalNaN), std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(), -0.0, 0.0,
      std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::denorm_min(),
      std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(), 0.1 + 0.2};
  // Alone, mixed into few-decimal gauges, mixed into noise, and repeated.
  std::vector<std::vector<double>> series;
  series.push_back(specials);
  std::vector<double> gauge(400);
  for (size_t i = 0; i < gauge.size(); ++i) gauge[i] = (i % 13) * 0.25;
  for (size_t j = 0; j < specials.size(); ++j) gauge[j * 30 + 1] = specials[j];
  series.push_back(gauge);
  std::vector<double> noise(400);
  std::mt19937_64 rng(6);
  for (auto& x : noise) x = std::uniform_real_distribution<double>(-1, 1)(rng);
  for (size_t j = 0; j < specials.size(); ++j) noise[j * 30 + 2] = specials[j];
  series.push_back(noise);
  std::vector<double> stale(300, from_bits(kStaleNaN));
  stale[100] = from_bits(kNormalNaN);
  series.push_back(stale);
  for (const auto& vals : series) {
    ChunkData d;
    for (size_t i = 0; i < vals.size(); ++i) d.times.push_back(static_cast<int64_t>(i) * 15000);
    d.columns.push_back(testing::float_col(vals));
    expect_round_trip(d);
    std::vector<int64_t> t;
    std::vector<double> v;
    decode_samples(encode_samples(d.times, vals), t, v);
    EXPECT_EQ(t, d.times);
    ASSERT_EQ(v.size(), vals.size());
    for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(bits_of(v[i]), bits_of(vals[i])) << i;
  }
}

TEST(ChunkFormat, ConstantAndSingleRowZoneMaps) {
  for (size_t rows : {1, 500}) {
    ChunkData d;
    for (size_t i = 0; i < rows; ++i) d.times.push_back(static_cast<int64_t>(i));
    d.columns.push_back(testing::float_col(std::vector<double>(rows, -1234.5678)));
    ChunkSummary s = peek(encode(d));
    EXPECT_TRUE(s.columns[0].has_minmax);
    EXPECT_EQ(s.columns[0].min_float, -1234.5678);
    EXPECT_EQ(s.columns[0].max_float, -1234.5678);
    EXPECT_EQ(s.min_time, 0);
    EXPECT_EQ(s.max_time, static_cast<int64_t>(rows) - 1);
  }
}

TEST(ChunkFormat, AllNaNFloatHasNoMinMax) {
  ChunkData d;
  d.times = {1, 2, 3};
  d.columns.push_back(testing::float_col({from_bits(kStaleNaN), NAN, NAN}));
  ChunkSummary s = peek(encode(d));
  EXPECT_FALSE(s.columns[0].has_minmax);
  EXPECT_FALSE(s.columns[0].no_nan);
}

TEST(ChunkFormat, NoNaNFlagOnlyWhenNoValueIsNaN) {
  ChunkData d;
  d.times = {1, 2, 3};
  d.columns.push_back(testing::float_col({1, -0.0, INFINITY}));
  d.columns.push_back(testing::float_col({1, from_bits(kStaleNaN), 2}));  // the staleness marker is a NaN
  ChunkSummary s = peek(encode(d));
  EXPECT_TRUE(s.columns[0].no_nan);
  EXPECT_FALSE(s.columns[1].no_nan);
  // A chunk written before the flag existed (the bit clear) says nothing: may hold NaN.
  std::string enc = encode(d);
  size_t flags_at = enc.find(static_cast<char>(static_cast<uint8_t>(ColumnKind::kFloat64) | 0x08 | 0x40));
  ASSERT_NE(flags_at, std::string::npos);
  enc[flags_at] = static_cast<char>(enc[flags_at] & ~0x40);
  EXPECT_FALSE(peek(enc).columns[0].no_nan);
  EXPECT_EQ(decode(enc).columns[0].floats, d.columns[0].floats);
}

TEST(ChunkFormat, AllNullColumns) {
  ChunkData d;
  d.times = {10, 20, 30, 40};
  for (ColumnKind k : {ColumnKind::kInt64, ColumnKind::kFloat64, ColumnKind::kBool, ColumnKind::kBytes}) {
    Column c = testing::col(k);
    c.ints.assign(4, 7);
    c.floats.assign(4, 1.5);
    c.bytes.assign(4, "x");
    c.nulls.assign(4, true);
    d.columns.push_back(c);
  }
  std::string enc = encode(d);
  ChunkSummary s = peek(enc);
  for (const auto& c : s.columns) {
    EXPECT_EQ(c.null_count, 4u);
    EXPECT_FALSE(c.has_minmax);
  }
  ChunkData got = decode(enc);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(got.columns[i].nulls, std::vector<bool>(4, true));
}

TEST(ChunkFormat, NullBitmapAllFalseIsNoNulls) {
  ChunkData d;
  d.times = {1, 2};
  Column c = testing::col(ColumnKind::kInt64);
  c.ints = {INT64_MIN, INT64_MAX};
  c.nulls = {false, false};
  d.columns.push_back(c);
  ChunkData got = decode(encode(d));
  EXPECT_TRUE(got.columns[0].nulls.empty());
  EXPECT_EQ(got.columns[0].ints, c.ints);
}

TEST(ChunkFormat, IntExtremesOutOfOrderDuplicates) {
  ChunkData d;
  d.times = {INT64_MAX, INT64_MIN, 0, 0, -1, INT64_MAX, 1000, 999};
  Column c = testing::col(ColumnKind::kInt64);
  c.ints = {INT64_MIN, INT64_MAX, INT64_MIN, 3, 3, 3, -3, 0};
  d.columns.push_back(c);
  std::string enc = encode(d);
  ChunkSummary s = peek(enc);
  EXPECT_EQ(s.min_time, INT64_MIN);
  EXPECT_EQ(s.max_time, INT64_MAX);
  EXPECT_EQ(s.columns[0].min_int, INT64_MIN);
  EXPECT_EQ(s.columns[0].max_int, INT64_MAX);
  expect_round_trip(d);
}

TEST(ChunkFormat, RegularMetricChunkIsTiny) {
  std::vector<int64_t> t(8000);
  std::vector<double> v(8000, 1.0);
  for (size_t i = 0; i < t.size(); ++i) t[i] = 1795544215509 + static_cast<int64_t>(i) * 15000;
  std::string enc = encode_samples(t, v);
  EXPECT_LT(enc.size(), 64u);  // a constant gauge on a regular scrape costs almost nothing
  std::vector<double> counter(8000);
  for (size_t i = 0; i < counter.size(); ++i) counter[i] = static_cast<double>(i * 3);
  EXPECT_LT(encode_samples(t, counter).size(), 64u);
}

TEST(ChunkFormat, RepeatedTextUsesDictionaryOrZstd) {
  ChunkData d;
  Column c = testing::col(ColumnKind::kBytes);
  for (int i = 0; i < 2000; ++i) {
    d.times.push_back(i);
    c.bytes.push_back(i % 3 ? "GET /api/v1/query_range 200" : "POST /api/v1/write 204");
  }
  d.columns.push_back(c);
  std::string enc = encode(d);
  EXPECT_LT(enc.size(), 200u);
  expect_round_trip(d);
}

TEST(ChunkFormat, InvalidInputToEncode) {
  ChunkData d;
  d.times = {1, 2, 3};
  d.columns.push_back(testing::float_col({1.0, 2.0}));
  EXPECT_THROW(encode(d), Error);
  d.columns[0].floats.push_back(3);
  d.columns[0].nulls = {true};
  EXPECT_THROW(encode(d), Error);
  EXPECT_THROW(encode_samples({1, 2}, {1.0}), Error);
}

TEST(ChunkFormat, DecodeSamplesRefusesOtherShapes) {
  ChunkData d = testing::mixed_chunk(10, 1);
  EXPECT_THROW(
      {
        std::vector<int64_t> t;
        std::vector<double> v;
        decode_samples(encode(d), t, v);
      },
      Error);
}

}  // namespace
}  // namespace observe::chunk
