// SelectHints: which samples a range query's windows [end - range + 1, end] hold.
#include <gtest/gtest.h>

#include <limits>

#include "core/promql/memory_storage.h"
#include "core/promql/storage.h"

namespace observe::promql {
namespace {

TEST(PromqlSelectHints, WindowsAtTheirEndsAndGapsBetween) {
  SelectHints h{1000, 300, 60};  // windows [941, 1000], [1241, 1300], ...
  ASSERT_TRUE(h.sparse());
  EXPECT_EQ(h.window_end_from(0), 1000);
  EXPECT_EQ(h.window_end_from(1000), 1000);
  EXPECT_EQ(h.window_end_from(1001), 1300);
  EXPECT_EQ(h.window_end_from(1300), 1300);
  EXPECT_FALSE(h.wanted(940));
  EXPECT_TRUE(h.wanted(941));
  EXPECT_TRUE(h.wanted(1000));
  EXPECT_FALSE(h.wanted(1001));
  EXPECT_FALSE(h.wanted(1240));
  EXPECT_TRUE(h.wanted(1241));
  EXPECT_TRUE(h.wanted(1300));
  EXPECT_FALSE(h.wanted(1301));
  // Negative times (before 1970) round the same way.
  SelectHints n{-1000, 300, 60};
  EXPECT_EQ(n.window_end_from(-999), -700);
  EXPECT_TRUE(n.wanted(-759));  // [-759, -700]
  EXPECT_FALSE(n.wanted(-760));
}

TEST(PromqlSelectHints, TouchingWindowsAndNoStepWantEverything) {
  for (SelectHints h : {SelectHints{0, 60, 60}, SelectHints{0, 30, 60}, SelectHints{0, 0, 60}, SelectHints{0, 300, 0}}) {
    EXPECT_FALSE(h.sparse());
    for (int64_t t : {-100, 0, 1, 29, 31, 59, 61, 1000}) EXPECT_TRUE(h.wanted(t)) << t;
  }
}

TEST(PromqlSelectHints, ExtremeTimesKeepSamplesRatherThanOverflow) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  SelectHints h{kMin + 10, 1000, 10};
  EXPECT_TRUE(h.wanted(kMax));  // the span overflows: kept
  EXPECT_TRUE(h.wanted(kMin + 5));
  SelectHints g{kMax - 5, 1000, 10};
  EXPECT_TRUE(g.wanted(kMax - 5));
  EXPECT_FALSE(g.wanted(kMax - 20));
}

TEST(PromqlSelectHints, DefaultSelectLeavesOutWhatNoWindowHolds) {
  MemoryStorage st;
  Labels a{{"__name__", "m"}, {"k", "a"}}, b{{"__name__", "m"}, {"k", "b"}};
  for (int64_t t = 0; t <= 1000; t += 10) st.add(a, t, static_cast<double>(t));
  st.add(b, 500, 1);  // only between windows
  Matchers m{LabelMatcher(MatchOp::kEqual, "__name__", "m")};
  Queryable& q = st;
  auto all = q.select(m, 0, 1000);
  ASSERT_EQ(all.size(), 2u);
  auto some = q.select(m, 0, 1000, SelectHints{100, 400, 25});  // [76, 100], [476, 500], [876, 900]
  ASSERT_EQ(some.size(), 2u);
  std::vector<int64_t> ts;
  for (const auto& s : some[0].samples) ts.push_back(s.t);
  EXPECT_EQ(ts, (std::vector<int64_t>{80, 90, 100, 480, 490, 500, 880, 890, 900}));
  auto none_b = q.select(m, 0, 1000, SelectHints{100, 400, 15});  // [86, 100], [486, 500], [886, 900]
  ASSERT_EQ(none_b.size(), 2u);
  auto fewer = q.select(m, 0, 1000, SelectHints{90, 400, 5});  // [86, 90], [486, 490], [886, 890]: not b's 500
  ASSERT_EQ(fewer.size(), 1u);
  EXPECT_EQ(fewer[0].labels, a);
  EXPECT_EQ(fewer[0].samples.size(), 3u);
}

}  // namespace
}  // namespace observe::promql
