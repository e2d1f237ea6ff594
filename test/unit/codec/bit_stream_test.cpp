#include "core/codec/bit_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace observe::codec {
namespace {

TEST(BitStream, RoundTripsRandomWidths) {
  std::mt19937_64 rng(42);
  std::vector<std::pair<uint64_t, unsigned>> items;
  BitWriter w;
  size_t total = 0;
  for (int i = 0; i < 5000; ++i) {
    unsigned n = rng() % 65;
    uint64_t v = n == 64 ? rng() : (n == 0 ? 0 : rng() & ((uint64_t{1} << n) - 1));
    items.emplace_back(v, n);
    w.write(v, n);
    total += n;
  }
  EXPECT_EQ(w.bit_count(), total);
  std::string bytes = w.finish();
  EXPECT_EQ(bytes.size(), (total + 7) / 8);
  BitReader r(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  for (auto& [v, n] : items) ASSERT_EQ(r.read(n), v) << n;
  EXPECT_LT(r.bits_left(), 8u);
}

TEST(BitStream, WriteMasksHighBits) {
  BitWriter w;
  w.write(~uint64_t{0}, 3);
  w.write(0, 5);
  std::string b = w.finish();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(static_cast<uint8_t>(b[0]), 0xE0);
}

TEST(BitStream, ReadPastEndThrows) {
  const uint8_t data[2] = {0xAB, 0xCD};
  BitReader r(data, 2);
  EXPECT_EQ(r.read(12), 0xABCu);
  EXPECT_THROW(r.read(5), Error);
  EXPECT_EQ(r.read(4), 0xDu);
  EXPECT_THROW(r.read_bit(), Error);
}

TEST(BitStream, Full64BitWordsAtOddOffsets) {
  BitWriter w;
  w.write(1, 1);
  w.write(0x8000000000000001ULL, 64);
  w.write(0xFFFFFFFFFFFFFFFFULL, 64);
  std::string b = w.finish();
  BitReader r(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  EXPECT_EQ(r.read(1), 1u);
  EXPECT_EQ(r.read(64), 0x8000000000000001ULL);
  EXPECT_EQ(r.read(64), 0xFFFFFFFFFFFFFFFFULL);
}

TEST(ByteIo, VarintAndZigzagExtremes) {
  std::string out;
  const int64_t vals[] = {0, 1, -1, 63, -64, INT64_MAX, INT64_MIN};
  for (int64_t v : vals) put_varint(out, zigzag(v));
  put_varint(out, UINT64_MAX);
  ByteReader in(out);
  for (int64_t v : vals) EXPECT_EQ(unzigzag(in.varint()), v);
  EXPECT_EQ(in.varint(), UINT64_MAX);
  EXPECT_TRUE(in.empty());
  EXPECT_THROW(in.u8(), Error);
}

TEST(ByteIo, OverlongVarintThrows) {
  std::string bad(11, '\xff');
  ByteReader in(bad);
  EXPECT_THROW(in.varint(), Error);
  std::string overflow = std::string(9, '\xff') + '\x02';
  ByteReader in2(overflow);
  EXPECT_THROW(in2.varint(), Error);
}

}  // namespace
}  // namespace observe::codec
