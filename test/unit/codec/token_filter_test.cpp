#include "core/codec/token_filter.h"

#include <gtest/gtest.h>

#include <random>

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

TEST(TokenFilter, SizeIsAboutTenBitsATrigram) {
  TokenFilterBuilder b;
  b.add("abcdefghijklmnopqrstuvwxyz");  // 24 distinct trigrams
  std::string f = b.finish();
  EXPECT_EQ(f.size(), 1u + 32u);  // 240 bits -> 4 words
}

TEST(TokenFilter, MalformedThrows) {
  EXPECT_THROW(token_filter_check(std::string("\x07\x01\x02", 3)), Error);
  EXPECT_THROW(token_filter_check(std::string(9, '\0')), Error);
  EXPECT_THROW(token_filter_may_contain(std::string("\x07\x01\x02", 3), "abcd"), Error);
}

}  // namespace
}  // namespace observe::codec
