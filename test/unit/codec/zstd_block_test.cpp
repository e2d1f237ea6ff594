#include "core/codec/zstd_block.h"

#include <gtest/gtest.h>

#include "core/common/error.h"

namespace observe::codec {
namespace {

TEST(ZstdBlock, RoundTripAndCompresses) {
  std::string raw;
  for (int i = 0; i < 1000; ++i) raw += "level=info msg=\"request served\" status=200\n";
  std::string z = zstd_compress(raw);
  EXPECT_LT(z.size(), raw.size() / 20);
  EXPECT_EQ(zstd_decompress(z, raw.size()), raw);
  EXPECT_EQ(zstd_decompress(zstd_compress(""), 0), "");
}

TEST(ZstdBlock, WrongSizeOrGarbageThrows) {
  std::string raw(5000, 'a');
  std::string z = zstd_compress(raw);
  EXPECT_THROW(zstd_decompress(z, raw.size() - 1), Error);
  EXPECT_THROW(zstd_decompress(z, raw.size() + 1), Error);
  EXPECT_THROW(zstd_decompress(z.substr(0, z.size() / 2), raw.size()), Error);
  EXPECT_THROW(zstd_decompress("garbage", 10), Error);
  EXPECT_THROW(zstd_decompress(z, kMaxDecompressed + 1), Error);
}

}  // namespace
}  // namespace observe::codec
