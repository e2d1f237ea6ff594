// OverlayStorage: samples not yet in the base storage are seen by queries as if they were.
#include <gtest/gtest.h>

#include "core/promql/engine.h"
#include "core/promql/overlay_storage.h"
#include "test_util.h"

namespace observe::promql {
namespace {

std::vector<int64_t> times(const SeriesData& s) {
  std::vector<int64_t> t;
  for (const auto& x : s.samples) t.push_back(x.t);
  return t;
}

TEST(PromqlOverlayStorage, MergesSeriesAndSamplesInOrder) {
  MemoryStorage base;
  Labels a{{"__name__", "m"}, {"k", "a"}}, b{{"__name__", "m"}, {"k", "b"}}, c{{"__name__", "m"}, {"k", "c"}};
  base.add(a, 10, 1);
  base.add(a, 30, 3);
  base.add(c, 10, 7);
  OverlayStorage st(base);
  st.add(a, 20, 2);
  st.add(a, 30, 33);  // replaces the base's sample at 30
  st.add(b, 40, 4);
  Matchers m{LabelMatcher(MatchOp::kEqual, "__name__", "m")};
  auto got = st.select(m, 0, 100);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].labels, a);
  EXPECT_EQ(times(got[0]), (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(got[0].samples[2].v, 33);
  EXPECT_EQ(got[1].labels, b);
  EXPECT_EQ(got[2].labels, c);
  // Matchers and the time range apply to the overlay too.
  Matchers only_b{LabelMatcher(MatchOp::kEqual, "k", "b")};
  EXPECT_EQ(st.select(only_b, 0, 100).size(), 1u);
  EXPECT_EQ(st.select(only_b, 0, 39).size(), 0u);
}

TEST(PromqlOverlayStorage, AQuerySeesTheOverlayAtTheSameTimestamp) {
  MemoryStorage base;
  OverlayStorage st(base);
  Value before = instant_query(st, "rec * 2", 60000, {});
  EXPECT_TRUE(before.vector.empty());
  st.add(Labels{{"__name__", "rec"}}, 60000, 21);
  Value after = instant_query(st, "rec * 2", 60000, {});
  ASSERT_EQ(after.vector.size(), 1u);
  EXPECT_EQ(after.vector[0].v, 42);
}

}  // namespace
}  // namespace observe::promql
