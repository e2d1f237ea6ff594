// Corrupt and truncated chunks must throw observe::Error(kDataException),
// never crash or read out of bounds (run under ASan/valgrind to check the
// latter). Deterministic by default; OBSERVE_FUZZ_SEED and OBSERVE_FUZZ_ITERS
// run other or longer campaigns (e.g. in a sanitizer build).
#include <gtest/gtest.h>

#include <cstdlib>

#include "chunk_test_util.h"
#include "core/common/error.h"

namespace observe::chunk {
namespace {

uint64_t env_or(const char* name, uint64_t def) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : def;
}

// Decoding either succeeds or throws a data exception; nothing else.
void decode_or_data_error(std::string_view bytes) {
  try {
    ChunkSummary s = peek(bytes);
    ChunkData d = decode(bytes);
    ASSERT_EQ(d.times.size(), s.rows);
    for (const auto& c : d.columns) {
      ASSERT_EQ(c.size(), s.rows);
      ASSERT_TRUE(c.nulls.empty() || c.nulls.size() == s.rows);
    }
  } catch (const Error& e) {
    ASSERT_EQ(e.kind(), ErrorKind::kDataException) << e.what();
  }
  // The lazy reader, column by column.
  try {
    ChunkReader r(bytes);
    for (size_t i = 0; i < r.summary().columns.size(); ++i) {
      try {
        ASSERT_EQ(r.column(i).size(), r.rows());
      } catch (const Error& e) {
        ASSERT_EQ(e.kind(), ErrorKind::kDataException) << e.what();
      }
    }
    ASSERT_EQ(r.times().size(), r.rows());
  } catch (const Error& e) {
    ASSERT_EQ(e.kind(), ErrorKind::kDataException) << e.what();
  }
}

std::vector<std::string> valid_chunks() {
  std::vector<std::string> v;
  for (size_t rows : {0, 1, 5, 64, 300}) v.push_back(encode(testing::mixed_chunk(rows, rows + 1)));
  std::vector<int64_t> t(500);
  std::vector<double> x(500);
  for (size_t i = 0; i < t.size(); ++i) {
    t[i] = static_cast<int64_t>(i) * 1000;
    x[i] = static_cast<double>(i % 17) * 0.1;
  }
  v.push_back(encode_samples(t, x));
  // Gorilla (noise), a constant, and a zstd-wrapped bytes column.
  std::mt19937_64 rng(5);
  for (auto& y : x) y = std::uniform_real_distribution<double>(0, 1)(rng);
  v.push_back(encode_samples(t, x));
  v.push_back(encode_samples(t, std::vector<double>(t.size(), 0.5)));
  // Decimal with residuals (a noisy float sum) and byte planes (noisy durations).
  double sum = 0;
  for (auto& y : x) y = sum += 1.0 + static_cast<double>(rng() % 1000000) * 1e-9;
  v.push_back(encode_samples(t, x));
  for (auto& y : x) y = static_cast<double>(20000 + rng() % 60000) * 1e-9;
  v.push_back(encode_samples(t, x));
  ChunkData d;
  d.times = t;
  Column c = testing::col(ColumnKind::kBytes);
  c.token_filter = true;
  for (size_t i = 0; i < t.size(); ++i) c.bytes.push_back("line " + std::to_string(i % 37) + " of a log");
  d.columns.push_back(c);
  v.push_back(encode(d));
  return v;
}

TEST(ChunkFuzz, EveryTruncationThrows) {
  for (const std::string& enc : valid_chunks()) {
    for (size_t cut = 0; cut < enc.size(); ++cut) {
      std::string_view part(enc.data(), cut);
      EXPECT_THROW(decode(part), Error) << cut << " of " << enc.size();
    }
  }
}

TEST(ChunkFuzz, BitFlipsAndByteNoise) {
  std::mt19937_64 rng(env_or("OBSERVE_FUZZ_SEED", 1234));
  const uint64_t iters = env_or("OBSERVE_FUZZ_ITERS", 3000);
  for (const std::string& enc : valid_chunks()) {
    for (uint64_t trial = 0; trial < iters; ++trial) {
      std::string bad = enc;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !bad.empty(); ++e) {
        size_t pos = rng() % bad.size();
        if (rng() & 1)
          bad[pos] ^= static_cast<char>(1u << (rng() % 8));
        else
          bad[pos] = static_cast<char>(rng());
      }
      decode_or_data_error(bad);
    }
  }
}

TEST(ChunkFuzz, RandomBytes) {
  std::mt19937_64 rng(env_or("OBSERVE_FUZZ_SEED", 99));
  const uint64_t iters = env_or("OBSERVE_FUZZ_ITERS", 3000) * 7;
  for (uint64_t trial = 0; trial < iters; ++trial) {
    std::string bytes(rng() % 64, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    if (!bytes.empty() && (rng() & 1)) bytes[0] = static_cast<char>(kFormatVersion);
    decode_or_data_error(bytes);
  }
}

TEST(ChunkFuzz, HugeRowCountIsRefusedNotAllocated) {
  std::string bad;
  bad.push_back(static_cast<char>(kFormatVersion));
  // rows = 2^40 as a varint
  for (int i = 0; i < 5; ++i) bad.push_back(static_cast<char>(0x80));
  bad.push_back(0x20);
  bad += std::string(8, '\0');
  EXPECT_THROW(peek(bad), Error);
}

}  // namespace
}  // namespace observe::chunk
