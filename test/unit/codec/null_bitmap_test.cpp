#include "core/codec/null_bitmap.h"

#include <gtest/gtest.h>

#include <random>

namespace observe::codec {
namespace {

std::vector<bool> round_trip(const std::vector<bool>& v) {
  std::string out;
  nulls_encode(v, out);
  ByteReader in(out);
  auto got = nulls_decode(in, v.size());
  EXPECT_TRUE(in.empty());
  return got;
}

TEST(NullBitmap, Patterns) {
  EXPECT_EQ(round_trip({}), std::vector<bool>{});
  EXPECT_EQ(round_trip({true}), std::vector<bool>{true});
  EXPECT_EQ(round_trip({false, false, true}), (std::vector<bool>{false, false, true}));
  std::vector<bool> all(10000, true);
  EXPECT_EQ(round_trip(all), all);
  std::mt19937_64 rng(1);
  std::vector<bool> r(3333);
  for (size_t i = 0; i < r.size(); ++i) r[i] = rng() & 1;
  EXPECT_EQ(round_trip(r), r);
}

TEST(NullBitmap, RunsNotCoveringRowsThrow) {
  std::vector<bool> v(100, false);
  v[50] = true;
  std::string out;
  nulls_encode(v, out);
  ByteReader in(out);
  EXPECT_THROW(nulls_decode(in, 99), Error);
  ByteReader in2(out);
  EXPECT_THROW(nulls_decode(in2, 101), Error);
}

}  // namespace
}  // namespace observe::codec
