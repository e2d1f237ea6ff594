#include "core/codec/bulk_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace observe::codec {
namespace {

// A decoded chunk's line buffer (>= 2 MiB) starts on a 2 MiB boundary (so the kernel can back it
// with huge pages), holds what is written like a std::string, and a freed block is reused by the
// next buffer of its size (a query's next chunk) instead of a new mapping; small ones are
// ordinary allocations.
TEST(BulkBuffer, LargeBuffersAreAlignedReusedAndBehaveAsStrings) {
  bulk_release_cached();  // blocks other tests of this thread left
  const size_t n = (size_t{4} << 20) - 100;
  const void* first = nullptr;
  {
    ByteBuffer b;
    b.resize(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>('a' + i % 26);
    first = b.data();
#if defined(__linux__)
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % (size_t{2} << 20), 0u);
#endif
    EXPECT_EQ(b.size(), n);
    EXPECT_EQ(b[n - 1], static_cast<char>('a' + (n - 1) % 26));
    EXPECT_EQ(std::string(b.data() + 26, 3), "abc");
    ByteBuffer copy = b;
    EXPECT_EQ(copy, b);
    copy[7] = '!';
    EXPECT_NE(copy, b);
  }
  // Both blocks were kept (2 x 4 MiB); the next buffer of that size takes one of them.
  EXPECT_EQ(bulk_cached_bytes(), size_t{8} << 20);
  {
    ByteBuffer again;
    again.resize(n);
    EXPECT_TRUE(again.data() == first || bulk_cached_bytes() == size_t{4} << 20);
    EXPECT_EQ(bulk_cached_bytes(), size_t{4} << 20);
    again.assign(n, 'z');
    EXPECT_EQ(again[n / 2], 'z');
  }
  ByteBuffer small("short");
  small += " line";
  EXPECT_EQ(small, "short line");
  EXPECT_LE(bulk_cached_bytes(), size_t{32} << 20);
  bulk_release_cached();
  EXPECT_EQ(bulk_cached_bytes(), 0u);
}

}  // namespace
}  // namespace observe::codec
