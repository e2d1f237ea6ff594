// The token filter options the log chunks use: case folding and a byte budget.
#include <gtest/gtest.h>

#include <random>

#include "core/codec/token_filter.h"
#include "log_test_util.h"

namespace observe::codec {
namespace {

TEST(TokenFilterFold, CaseInsensitiveNeedles) {
  TokenFilterOptions o;
  o.fold_case = true;
  TokenFilterBuilder b(o);
  b.add("GET /Api/V1/Orders HTTP/1.1");
  std::string f = b.finish();
  for (const char* n : {"api/v1", "API/V1", "Orders", "oRDERS", "get /"}) {
    EXPECT_TRUE(token_filter_may_contain(f, n, true)) << n;
    EXPECT_TRUE(token_filter_may_contain(f, n)) << n;  // a folded filter also serves |=
  }
  EXPECT_FALSE(token_filter_may_contain(f, "DELETE", true));
  EXPECT_FALSE(token_filter_may_contain(f, "zzzq"));
}

TEST(TokenFilterFold, CaseSensitiveFilterCannotAnswerCaseInsensitive) {
  TokenFilterBuilder b;
  b.add("GET /index.html");
  std::string f = b.finish();
  EXPECT_FALSE(token_filter_may_contain(f, "get"));
  EXPECT_TRUE(token_filter_may_contain(f, "get", true));      // unknown: must read
  EXPECT_TRUE(token_filter_may_contain(f, "zzzz", true));
}

TEST(TokenFilterFold, BudgetBoundsSizeWithoutFalseNegatives) {
  auto lines = testing::sample_log_lines(3000, 3);
  TokenFilterOptions o;
  o.fold_case = true;
  o.min_bytes = 0;  // the budget alone (by default a filter may take up to 1 KiB whatever it)
  TokenFilterBuilder b(o);
  for (auto& l : lines) b.add(l);
  std::string full = b.finish(), small = b.finish(600);
  EXPECT_GT(full.size(), 600u);
  EXPECT_LE(small.size(), 600u);
  {
    TokenFilterOptions d;
    d.fold_case = true;
    TokenFilterBuilder floor(d);
    for (auto& l : lines) floor.add(l);
    EXPECT_EQ(floor.finish(600).size(), 1024u);  // the floor: min(1 KiB, the ideal size)
  }
  EXPECT_GE(b.distinct_trigrams(), 1000u);
  std::mt19937_64 rng(4);
  for (int i = 0; i < 3000; ++i) {
    const std::string& l = lines[rng() % lines.size()];
    if (l.empty()) continue;
    size_t pos = rng() % l.size(), len = 1 + rng() % (l.size() - pos);
    ASSERT_TRUE(token_filter_may_contain(small, l.substr(pos, len), true));
  }
  // A smaller filter excludes less, but still excludes long absent needles.
  int excluded = 0;
  for (int i = 0; i < 200; ++i) {
    std::string n = "Q" + std::to_string(rng()) + "#needle-" + std::to_string(i);
    excluded += !token_filter_may_contain(small, n);
  }
  EXPECT_GT(excluded, 150);
}

TEST(TokenFilterFold, ManyTrigramsSwitchToBitmap) {
  // More distinct trigrams than the small list holds: same answers after the switch.
  TokenFilterBuilder b;
  std::string line;
  for (int i = 0; i < 40000; ++i) line += std::to_string(i * 2654435761u) + ";";
  b.add(line);
  EXPECT_GT(b.distinct_trigrams(), 1000u);
  std::string f = b.finish();
  for (size_t i = 0; i + 10 < line.size(); i += 997) EXPECT_TRUE(token_filter_may_contain(f, line.substr(i, 10)));
}

}  // namespace
}  // namespace observe::codec
