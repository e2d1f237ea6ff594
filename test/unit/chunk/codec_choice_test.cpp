// The chunk picks its codec by content: these tests pin the choice for the
// shapes that dominate real metrics, and check each path round-trips.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "chunk_test_util.h"
#include "core/chunk/column_codec.h"

namespace observe::chunk {
namespace {

using detail::Codec;

uint8_t chosen(const std::vector<double>& v) {
  std::vector<uint64_t> bits(v.size());
  for (size_t i = 0; i < v.size(); ++i) bits[i] = testing::bits_of(v[i]);
  std::string out;
  detail::encode_float_bits(bits.data(), bits.size(), out);
  codec::ByteReader in(out);
  std::vector<uint64_t> got(v.size());
  detail::decode_float_bits(in, got.size(), got.data());
  EXPECT_EQ(got, bits);
  return static_cast<uint8_t>(out[0]) & ~detail::kZstdFlag;
}

TEST(CodecChoice, ConstantGauge) {
  EXPECT_EQ(chosen(std::vector<double>(500, 1.0)), detail::kFloatConst);
  EXPECT_EQ(chosen(std::vector<double>(3, testing::from_bits(0x7ff0000000000002ULL))),
            detail::kFloatConst);
}

TEST(CodecChoice, CounterAndFewDecimalGaugeUseDecimal) {
  std::vector<double> counter(1000), gauge(1000);
  std::mt19937_64 rng(1);
  double c = 1e6;
  for (size_t i = 0; i < counter.size(); ++i) {
    counter[i] = c += static_cast<double>(rng() % 50);
    gauge[i] = static_cast<double>(rng() % 400) * 0.25;
  }
  EXPECT_EQ(chosen(counter), detail::kFloatDecimal);
  EXPECT_EQ(chosen(gauge), detail::kFloatDecimal);
}

TEST(CodecChoice, FewDistinctNoisyValuesUseDictionary) {
  std::mt19937_64 rng(2);
  std::vector<double> pool(4);
  for (auto& p : pool) p = std::uniform_real_distribution<double>(0, 1)(rng);
  std::vector<double> v(1000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = pool[(i / 50) % 4];
  EXPECT_EQ(chosen(v), detail::kFloatDict);
}

TEST(CodecChoice, SmoothFloatsUseGorilla) {
  std::vector<double> v(1000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<double>(i) / 100.0) * 1e-3;
  uint8_t c = chosen(v);
  EXPECT_TRUE(c == detail::kFloatGorilla || c == detail::kFloatRaw || c == detail::kFloatDecimal)
      << detail::codec_name(c);
}

TEST(CodecChoice, BytesColumnsRoundTripThroughDictAndZstd) {
  for (int distinct : {1, 5, 1000}) {
    ChunkData d;
    Column c = testing::col(ColumnKind::kBytes);
    for (int i = 0; i < 1000; ++i) {
      d.times.push_back(i);
      c.bytes.push_back("ts=" + std::to_string(i % distinct) + " level=warn msg=\"disk almost full\"");
    }
    d.columns.push_back(c);
    std::string enc = encode(d);
    EXPECT_LT(enc.size(), distinct == 1000 ? 6000u : 200u) << distinct;
    ChunkData got = decode(enc);
    EXPECT_TRUE(testing::same_column(got.columns[0], c));
  }
}

TEST(CodecChoice, IntColumnsWithFewLargeValuesUseDictionary) {
  ChunkData d;
  Column c = testing::col(ColumnKind::kInt64);
  const int64_t vals[] = {INT64_MIN, 0x123456789abcdefLL, -77777777777LL};
  for (int i = 0; i < 3000; ++i) {
    d.times.push_back(i);
    c.ints.push_back(vals[(i * 7919) % 3]);
  }
  d.columns.push_back(c);
  std::string enc = encode(d);
  EXPECT_LT(enc.size(), 1200u);  // indexes of 2 bits, not 64-bit values
  EXPECT_TRUE(testing::same_column(decode(enc).columns[0], c));
}

}  // namespace
}  // namespace observe::chunk
