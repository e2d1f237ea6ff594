#include "core/codec/integer.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace observe::codec {
namespace {

std::vector<int64_t> round_trip(const std::vector<int64_t>& v, size_t* bytes = nullptr) {
  std::string out;
  encode_ints(v.data(), v.size(), out);
  if (bytes) *bytes = out.size();
  ByteReader in(out);
  std::vector<int64_t> got(v.size());
  decode_ints(in, v.size(), got.data());
  EXPECT_TRUE(in.empty());
  return got;
}

TEST(Integer, RegularTimestampsCostAFewWords) {
  for (int64_t step : {1000, 15000, 1}) {
    std::vector<int64_t> t(8000);
    for (size_t i = 0; i < t.size(); ++i) t[i] = 1795544215509 + static_cast<int64_t>(i) * step;
    size_t bytes;
    EXPECT_EQ(round_trip(t, &bytes), t);
    EXPECT_LE(bytes, 1 + 8 * 3u) << step;  // first value escaped, first delta, one run
  }
}

TEST(Integer, JitteredTimestamps) {
  std::mt19937_64 rng(3);
  std::vector<int64_t> t(1000);
  int64_t now = 1795544215509;
  for (auto& x : t) {
    x = now + static_cast<int64_t>(rng() % 5) - 2;
    now += 1000;
  }
  size_t bytes;
  EXPECT_EQ(round_trip(t, &bytes), t);
  EXPECT_LT(bytes, 1000u);  // about 4 bits a sample
}

TEST(Integer, ExtremesOutOfOrderAndDuplicates) {
  std::vector<int64_t> v = {INT64_MIN, INT64_MAX, INT64_MIN, 0, -1, INT64_MAX, INT64_MAX,
                            5,         5,         3,         3, INT64_MIN + 1, -7};
  EXPECT_EQ(round_trip(v), v);
  for (IntTransform t : {IntTransform::kRaw, IntTransform::kDelta, IntTransform::kDeltaOfDelta}) {
    for (bool fr : {false, true}) {
      std::string out;
      encode_ints_with(t, fr, v.data(), v.size(), out);
      ByteReader in(out);
      std::vector<int64_t> got(v.size());
      decode_ints(in, v.size(), got.data());
      EXPECT_EQ(got, v) << static_cast<int>(t) << fr;
    }
  }
}

TEST(Integer, PicksDeltaForCounters) {
  std::vector<int64_t> v(2000);
  int64_t c = 1000000000;
  std::mt19937_64 rng(5);
  for (auto& x : v) x = c += static_cast<int64_t>(rng() % 100);
  std::string out;
  encode_ints(v.data(), v.size(), out);
  EXPECT_EQ(out[0] & 0xf, static_cast<char>(IntTransform::kDelta));
  EXPECT_LE(out.size(), 2000u + 24);  // 8 deltas of 7 bits a word: no sign bit
  EXPECT_EQ(round_trip(v), v);
}

TEST(Integer, RandomSequences) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<int64_t> v(rng() % 300);
    for (auto& x : v) x = static_cast<int64_t>(rng()) >> (rng() % 64);
    ASSERT_EQ(round_trip(v), v);
  }
}

TEST(Integer, BadTransformThrows) {
  std::string out = "\x07";
  put_u64le(out, 0);
  ByteReader in(out);
  int64_t x;
  EXPECT_THROW(decode_ints(in, 1, &x), Error);
}

}  // namespace
}  // namespace observe::codec
