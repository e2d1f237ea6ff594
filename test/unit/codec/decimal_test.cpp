#include "core/codec/decimal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "test_values.h"

namespace observe::codec {
namespace {

using testing::bits_of;

std::vector<uint64_t> round_trip(const std::vector<uint64_t>& v, size_t* bytes = nullptr,
                                 uint64_t tol = 0) {
  std::string out;
  EXPECT_TRUE(decimal_encode(v.data(), v.size(), out, tol));
  if (bytes) *bytes = out.size();
  ByteReader in(out);
  std::vector<uint64_t> got(v.size());
  decimal_decode(in, v.size(), got.data());
  EXPECT_TRUE(in.empty());
  return got;
}

TEST(Decimal, CounterIntegersAreSmall) {
  std::vector<uint64_t> v;
  double c = 123456789;
  for (int i = 0; i < 1000; ++i) v.push_back(bits_of(c += (i % 7)));
  size_t bytes;
  EXPECT_EQ(round_trip(v, &bytes), v);
  EXPECT_LT(bytes, 430u);  // 3 bits a delta, 20 a word
}

TEST(Decimal, FewDecimalGaugesAsParsedFromText) {
  // Values as strtod produces them from exposition text.
  const char* texts[] = {"0.25", "5.6065e-05", "2.8583e-05", "1234.56", "0.1", "0.3",
                         "1e-09", "17.000001", "-3.75", "0", "123456789.123"};
  std::vector<uint64_t> v;
  for (int rep = 0; rep < 20; ++rep)
    for (const char* t : texts) v.push_back(bits_of(std::strtod(t, nullptr)));
  EXPECT_EQ(round_trip(v), v);
}

TEST(Decimal, CpuSecondsCounter) {
  std::vector<uint64_t> v;
  long centis = 1234567;
  std::mt19937_64 rng(2);
  for (int i = 0; i < 4000; ++i) {
    centis += rng() % 100;
    char buf[32];
    snprintf(buf, sizeof buf, "%ld.%02ld", centis / 100, centis % 100);
    v.push_back(bits_of(std::strtod(buf, nullptr)));
  }
  size_t bytes;
  EXPECT_EQ(round_trip(v, &bytes), v);
  EXPECT_LT(bytes, 4100u);  // 7 bits a delta, 8 a word; Gorilla needs several bytes
}

TEST(Decimal, SpecialValuesAreExceptions) {
  std::vector<uint64_t> v;
  for (int i = 0; i < 200; ++i) v.push_back(bits_of(i * 0.5));
  auto specials = testing::special_bits();
  // Sprinkle specials, fewer than the 1/8 limit.
  for (size_t j = 0; j < specials.size(); ++j) v[j * 11 + 3] = specials[j];
  v.back() = testing::kStaleNaN;
  v[198] = testing::kStaleNaN;  // repeated exception
  auto got = round_trip(v);
  EXPECT_EQ(got, v);
  EXPECT_EQ(got[3], testing::kStaleNaN);
  EXPECT_EQ(got[14], testing::kNormalNaN);
}

TEST(Decimal, NoisyFloatSumsWithResiduals) {
  // A sum of 1 s intervals measured in ns, accumulated in a double: values
  // such as 2831.0436006630007 that no short decimal reproduces exactly.
  std::mt19937_64 rng(12);
  std::vector<uint64_t> v;
  double sum = 0;
  for (int i = 0; i < 2000; ++i) {
    sum += 1.0 + static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000) * 1e-9;
    v.push_back(bits_of(sum));
  }
  std::string exact;
  EXPECT_FALSE(decimal_encode(v.data(), v.size(), exact, 0));
  size_t bytes;
  EXPECT_EQ(round_trip(v, &bytes, 64), v);
  EXPECT_LT(bytes, 2000u * 5);  // Gorilla needs 7-8 bytes a value here
  // Specials in between stay exact too.
  for (auto b : testing::special_bits()) v[rng() % v.size()] = b;
  EXPECT_EQ(round_trip(v, nullptr, 64), v);
}

TEST(Decimal, NegativeZeroStaysNegative) {
  std::vector<uint64_t> v = {bits_of(0.0), bits_of(-0.0), bits_of(1.0), bits_of(2.0),
                             bits_of(3.0), bits_of(4.0),  bits_of(5.0), bits_of(6.0),
                             bits_of(7.0), bits_of(8.0)};
  EXPECT_EQ(round_trip(v), v);
}

TEST(Decimal, RefusesNoise) {
  std::mt19937_64 rng(4);
  std::vector<uint64_t> v(500);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& x : v) x = bits_of(u(rng));
  std::string out;
  EXPECT_FALSE(decimal_encode(v.data(), v.size(), out));
  EXPECT_TRUE(out.empty());
}

TEST(Decimal, HugeAndTinyValuesFallBackOrRoundTrip) {
  std::vector<uint64_t> v = {bits_of(1e300), bits_of(1.0), bits_of(2.0), bits_of(3.0),
                             bits_of(4.0),   bits_of(5.0), bits_of(6.0), bits_of(7.0),
                             bits_of(8.0),   bits_of(9.0)};
  EXPECT_EQ(round_trip(v), v);
  std::vector<uint64_t> big = {bits_of(9007199254740992.0), bits_of(9007199254740994.0)};
  std::string out;
  if (decimal_encode(big.data(), big.size(), out)) {
    ByteReader in(out);
    std::vector<uint64_t> got(2);
    decimal_decode(in, 2, got.data());
    EXPECT_EQ(got, big);
  }
}

TEST(Decimal, CorruptExceptionPositionThrows) {
  std::vector<uint64_t> v(16, bits_of(1.0));
  v[5] = testing::kStaleNaN;
  std::string out;
  ASSERT_TRUE(decimal_encode(v.data(), v.size(), out));
  std::vector<uint64_t> got(4);
  ByteReader in(out);
  EXPECT_THROW(decimal_decode(in, 4, got.data()), Error);  // wrong count
  for (size_t cut = 0; cut < out.size(); ++cut) {
    ByteReader t(std::string_view(out).substr(0, cut));
    std::vector<uint64_t> g(16);
    EXPECT_THROW(decimal_decode(t, 16, g.data()), Error);
  }
}

}  // namespace
}  // namespace observe::codec
