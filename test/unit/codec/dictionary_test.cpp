#include "core/codec/dictionary.h"

#include <gtest/gtest.h>

#include <random>

#include "core/codec/integer.h"
#include "test_values.h"

namespace observe::codec {
namespace {

TEST(Dictionary, U64RoundTripAndSize) {
  auto specials = testing::special_bits();
  std::vector<uint64_t> v;
  std::mt19937_64 rng(8);
  for (int i = 0; i < 3000; ++i) v.push_back(specials[(i / 100) % specials.size()]);
  std::string out;
  ASSERT_TRUE(dict_encode_u64(v.data(), v.size(), 100, out));
  EXPECT_LT(out.size(), 400u);
  ByteReader in(out);
  std::vector<uint64_t> got(v.size());
  dict_decode_u64(in, v.size(), got.data());
  EXPECT_EQ(got, v);
  EXPECT_TRUE(in.empty());
}

TEST(Dictionary, RefusesTooManyDistinct) {
  std::vector<uint64_t> v = {1, 2, 3, 4, 5};
  std::string out;
  EXPECT_FALSE(dict_encode_u64(v.data(), v.size(), 4, out));
  EXPECT_TRUE(out.empty());
}

TEST(Dictionary, BytesRoundTrip) {
  std::vector<std::string> v;
  const std::string words[] = {"", "GET /api", std::string(1000, 'x'), std::string("\0bin\xff", 5)};
  for (int i = 0; i < 500; ++i) v.push_back(words[(i / 3) % 4]);
  v[7] = std::string(1000, 'x');
  std::string out;
  ASSERT_TRUE(dict_encode_bytes(v.data(), v.size(), 10, out));
  ByteReader in(out);
  std::vector<std::string> got(v.size());
  dict_decode_bytes(in, v.size(), got.data());
  EXPECT_EQ(got, v);
  std::string plain;
  plain_encode_bytes(v.data(), v.size(), plain);
  ByteReader in2(plain);
  std::vector<std::string> got2(v.size());
  plain_decode_bytes(in2, v.size(), got2.data());
  EXPECT_EQ(got2, v);
  EXPECT_LT(out.size(), plain.size());
}

TEST(Dictionary, BadIndexThrows) {
  // A one-entry dictionary whose indexes say 0, 1, 0, 1: index 1 is out of range.
  std::string body;
  put_varint(body, 1);
  put_float_varint(body, 42);
  std::vector<int64_t> idx = {0, 1, 0, 1};
  encode_ints(idx.data(), idx.size(), body);
  ByteReader in(body);
  std::vector<uint64_t> got(4);
  EXPECT_THROW(dict_decode_u64(in, 4, got.data()), Error);
}

}  // namespace
}  // namespace observe::codec
