// The token filter builder against the bytes its previous implementation produced: filters are
// stored and read by token_filter_may_contain, so a faster builder must produce, for the same
// lines and options, byte for byte the filter the old one produced. The digests below were
// computed by the builder of commit 48a0ed7 on these inputs (deterministic: mt19937_64's raw
// output).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/codec/token_filter.h"

namespace observe::codec {
namespace {

struct Setting {
  int version;
  bool fold;
};
const Setting kSettings[] = {{3, true}, {3, false}, {2, true}, {2, false}, {1, true}, {1, false}};
const size_t kBudgets[] = {SIZE_MAX, 0, 40, 300, 1200, 5000, 40000};

// A digest of everything a builder gives for `lines`: its key counts and its filter at every
// budget, folded into the running digest of the test.
uint64_t g_digest = 0;
void fold(const void* p, size_t n) {
  const unsigned char* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) g_digest = (g_digest ^ b[i]) * 1099511628211ull;  // FNV-1a
}
void fold_count(size_t v) {
  uint64_t x = v;
  fold(&x, sizeof x);
}

void expect_same(const std::vector<std::string>& lines, const Setting& st, const std::string&) {
  TokenFilterOptions o;
  o.version = st.version;
  o.fold_case = st.fold;
  TokenFilterBuilder b(o);
  for (const std::string& l : lines) b.add(l);
  fold_count(b.distinct_trigrams());
  fold_count(b.distinct_token_keys());
  fold_count(b.distinct_text_keys());
  fold_count(b.distinct_pair_keys());
  fold_count(b.distinct_digit_keys());
  for (size_t budget : kBudgets) {
    std::string f = b.finish(budget);
    fold_count(f.size());
    fold(f.data(), f.size());
  }
}

// Each test's digest as the builder of 48a0ed7 computed it (branch filterbuild ran that builder,
// kept verbatim beside this test, against the new one before the digests replaced it).
const std::map<std::string, uint64_t> kOldBuilderDigests = {
    {"RandomLines", 0xc84bdb00b3a6db1aull},
    {"EdgeLines", 0x83aeb2d895414246ull},
    {"RecordingLikeChunks", 0xdfd22b2b939e4bd8ull},
    {"OverflowingKeySets", 0x2371ca1a6926c244ull},
    {"KeySetExactlyFull", 0x7181e18be2d8d662ull},
    // Version 4 (and 3 again) on more inputs, as the builder of 4d298e1 computed them (branch
    // kafka5 ran that builder, rebuilt from main, on these tests before its caches of long
    // tokens and of ASCII words).
    {"Version4Lines", 0xf852a752bc42ff51ull},
    {"KafkaBenchChunks", 0x6345ec84fa24c84aull},
    {"LongTokenKeySetExactlyFull", 0x148d01aa0585df2aull},
};

class TokenFilterDifferential : public ::testing::Test {
 protected:
  void SetUp() override { g_digest = 14695981039346656037ull; }
  void TearDown() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    EXPECT_EQ(g_digest, kOldBuilderDigests.at(name)) << name << ": the filters differ from the old builder's";
  }
};

// Bytes of every kind a tokenizer cares about: letters of both cases, digits, separators,
// bytes >= 0x80, NUL; tokens of 1-80 bytes (the caches keep <= 24, the masks work in 64s).
std::string random_line(std::mt19937_64& rng, size_t max_len) {
  static const std::string kSeps = " .,:;/-_=\"'{}[]()#@\t\n\\";
  const size_t n = rng() % (max_len + 1);
  std::string s;
  while (s.size() < n) {
    const unsigned kind = rng() % 10;
    const size_t m = rng() % 4 == 0 ? 1 + rng() % 80 : 1 + rng() % 10;
    for (size_t i = 0; i < m && s.size() < n; ++i) {
      switch (kind) {
        case 0: case 1: case 2: s.push_back(static_cast<char>('0' + rng() % 10)); break;  // numbers
        case 3: case 4: s.push_back(static_cast<char>('a' + rng() % 6)); break;          // small alphabet: repeats
        case 5: s.push_back(static_cast<char>('A' + rng() % 26)); break;
        case 6: s.push_back(static_cast<char>(rng() % 256)); break;
        case 7: s.push_back(static_cast<char>(0x80 + rng() % 128)); break;
        default: s.push_back(static_cast<char>('a' + rng() % 26)); break;
      }
    }
    if (s.size() < n) s.push_back(rng() % 8 == 0 ? static_cast<char>(rng() % 256) : kSeps[rng() % kSeps.size()]);
  }
  return s;
}

// Lines like the log recording's: JSON logs, nginx access/error logs, PostgreSQL jsonlog.
std::string recording_like(std::mt19937_64& rng, size_t i) {
  char buf[512];
  switch (rng() % 4) {
    case 0:
      std::snprintf(buf, sizeof buf,
                    "10.0.%u.%u - - [06/Dec/2026:01:%02u:%02u +0000] \"GET /api/v1/orders/%u HTTP/1.1\" %u %u \"-\" "
                    "\"Mozilla/5.0 (X11; Linux x86_64)\"",
                    unsigned(rng() % 256), unsigned(rng() % 256), unsigned(rng() % 60), unsigned(rng() % 60),
                    unsigned(100000 + rng() % 50000), rng() % 5 ? 200u : 404u, unsigned(rng() % 5000));
      break;
    case 1:
      std::snprintf(buf, sizeof buf,
                    "{\"timestamp\":\"2026-12-06 01:33:%02u.%03u UTC\",\"user\":\"pgbench\",\"dbname\":\"bench\","
                    "\"pid\":%u,\"session_id\":\"6b14bb84.%x\",\"line_num\":%zu,\"error_severity\":\"LOG\","
                    "\"message\":\"duration: 0.%03u ms  statement: UPDATE pgbench_accounts SET abalance = abalance + %d "
                    "WHERE aid = %u;\"}",
                    unsigned(rng() % 60), unsigned(rng() % 1000), unsigned(7000 + rng() % 100),
                    unsigned(0x1b00 + rng() % 64), i, unsigned(rng() % 1000), int(rng() % 10000) - 5000,
                    unsigned(rng() % 10000000));
      break;
    case 2:
      std::snprintf(buf, sizeof buf, "2026/12/06 01:33:53 [notice] %u#%u: using the \"epoll\" event method", unsigned(rng() % 40000),
                    unsigned(rng() % 40000));
      break;
    default:
      std::snprintf(buf, sizeof buf,
                    "{\"level\":\"%s\",\"ts\":%u.%06u,\"caller\":\"ingest/worker.go:%u\",\"msg\":\"Batch Committed\","
                    "\"trace_id\":\"%016llx%016llx\",\"rows\":%u}",
                    rng() % 3 ? "info" : "WARN", unsigned(1796520000 + rng() % 1000), unsigned(rng() % 1000000),
                    unsigned(rng() % 400), static_cast<unsigned long long>(rng()), static_cast<unsigned long long>(rng()),
                    unsigned(rng() % 5000));
  }
  return buf;
}

// `rounds` sets of 1-400 random lines (short, medium, long in turn), each under every setting.
template <size_t N>
void expect_same_random_rounds(std::mt19937_64& rng, int rounds, const Setting (&settings)[N]) {
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::string> lines(1 + rng() % 400);
    const size_t max_len = round % 3 == 0 ? 20 : round % 3 == 1 ? 300 : 3000;
    for (std::string& l : lines) l = random_line(rng, max_len);
    for (const Setting& st : settings) expect_same(lines, st, "round " + std::to_string(round));
  }
}

TEST_F(TokenFilterDifferential, RandomLines) {
  std::mt19937_64 rng(20261207);
  expect_same_random_rounds(rng, 40, kSettings);
}

TEST_F(TokenFilterDifferential, EdgeLines) {
  // Lengths around the word and mask boundaries, tokens at both ends, empty lines.
  std::vector<std::string> lines = {"", "a", "ab", "abc", "a.b", "1.b", "ab.1", ".", "..", "a b", "Z"};
  for (size_t n : {7, 8, 9, 15, 16, 17, 23, 24, 25, 63, 64, 65, 127, 128, 129}) {
    lines.push_back(std::string(n, 'x'));
    lines.push_back(std::string(n, '7'));
    lines.push_back("k." + std::string(n, 'Q'));
    lines.push_back(std::string(n, 'q') + "/1");
    lines.push_back(std::string(n, '\xe9'));
    std::string alt;
    for (size_t i = 0; i < n; ++i) alt.push_back(i % 2 ? '.' : static_cast<char>('a' + i % 26));
    lines.push_back(alt);
  }
  // Long lines of many tokens (the builder takes a line's tokens in batches of ~300): single
  // bytes with pairs, and tokens of every length straddling the batches.
  std::string many, mixed;
  for (size_t i = 0; i < 50000; ++i) many += static_cast<char>('a' + i % 26) + std::string(i % 3 ? "." : " ");
  std::mt19937_64 rng(7);
  while (mixed.size() < 200000) {
    const size_t m = 1 + rng() % 30;
    for (size_t i = 0; i < m; ++i) mixed.push_back(static_cast<char>(rng() % 3 ? '0' + rng() % 10 : 'a' + rng() % 26));
    mixed.push_back(rng() % 2 ? '/' : ' ');
  }
  lines.push_back(many);
  lines.push_back(mixed);
  for (const Setting& st : kSettings) expect_same(lines, st, "edge lines");
  // One line at a time too (a builder of one line: small sets, the finish floor).
  for (const std::string& l : lines)
    for (const Setting& st : kSettings) expect_same({l}, st, "line '" + l + "'");
}

TEST_F(TokenFilterDifferential, RecordingLikeChunks) {
  std::mt19937_64 rng(4242);
  for (int chunk = 0; chunk < 4; ++chunk) {
    std::vector<std::string> lines(20000);
    for (size_t i = 0; i < lines.size(); ++i) lines[i] = recording_like(rng, i);
    for (const Setting& st : kSettings) expect_same(lines, st, "chunk " + std::to_string(chunk));
  }
}

TEST_F(TokenFilterDifferential, OverflowingKeySets) {
  // More than kMaxTokenKeys text keys (random 20-byte tokens: 9 keys each) and pairs: the
  // classes are dropped at the same point.
  std::mt19937_64 rng(99);
  std::vector<std::string> lines;
  for (int i = 0; i < 13000; ++i) {
    std::string l;
    for (int t = 0; t < 10; ++t) {
      for (int b = 0; b < 20; ++b) l.push_back(static_cast<char>('a' + rng() % 26));
      l.push_back(t % 2 ? ' ' : '.');
    }
    lines.push_back(l);
  }
  expect_same(lines, {3, true}, "overflow");
  expect_same(lines, {2, false}, "overflow");
  TokenFilterBuilder r{TokenFilterOptions()};
  for (const std::string& l : lines) r.add(l);
  EXPECT_EQ(r.distinct_text_keys(), 0u);  // dropped
  EXPECT_GT(r.distinct_pair_keys(), 0u);
}

TEST_F(TokenFilterDifferential, KeySetExactlyFull) {
  // Exactly kMaxTokenKeys text keys, then only tokens seen before: a set is dropped by the
  // insert_key after it is full, so whether it is dropped depends on which tokens reach
  // insert_key; the new builder must agree with the old one both ways.
  auto letters = [](size_t c) {
    std::string e;
    for (int i = 0; i < 4; ++i, c /= 26) e.push_back(static_cast<char>('a' + c % 26));
    return e;
  };
  std::vector<std::string> lines;
  const size_t kLong = 116508;  // 9 distinct keys each (whole, 4 prefixes, 4 suffixes)
  std::string l;
  for (size_t c = 0; c < kLong; ++c) {
    l += letters(c) + "zzmmmmmmmmmmmmzz" + letters(c) + (c % 2 ? " " : ".");
    if (c % 10 == 9) lines.push_back(std::move(l)), l.clear();
  }
  lines.push_back(l + "ab cd ef gh");  // + 4 whole keys = 2^20
  ASSERT_EQ(kLong * 9 + 4, TokenFilterBuilder::kMaxTokenKeys);
  for (int i = 0; i < 50; ++i) lines.push_back("ab cd ef gh ab");
  for (const Setting& st : {Setting{3, true}, Setting{2, false}}) {
    TokenFilterOptions ro;
    ro.version = st.version;
    ro.fold_case = st.fold;
    TokenFilterBuilder r(ro);
    for (const std::string& x : lines) r.add(x);
    ASSERT_EQ(r.distinct_token_keys(), TokenFilterBuilder::kMaxTokenKeys + (st.version == 3 ? r.distinct_pair_keys() : 0));
    expect_same(lines, st, "full set");
  }
  lines.push_back("ab cd ef gh new");  // one more key: dropped
  for (const Setting& st : {Setting{3, true}, Setting{2, false}}) expect_same(lines, st, "full set + 1");
}

const Setting kSettings4[] = {{4, true}, {4, false}, {3, true}};

TEST_F(TokenFilterDifferential, Version4Lines) {
  std::mt19937_64 rng(5720);
  expect_same_random_rounds(rng, 30, kSettings4);
  for (int chunk = 0; chunk < 2; ++chunk) {
    std::vector<std::string> lines(20000);
    for (size_t i = 0; i < lines.size(); ++i) lines[i] = recording_like(rng, i);
    for (const Setting& st : kSettings4) expect_same(lines, st, "chunk " + std::to_string(chunk));
  }
  // Tokens of 20-70 bytes (around the caches' 24 and 64), repeated and not, one builder of
  // many lines and many builders of one line (the word cache's tags wrap every 255 builders).
  std::vector<std::string> lines;
  for (int i = 0; i < 3000; ++i) {
    std::string l;
    for (int t = 0; t < 6; ++t) {
      const size_t m = 20 + rng() % 51;
      const uint64_t seed = rng() % 40;  // a few distinct long tokens of each length
      for (size_t b = 0; b < m; ++b) l.push_back(static_cast<char>((rng() % 7 ? 'a' + (seed * 7 + b) % 26 : '0' + b % 10)));
      l.push_back(t % 3 ? ' ' : '=');
    }
    lines.push_back(l);
  }
  for (const Setting& st : kSettings4) expect_same(lines, st, "long tokens");
  for (size_t i = 0; i < 600; ++i) expect_same({lines[i % 50]}, kSettings4[i % 3], "one line");
}

// The Kafka benchmark's lines (bench/kafka, json_lines_200 and _1000: the msg field, as
// test/kafka/mock_broker.cpp makes it), in chunks of a batch.
TEST_F(TokenFilterDifferential, KafkaBenchChunks) {
  for (size_t size : {200, 1000}) {
    for (int64_t first : {0, 980000}) {
      std::vector<std::string> lines;
      for (int64_t i = first; i < first + 20000; ++i) {
        const std::string head = "{\"ts\": " + std::to_string(1704067200000 + i) +
                                 ", \"level\": \"info\", \"app\": \"checkout\", \"msg\": \"";
        std::string msg = "request " + std::to_string(i) + " served GET /api/v1/cart status=200 bytes=5120 duration=";
        while (head.size() + msg.size() + 2 < size) msg += static_cast<char>('a' + (msg.size() * 7 + i) % 26);
        lines.push_back(msg);
      }
      for (const Setting& st : kSettings4) expect_same(lines, st, "kafka");
    }
  }
}

TEST_F(TokenFilterDifferential, LongTokenKeySetExactlyFull) {
  // As KeySetExactlyFull with tokens of 30 bytes (the long-token cache's): exactly
  // kMaxTokenKeys text keys, then only long tokens seen before, which drop the full set.
  auto letters = [](size_t c) {
    std::string e;
    for (int i = 0; i < 4; ++i, c /= 26) e.push_back(static_cast<char>('a' + c % 26));
    return e;
  };
  auto token = [&](size_t c) { return letters(c) + "zz" + std::string(18, 'm') + "zz" + letters(c); };
  std::vector<std::string> lines;
  const size_t kLong = 116508;  // 9 distinct keys each (whole, 4 prefixes, 4 suffixes)
  std::string l;
  for (size_t c = 0; c < kLong; ++c) {
    l += token(c) + (c % 2 ? " " : ".");
    if (c % 10 == 9) lines.push_back(std::move(l)), l.clear();
  }
  lines.push_back(l + "ab cd ef gh");  // + 4 whole keys = 2^20
  ASSERT_EQ(kLong * 9 + 4, TokenFilterBuilder::kMaxTokenKeys);
  std::vector<std::string> full = lines;
  for (const Setting& st : {Setting{4, true}, Setting{3, true}, Setting{2, false}}) expect_same(full, st, "full set");
  for (int i = 0; i < 50; ++i) lines.push_back(token(kLong - 1 - i % 3) + " " + token(kLong - 1));
  for (const Setting& st : {Setting{4, true}, Setting{3, true}, Setting{2, false}}) {
    TokenFilterOptions ro;
    ro.version = st.version;
    ro.fold_case = st.fold;
    TokenFilterBuilder f(ro), r(ro);
    for (const std::string& x : full) f.add(x);
    for (const std::string& x : lines) r.add(x);
    EXPECT_EQ(f.distinct_text_keys(), TokenFilterBuilder::kMaxTokenKeys);
    EXPECT_EQ(r.distinct_text_keys(), 0u);  // the repeated long tokens dropped the full set
    expect_same(lines, st, "full set + repeats");
  }
}

}  // namespace
}  // namespace observe::codec
