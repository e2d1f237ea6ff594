#include "core/codec/simple8b.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace observe::codec {
namespace {

std::vector<uint64_t> round_trip(const std::vector<uint64_t>& v, size_t* bytes = nullptr) {
  std::string out;
  simple8b_encode(v.data(), v.size(), out);
  if (bytes) *bytes = out.size();
  ByteReader in(out);
  std::vector<uint64_t> got(v.size());
  simple8b_decode(in, v.size(), got.data());
  EXPECT_TRUE(in.empty());
  return got;
}

TEST(Simple8b, EmptyAndSingle) {
  EXPECT_TRUE(round_trip({}).empty());
  EXPECT_EQ(round_trip({7}), std::vector<uint64_t>{7});
}

TEST(Simple8b, LongRunIsOneWord) {
  std::vector<uint64_t> v(100000, 0);
  size_t bytes;
  EXPECT_EQ(round_trip(v, &bytes), v);
  EXPECT_EQ(bytes, 8u);
  std::vector<uint64_t> w(5000, 1000);
  EXPECT_EQ(round_trip(w, &bytes), w);
  EXPECT_EQ(bytes, 8u);
}

TEST(Simple8b, PacksSmallValuesDensely) {
  std::mt19937_64 rng(1);
  std::vector<uint64_t> v(6000);
  for (auto& x : v) x = rng() & 1;
  size_t bytes;
  EXPECT_EQ(round_trip(v, &bytes), v);
  EXPECT_LE(bytes, 6000u / 60 * 8 + 8 * 10);  // about one bit a value
}

TEST(Simple8b, EveryWidthAndEscapes) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> v;
  for (unsigned w = 0; w <= 64; ++w)
    for (int i = 0; i < 37; ++i) {
      uint64_t x = w == 64 ? rng() | (uint64_t{1} << 63) : (w == 0 ? 0 : rng() >> (64 - w));
      v.push_back(x);
    }
  v.push_back(UINT64_MAX);
  v.push_back((uint64_t{1} << 60));
  v.push_back((uint64_t{1} << 60) - 1);
  // Runs of a big value (does not fit the RLE word) and a small value.
  for (int i = 0; i < 100; ++i) v.push_back(UINT64_MAX - 1);
  for (int i = 0; i < 100; ++i) v.push_back((uint64_t{1} << 36) - 1);
  std::shuffle(v.begin(), v.begin() + 500, rng);
  EXPECT_EQ(round_trip(v), v);
}

TEST(Simple8b, RandomMixes) {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<uint64_t> v(rng() % 500);
    for (auto& x : v) {
      switch (rng() % 4) {
        case 0: x = 0; break;
        case 1: x = rng() % 16; break;
        case 2: x = rng() >> (rng() % 64); break;
        default: x = v.empty() ? 0 : v[0];
      }
    }
    ASSERT_EQ(round_trip(v), v);
  }
}

TEST(Simple8b, TruncatedAndBadWordsThrow) {
  std::vector<uint64_t> v(300);
  for (size_t i = 0; i < v.size(); ++i) v[i] = i * 977;
  std::string out;
  simple8b_encode(v.data(), v.size(), out);
  std::vector<uint64_t> got(v.size());
  for (size_t cut = 0; cut < out.size(); ++cut) {
    ByteReader in(std::string_view(out).substr(0, cut));
    EXPECT_THROW(simple8b_decode(in, v.size(), got.data()), Error);
  }
  // A run longer than the values asked for.
  std::vector<uint64_t> run(50, 3);
  std::string r;
  simple8b_encode(run.data(), run.size(), r);
  ByteReader in(r);
  EXPECT_THROW(simple8b_decode(in, 10, got.data()), Error);
  // A zero-length run.
  std::string zero;
  put_u64le(zero, uint64_t{15} << 60);
  ByteReader in2(zero);
  EXPECT_THROW(simple8b_decode(in2, 1, got.data()), Error);
}

}  // namespace
}  // namespace observe::codec
