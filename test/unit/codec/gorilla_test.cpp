#include "core/codec/gorilla.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "test_values.h"

namespace observe::codec {
namespace {

using testing::bits_of;

std::vector<uint64_t> round_trip(const std::vector<uint64_t>& v, size_t* bytes = nullptr) {
  std::string out;
  gorilla_encode(v.data(), v.size(), out);
  if (bytes) *bytes = out.size();
  ByteReader in(out);
  std::vector<uint64_t> got(v.size());
  gorilla_decode(in, v.size(), got.data());
  EXPECT_TRUE(in.empty());
  return got;
}

TEST(Gorilla, SpecialValuesBitExact) {
  auto v = testing::special_bits();
  EXPECT_EQ(round_trip(v), v);
  std::reverse(v.begin(), v.end());
  EXPECT_EQ(round_trip(v), v);
}

TEST(Gorilla, StaleAndNormalNaNStayDistinct) {
  std::vector<uint64_t> v = {bits_of(1.5), testing::kStaleNaN, testing::kNormalNaN,
                             testing::kStaleNaN, bits_of(1.5)};
  auto got = round_trip(v);
  EXPECT_EQ(got[1], testing::kStaleNaN);
  EXPECT_EQ(got[2], testing::kNormalNaN);
  EXPECT_EQ(got, v);
}

TEST(Gorilla, ConstantIsAboutOneBitPerValue) {
  std::vector<uint64_t> v(8000, bits_of(42.125));
  size_t bytes;
  EXPECT_EQ(round_trip(v, &bytes), v);
  EXPECT_LE(bytes, 8 + 8000 / 8 + 4u);
}

TEST(Gorilla, RandomDoublesAndWalks) {
  std::mt19937_64 rng(17);
  std::vector<uint64_t> v(5000);
  for (auto& x : v) x = rng();
  EXPECT_EQ(round_trip(v), v);
  double g = 100;
  std::normal_distribution<double> step(0, 1);
  for (auto& x : v) x = bits_of(g += step(rng));
  EXPECT_EQ(round_trip(v), v);
}

TEST(Gorilla, EmptySingleAndTruncated) {
  EXPECT_TRUE(round_trip({}).empty());
  EXPECT_EQ(round_trip({testing::kStaleNaN}), std::vector<uint64_t>{testing::kStaleNaN});
  std::vector<uint64_t> v;
  for (int i = 0; i < 100; ++i) v.push_back(bits_of(i * 0.37));
  std::string out;
  gorilla_encode(v.data(), v.size(), out);
  std::vector<uint64_t> got(v.size());
  for (size_t cut = 0; cut < out.size(); ++cut) {
    ByteReader in(std::string_view(out).substr(0, cut));
    EXPECT_THROW(gorilla_decode(in, v.size(), got.data()), Error) << cut;
  }
}

}  // namespace
}  // namespace observe::codec
