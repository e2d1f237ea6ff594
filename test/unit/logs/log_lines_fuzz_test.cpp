// Corrupt and truncated log blocks (and chunks holding them) throw
// kDataException, never crash or read out of bounds (ASan/valgrind check the
// latter); test/fuzz/log_lines_fuzz.cpp runs the same checks under libFuzzer.
#include <gtest/gtest.h>

#include <random>

#include "core/chunk/chunk.h"
#include "core/codec/byte_io.h"
#include "core/codec/log_lines.h"
#include "core/common/error.h"
#include "log_test_util.h"

namespace observe::codec {
namespace {

void decode_or_data_error(std::string_view bytes) {
  try {
    LogLines d;
    log_lines_decode(bytes, d);
    ASSERT_EQ(d.data.size(), d.ends.empty() ? 0 : d.ends.back());
    for (size_t i = 1; i < d.ends.size(); ++i) ASSERT_LE(d.ends[i - 1], d.ends[i]);
  } catch (const Error& e) {
    ASSERT_EQ(e.kind(), ErrorKind::kDataException) << e.what();
  }
}

std::vector<std::string> valid_blocks() {
  std::vector<std::string> v;
  for (LogLayout layout : {LogLayout::kPlain, LogLayout::kSplit})
    for (size_t n : {0, 1, 40}) {
      LogLinesOptions o;
      o.layout = layout;
      o.level = 1;
      auto lines = testing::sample_log_lines(n, n);
      v.push_back(log_lines_encode(testing::as_views(lines), o));
    }
  return v;
}

TEST(LogLinesFuzz, EveryTruncation) {
  for (const std::string& b : valid_blocks())
    for (size_t n = 0; n < b.size(); ++n) decode_or_data_error(std::string_view(b.data(), n));
}

TEST(LogLinesFuzz, BitFlipsAndRandomBytes) {
  std::mt19937_64 rng(11);
  for (const std::string& b : valid_blocks()) {
    for (int i = 0; i < 2000; ++i) {
      std::string c = b;
      if (c.empty()) continue;
      c[rng() % c.size()] ^= static_cast<char>(1u << (rng() % 8));
      decode_or_data_error(c);
    }
  }
  for (int i = 0; i < 2000; ++i) {
    std::string r(rng() % 64, '\0');
    for (char& ch : r) ch = static_cast<char>(rng());
    if (!r.empty()) r[0] = static_cast<char>(rng() % 2);  // a known layout byte
    decode_or_data_error(r);
  }
}

TEST(LogLinesFuzz, HugeCountsDoNotAllocate) {
  // A header claiming 2^24 lines of 1 GiB in total must fail before allocating.
  std::string b;
  put_u8(b, 1);
  put_varint(b, kMaxLogBlockLines);
  put_varint(b, kMaxLogBlockBytes);
  put_varint(b, 0);
  decode_or_data_error(b);
  std::string p;
  put_u8(p, 0);
  put_varint(p, kMaxLogBlockLines);
  put_u8(p, 0);
  put_varint(p, kMaxLogBlockLines * 10);
  decode_or_data_error(p);
}

}  // namespace
}  // namespace observe::codec
