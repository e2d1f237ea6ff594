#include "core/codec/token_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/common/error.h"

namespace observe::codec {
namespace {

std::string random_line(std::mt19937_64& rng) {
  static const char* words[] = {"level=info", "level=warn", "msg=\"request served\"", "path=/api/v1/query",
                                "status=200", "status=500", "duration=12ms", "user=alice", "method=GET"};
  std::string s;
  for (int i = 0; i < 6; ++i) s += std::string(words[rng() % 9]) + " ";
  s += "req_id=" + std::to_string(rng() % 100000);
  return s;
}

TEST(TokenFilter, NoFalseNegatives) {
  std::mt19937_64 rng(1);
  TokenFilterBuilder b;
  std::vector<std::string> lines;
  for (int i = 0; i < 2000; ++i) {
    lines.push_back(random_line(rng));
    b.add(lines.back());
  }
  std::string f = b.finish();
  for (int i = 0; i < 2000; ++i) {
    const std::string& l = lines[rng() % lines.size()];
    size_t pos = rng() % l.size();
    size_t len = 1 + rng() % (l.size() - pos);
    ASSERT_TRUE(token_filter_may_contain(f, l.substr(pos, len))) << l.substr(pos, len);
  }
}

TEST(TokenFilter, ExcludesAbsentNeedles) {
  std::mt19937_64 rng(2);
  TokenFilterBuilder b;
  for (int i = 0; i < 2000; ++i) b.add(random_line(rng));
  std::string f = b.finish();
  EXPECT_FALSE(token_filter_may_contain(f, "panic: runtime error"));
  EXPECT_FALSE(token_filter_may_contain(f, "level=error"));
  EXPECT_FALSE(token_filter_may_contain(f, "LEVEL=INFO"));  // case-sensitive, like |=
  int false_positives = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string needle = "zq" + std::to_string(rng()) + "xk";
    false_positives += token_filter_may_contain(f, needle);
  }
  EXPECT_LT(false_positives, 20);
  // Short needles and empty filters cannot exclude.
  EXPECT_TRUE(token_filter_may_contain(f, "zz"));
  EXPECT_TRUE(token_filter_may_contain("", "anything"));
  EXPECT_EQ(TokenFilterBuilder().finish(), "");
}

TEST(TokenFilter, SizeIsSixteenBitsAKey) {
  TokenFilterBuilder b;
  // 24 distinct trigrams; one token of 26 bytes: whole, and prefix + suffix at 6, 8, 12, 16.
  b.add("abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(b.distinct_trigrams(), 24u);
  EXPECT_EQ(b.distinct_token_keys(), 9u);
  std::string f = b.finish();
  // Version 3: 8 bytes of header, 24 trigrams * 16 bits -> 6 words, 9 token keys * 16 bits -> 3.
  EXPECT_EQ(f.size(), 8u + 8u * (6u + 3u));
  TokenFilterOptions v2;
  v2.version = 2;
  TokenFilterBuilder two(v2);
  two.add("abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(two.finish().size(), 3u + 8u * 9u);  // version 2: 33 keys * 16 bits = 528 bits -> 9 words
  TokenFilterOptions v1;
  v1.version = 1;
  TokenFilterBuilder old(v1);
  old.add("abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(old.finish().size(), 1u + 32u);  // version 1: 10 bits a trigram, 240 bits -> 4 words
}

// Trigrams cannot tell one id from another; whole tokens and token affixes can.
TEST(TokenFilter, TokensTellIdsApart) {
  TokenFilterBuilder b;
  for (int i = 0; i < 500; ++i)
    if (i != 2) b.add("GET /api/v1/orders/" + std::to_string(100000 + i) + " HTTP/1.1");
  std::string f = b.finish();
  EXPECT_TRUE(token_filter_may_contain(f, "orders/100003"));
  EXPECT_TRUE(token_filter_may_contain(f, "orders/10000"));  // a prefix of 100001..100009
  EXPECT_TRUE(token_filter_may_contain(f, "/v1/orders/100499 HTTP"));
  EXPECT_FALSE(token_filter_may_contain(f, "orders/100002"));
  EXPECT_FALSE(token_filter_may_contain(f, "/100002 "));
  EXPECT_FALSE(token_filter_may_contain(f, "rders/100002"));
  // A needle that is one token has only its trigrams: every one is in an id.
  EXPECT_TRUE(token_filter_may_contain(f, "100002"));
  // The old layout lets the id through.
  TokenFilterOptions v1;
  v1.version = 1;
  TokenFilterBuilder old(v1);
  for (int i = 0; i < 500; ++i)
    if (i != 2) old.add("GET /api/v1/orders/" + std::to_string(100000 + i) + " HTTP/1.1");
  EXPECT_TRUE(token_filter_may_contain(old.finish(), "orders/100002"));
}

// The version 2 bytes are a stored format: the same lines must give the same filter in every
// release (a changed hash would make stored filters exclude chunks holding the needle).
TEST(TokenFilter, VersionTwoBytesAreStable) {
  TokenFilterOptions o;
  o.fold_case = true;
  o.version = 2;
  TokenFilterBuilder b(o);
  b.add("GET /api/v1/orders/100002 HTTP/1.1 session_id=6b14bb84.7007");
  std::string f = b.finish();
  uint64_t h = 1469598103934665603ULL;  // FNV-1a of the filter
  for (unsigned char c : f) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  EXPECT_EQ(f.size(), 147u);
  EXPECT_EQ(h, 0xa383eb4125e59af4ULL);
}

TEST(TokenFilter, VersionThreeBytesAreStable) {
  TokenFilterOptions o;
  o.fold_case = true;
  o.version = 3;
  TokenFilterBuilder b(o);
  b.add("GET /api/v1/orders/100002 HTTP/1.1 session_id=6b14bb84.7007");
  std::string f = b.finish();
  uint64_t h = 1469598103934665603ULL;  // FNV-1a of the filter
  for (unsigned char c : f) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  EXPECT_EQ(token_filter_version(f), 3);
  EXPECT_EQ(token_filter_classes(f), 7u);
  EXPECT_EQ(f.size(), 168u);
  EXPECT_EQ(h, 0xbed9220863d35819ULL);
}

// Pair keys: a chunk holding the session's first part (every session started in that second)
// and its second part elsewhere does not pass the whole session id.
TEST(TokenFilter, PairsTellSessionIdsApart) {
  TokenFilterBuilder b;
  for (int i = 0; i < 300; ++i) {
    char sid[64];
    std::snprintf(sid, sizeof sid, "6b14bb84.%x", 0x7010 + i);
    b.add(std::string("{\"session_id\":\"") + sid + "\",\"pid\":" + std::to_string(7007 + i) + ",\"line_num\":7007}");
  }
  std::string f = b.finish();
  EXPECT_GT(b.distinct_pair_keys(), 0u);
  EXPECT_TRUE(token_filter_may_contain(f, "6b14bb84.7101"));
  EXPECT_TRUE(token_filter_may_contain(f, "6b14bb84"));
  EXPECT_FALSE(token_filter_may_contain(f, "6b14bb84.7007"));
  EXPECT_FALSE(token_filter_may_contain(f, "session_id\":\"6b14bb84.7007\""));
  // Version 2 (no pairs) passes it: both tokens are in the chunk.
  TokenFilterOptions v2;
  v2.version = 2;
  TokenFilterBuilder old(v2);
  for (int i = 0; i < 300; ++i) {
    char sid[64];
    std::snprintf(sid, sizeof sid, "6b14bb84.%x", 0x7010 + i);
    old.add(std::string("{\"session_id\":\"") + sid + "\",\"pid\":" + std::to_string(7007 + i) + ",\"line_num\":7007}");
  }
  EXPECT_TRUE(token_filter_may_contain(old.finish(), "6b14bb84.7007"));
}

// A budget too small for every class drops the digit tokens first, then the pairs; the
// filter says which are present and a needle's keys of an absent class are not probed.
TEST(TokenFilter, ClassesDroppedByBudget) {
  TokenFilterOptions o;
  o.min_bytes = 0;
  o.version = 3;
  TokenFilterBuilder b(o);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 3000; ++i)
    b.add("aid=" + std::to_string(100000 + rng() % 900000) + " sid=ab" + std::to_string(i % 50) + ".c" +
          std::to_string(i % 50 % 7) + " msg=ok");
  std::string all = b.finish();
  EXPECT_EQ(token_filter_classes(all), 7u);
  // Squeezed: trigrams at 3 bits, then room for text and pairs at 8 bits, not the numbers.
  const size_t tri_words = (b.distinct_trigrams() * 3 + 63) / 64;
  auto budget = [&](size_t keys) { return 8 + 8 * (tri_words + (keys * 9 + 63) / 64); };
  ASSERT_GT(b.distinct_digit_keys(), 2000u);
  std::string some = b.finish(budget(b.distinct_text_keys() + b.distinct_pair_keys()));
  EXPECT_EQ(token_filter_classes(some), 3u);
  std::string text_only = b.finish(budget(b.distinct_text_keys()));
  EXPECT_EQ(token_filter_classes(text_only), 1u);
  std::string trigrams_only = b.finish(budget(0));
  EXPECT_EQ(token_filter_classes(trigrams_only), 0u);
  for (const std::string& f : {all, some, text_only, trigrams_only}) {
    EXPECT_TRUE(token_filter_may_contain(f, "sid=ab7.c0 msg"));
    EXPECT_TRUE(token_filter_may_contain(f, "sid=ab17.c3 msg"));
    EXPECT_FALSE(token_filter_may_contain(f, "sid=zz7.c0"));
  }
  // ab17 always goes with c3: every token and trigram of `ab17.c1 ` is in the lines, the pair
  // `ab17.c1` is not.
  EXPECT_FALSE(token_filter_may_contain(all, "sid=ab17.c1 msg"));
  EXPECT_FALSE(token_filter_may_contain(some, "sid=ab17.c1 msg"));
  EXPECT_TRUE(token_filter_may_contain(text_only, "sid=ab17.c1 msg"));
}

// Version 4: long pair keys (the second token's first 6 bytes) tell apart ids that share their
// first 4 digits, without the digit tokens; version 3's 4-byte pairs cannot. A needle whose
// second part is shorter than 6 bytes and open on the right (`orders/1000`) is not tested on
// them (the line's token may be longer).
TEST(TokenFilter, LongPairsTellOrderIdsApart) {
  std::vector<std::string> lines;
  for (int i = 0; i < 400; ++i)
    if (i != 2) lines.push_back("GET /api/v1/orders/" + std::to_string(100000 + i) + " HTTP/1.1 bytes=" + std::to_string(200000 + 7 * i));
  auto build = [&](int version, size_t budget) {
    TokenFilterOptions o;
    o.fold_case = true;
    o.version = version;
    o.min_bytes = 0;
    TokenFilterBuilder b(o);
    for (const std::string& l : lines) b.add(l);
    return std::make_pair(b.finish(budget), b.distinct_long_pair_keys());
  };
  auto [v4, long_keys] = build(4, SIZE_MAX);
  EXPECT_EQ(token_filter_version(v4), 4);
  EXPECT_EQ(token_filter_classes(v4), 15u);
  EXPECT_GE(long_keys, 399u);
  // Budget for trigrams at 3 bits and text, pairs and long pairs at 8 bits: no digit class.
  TokenFilterOptions o;
  o.fold_case = true;
  o.min_bytes = 0;
  TokenFilterBuilder b(o);
  for (const std::string& l : lines) b.add(l);
  const size_t tri_words = (b.distinct_trigrams() * 3 + 63) / 64;
  const size_t keys = b.distinct_text_keys() + b.distinct_pair_keys() + b.distinct_long_pair_keys();
  std::string squeezed = b.finish(8 + 8 * (tri_words + (keys * 9 + 63) / 64));
  EXPECT_EQ(token_filter_classes(squeezed), 11u);
  for (const std::string& f : {v4, squeezed}) {
    EXPECT_FALSE(token_filter_may_contain(f, "orders/100002"));
    EXPECT_FALSE(token_filter_may_contain(f, "ORDERS/100002", true));
    EXPECT_FALSE(token_filter_may_contain(f, "/orders/100002 HTTP"));
    EXPECT_TRUE(token_filter_may_contain(f, "orders/100003"));
    EXPECT_TRUE(token_filter_may_contain(f, "orders/1000"));
    EXPECT_TRUE(token_filter_may_contain(f, "orders/10000"));
    EXPECT_TRUE(token_filter_may_contain(f, "rders/100399 HTTP"));
  }
  // Version 3 at the same budget without digits: 4-byte pairs (`ders/1000`) pass it.
  TokenFilterOptions o3 = o;
  o3.version = 3;
  TokenFilterBuilder b3(o3);
  for (const std::string& l : lines) b3.add(l);
  std::string v3 = b3.finish(8 + 8 * (tri_words + ((b3.distinct_text_keys() + b3.distinct_pair_keys()) * 9 + 63) / 64));
  EXPECT_EQ(token_filter_classes(v3), 3u);
  EXPECT_TRUE(token_filter_may_contain(v3, "orders/100002"));
}

// Filters written by version 2 are still read, with their answers.
TEST(TokenFilter, ReadsVersionTwoFilters) {
  TokenFilterOptions o;
  o.version = 2;
  TokenFilterBuilder b(o);
  for (int i = 0; i < 500; ++i)
    if (i != 2) b.add("GET /api/v1/orders/" + std::to_string(100000 + i) + " HTTP/1.1");
  std::string f = b.finish();
  EXPECT_EQ(token_filter_version(f), 2);
  EXPECT_TRUE(token_filter_may_contain(f, "orders/100003"));
  EXPECT_FALSE(token_filter_may_contain(f, "orders/100002"));
}

// Case folding (8 bytes at a time in add()) folds exactly ASCII 'A'..'Z', whatever the byte
// values and their position in the line: a line and its ASCII-lowercased copy give the same
// filter, and one with a byte changed outside 'A'..'Z' by 0x20 does not fold into it.
TEST(TokenFilter, FoldsAsciiCaseOfEveryByteValue) {
  std::string line;
  for (int rep = 0; rep < 3; ++rep)
    for (int c = 0; c < 256; ++c) {
      line.push_back(static_cast<char>(c));
      if ((c + rep) % 5 == 0) line.push_back('Q');  // shift the 8-byte windows
    }
  std::string lower = line;
  for (char& ch : lower)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  TokenFilterOptions o;
  o.fold_case = true;
  auto build = [&](const std::string& l) {
    TokenFilterBuilder b(o);
    for (size_t cut = 0; cut < 9; ++cut) b.add(std::string_view(l).substr(cut));  // every tail alignment
    return b.finish();
  };
  std::string f = build(line);
  EXPECT_EQ(f, build(lower));
  for (size_t k = 0; k + 12 <= line.size(); k += 37) {  // no false negative, either case
    EXPECT_TRUE(token_filter_may_contain(f, line.substr(k, 12), true)) << k;
    EXPECT_TRUE(token_filter_may_contain(f, lower.substr(k, 12), true)) << k;
  }
  // '[' (0x5b) and '@' (0x40) must not fold into '{' and '`'.
  std::string other = line;
  for (char& ch : other)
    if (ch == '[') ch = '{';
  EXPECT_NE(build(other), f);
}

// Builders reuse a per-thread scratch (trigram bitmap, token cache): a builder must see none of
// what an earlier or a concurrent one added, also after one overflowed its list of trigrams.
TEST(TokenFilter, ScratchReuseLeavesNoTrace) {
  TokenFilterOptions o;
  o.fold_case = true;
  auto build = [&](const std::vector<std::string>& lines) {
    TokenFilterBuilder b(o);
    for (const auto& l : lines) b.add(l);
    return b.finish(4096);
  };
  std::mt19937_64 rng(7);
  std::vector<std::string> a, c;
  for (int i = 0; i < 300; ++i) a.push_back(random_line(rng));
  for (int i = 0; i < 300; ++i) c.push_back("other " + random_line(rng) + " tail" + std::to_string(i));
  const std::string fa = build(a), fc = build(c);
  ASSERT_NE(fa, fc);
  // Overlapping builders get separate scratches.
  {
    TokenFilterBuilder x(o), y(o);
    for (const auto& l : a) x.add(l);
    for (const auto& l : c) y.add(l);
    EXPECT_EQ(x.finish(4096), fa);
    EXPECT_EQ(y.finish(4096), fc);
  }
  // A line of random bytes: more distinct trigrams than the list keeps (the bitmap is scanned).
  std::string noise(3u << 20, '\0');
  for (char& ch : noise) ch = static_cast<char>(rng());
  {
    TokenFilterBuilder big(o);
    big.add(noise);
    EXPECT_GT(big.distinct_trigrams(), size_t{1} << 20);
    std::string f = big.finish();
    size_t i = 100000;
    EXPECT_TRUE(token_filter_may_contain(f, std::string_view(noise).substr(i, 40)));
  }
  EXPECT_EQ(build(a), fa);
  EXPECT_EQ(build(c), fc);
  for (const auto& l : a) EXPECT_TRUE(token_filter_may_contain(build(a), l));
}

// Filters written by the previous version (trigrams only, byte 0 = probes | fold bit) are
// still read, with their answers.
TEST(TokenFilter, ReadsVersionOneFilters) {
  for (bool fold : {false, true}) {
    TokenFilterOptions o;
    o.version = 1;
    o.fold_case = fold;
    TokenFilterBuilder b(o);
    b.add("level=info msg=\"request served\" path=/api/v1/query");
    std::string f = b.finish();
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(static_cast<uint8_t>(f[0]) & 0x7f, static_cast<uint8_t>(f[0]) & 0x0f);  // probes, no version bits
    EXPECT_NO_THROW(token_filter_check(f));
    EXPECT_TRUE(token_filter_may_contain(f, "request served"));
    EXPECT_TRUE(token_filter_may_contain(f, "api/v1"));
    EXPECT_FALSE(token_filter_may_contain(f, "level=error"));
    // Unfolded: a case-insensitive needle cannot be answered; folded: needles fold too.
    EXPECT_TRUE(token_filter_may_contain(f, "LEVEL=INFO", true));
    EXPECT_EQ(token_filter_may_contain(f, "LEVEL=INFO"), fold);
    EXPECT_EQ(token_filter_may_contain(f, "LEVEL=ERROR", true), !fold);
  }
  // A hand-made version 1 filter: 7 probes, case-folded, every bit set passes everything.
  std::string all(1 + 64, '\xff');
  all[0] = static_cast<char>(7 | 0x80);
  EXPECT_TRUE(token_filter_may_contain(all, "anything at all"));
  std::string none(1 + 64, '\0');
  none[0] = static_cast<char>(7 | 0x80);
  EXPECT_FALSE(token_filter_may_contain(none, "anything at all"));
  EXPECT_TRUE(token_filter_may_contain(none, "an"));  // no trigram: cannot tell
}

// Property: random lines of random tokens and separators, random needles (substrings of the
// lines, and mutated ones); a filter never excludes a set of lines that holds the needle,
// whatever the budget, the case folding and the needle's edges.
TEST(TokenFilter, NeverExcludesAChunkHoldingTheNeedle) {
  std::mt19937_64 rng(7);
  const std::string alpha = "aAbB01234xyz5678";
  const std::string seps = " /.:-_=\"[]";
  auto piece = [&]() {
    std::string s;
    size_t n = 1 + rng() % 20;
    for (size_t i = 0; i < n; ++i) s.push_back(alpha[rng() % alpha.size()]);
    return s;
  };
  for (int round = 0; round < 240; ++round) {
    TokenFilterOptions o;
    o.fold_case = round % 2;
    o.version = round < 60 ? 2 : round < 120 ? 3 : 4;
    if (round >= 120 || round % 5 == 0) o.min_bytes = 0;  // every class dropped in turn by the budget
    TokenFilterBuilder b(o);
    std::vector<std::string> lines;
    size_t nlines = 1 + rng() % 200;
    for (size_t i = 0; i < nlines; ++i) {
      std::string l;
      size_t parts = rng() % 12;
      for (size_t p = 0; p < parts; ++p) {
        if (rng() % 4) l += piece();
        size_t ns = rng() % 3;
        for (size_t k = 0; k < ns; ++k) l.push_back(seps[rng() % seps.size()]);
      }
      if (rng() % 10 == 0) l += "\xc3\xa9t\xc3\xa9";  // non-ASCII bytes are token bytes
      lines.push_back(l);
      b.add(l);
    }
    size_t budget = round % 3 == 0 ? SIZE_MAX : 16 + rng() % 400;
    std::string f = b.finish(budget);
    if (budget != SIZE_MAX) {
      EXPECT_LE(f.size(), std::max<size_t>({budget, 11, o.version >= 3 ? o.min_bytes + 11 : 0}));
    }
    for (int q = 0; q < 400; ++q) {
      std::string needle;
      if (q % 4 != 3) {
        const std::string& l = lines[rng() % lines.size()];
        if (l.empty()) continue;
        size_t pos = rng() % l.size(), len = 1 + rng() % (l.size() - pos);
        needle = l.substr(pos, len);
      } else {
        needle = piece() + seps[rng() % seps.size()] + piece();
      }
      bool ci = o.fold_case && rng() % 2;
      std::string probe = needle;
      if (ci)
        for (char& c : probe)
          if (rng() % 2 && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      auto lower = [](std::string s) {
        for (char& c : s)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        return s;
      };
      bool truth = false;
      for (const std::string& l : lines)
        if (ci ? lower(l).find(lower(probe)) != std::string::npos : l.find(probe) != std::string::npos) truth = true;
      if (truth) {
        ASSERT_TRUE(token_filter_may_contain(f, probe, ci)) << "needle [" << probe << "] round " << round;
      }
    }
  }
}

TEST(TokenFilter, MalformedThrows) {
  EXPECT_THROW(token_filter_check(std::string("\x07\x01\x02", 3)), Error);
  // Version 2: header of 3 bytes, probes 1..16, flags 0 or 1, whole words.
  std::string ok = std::string("\x40\x03\x01", 3) + std::string(8, '\0');
  EXPECT_NO_THROW(token_filter_check(ok));
  EXPECT_THROW(token_filter_check(std::string("\x40\x03\x01", 3) + std::string(7, '\0')), Error);
  EXPECT_THROW(token_filter_check(std::string("\x40\x00\x01", 3) + std::string(8, '\0')), Error);
  EXPECT_THROW(token_filter_check(std::string("\x40\x11\x01", 3) + std::string(8, '\0')), Error);
  EXPECT_THROW(token_filter_check(std::string("\x40\x03\x02", 3) + std::string(8, '\0')), Error);
  EXPECT_THROW(token_filter_check(std::string("\xc0\x03", 2)), Error);
  EXPECT_THROW(token_filter_check(std::string(9, '\0')), Error);
  EXPECT_THROW(token_filter_may_contain(std::string("\x07\x01\x02", 3), "abcd"), Error);
  // Version 3: 8 bytes of header (trigram probes, classes 0..7, token probes, trigram words),
  // trigram words >= 1, token words > 0 exactly when there are classes.
  auto v3 = [](const char* head, size_t words) { return std::string(head, 8) + std::string(8 * words, '\0'); };
  EXPECT_NO_THROW(token_filter_check(v3("\x20\x03\x07\x05\x01\x00\x00\x00", 2)));
  EXPECT_NO_THROW(token_filter_check(v3("\xa0\x03\x00\x00\x02\x00\x00\x00", 2)));
  EXPECT_THROW(token_filter_check(v3("\x20\x03\x08\x05\x01\x00\x00\x00", 2)), Error);  // unknown class
  EXPECT_THROW(token_filter_check(v3("\x20\x00\x01\x05\x01\x00\x00\x00", 2)), Error);  // no trigram probe
  EXPECT_THROW(token_filter_check(v3("\x20\x03\x01\x00\x01\x00\x00\x00", 2)), Error);  // classes, no probe
  EXPECT_THROW(token_filter_check(v3("\x20\x03\x01\x05\x02\x00\x00\x00", 2)), Error);  // no token words
  EXPECT_THROW(token_filter_check(v3("\x20\x03\x00\x00\x01\x00\x00\x00", 2)), Error);  // token words, no class
  EXPECT_THROW(token_filter_check(v3("\x20\x03\x01\x05\x03\x00\x00\x00", 2)), Error);  // words past the end
  EXPECT_THROW(token_filter_check(v3("\x20\x03\x00\x00\x00\x00\x00\x00", 1)), Error);  // no trigram words
  EXPECT_THROW(token_filter_check(v3("\x20\x03\x07\x05\x01\x00\x00\x00", 2) + "x"), Error);
}

}  // namespace
}  // namespace observe::codec
