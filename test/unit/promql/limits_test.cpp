#include <gtest/gtest.h>

#include "core/common/error.h"
#include "test_util.h"

namespace observe::promql {
namespace {

using testing::add;

MemoryStorage many_samples() {
  MemoryStorage st;
  for (int s = 0; s < 10; s++) {
    std::vector<std::pair<double, double>> pts;
    for (int i = 0; i < 200; i++) pts.push_back({i * 15.0, i});
    add(st, "m{s=\"" + std::to_string(s) + "\"}", pts);
  }
  return st;
}

TEST(PromqlLimits, MaxSamplesExceeded) {
  MemoryStorage st = many_samples();
  EngineOptions opts;
  opts.max_samples = 500;
  try {
    instant_query(st, "sum(rate(m[1h]))", 3000000, opts);
    FAIL() << "expected the sample limit";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kLimitExceeded);
    EXPECT_EQ(std::string(e.what()), "query processing would load too many samples into memory in query execution");
  }
  // The same query fits a larger budget.
  opts.max_samples = 5000;
  EXPECT_NO_THROW(instant_query(st, "sum(rate(m[1h]))", 3000000, opts));
}

TEST(PromqlLimits, RangeQueryResultCountsTowardsTheLimit) {
  MemoryStorage st = many_samples();
  EngineOptions opts;
  opts.max_samples = 100;
  EXPECT_THROW(range_query(st, "m * 0", 0, 2985000, 15000, opts), Error);
}

TEST(PromqlLimits, CancellationIsPolled) {
  MemoryStorage st = many_samples();
  EngineOptions opts;
  int polls = 0;
  opts.interrupted = [&polls] { return ++polls > 3; };
  try {
    range_query(st, "m", 0, 2985000, 15000, opts);
    FAIL() << "expected cancellation";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCanceled);
    EXPECT_EQ(std::string(e.what()), "query canceled");
  }
  EXPECT_EQ(polls, 4);  // stopped at the first poll that said so
  opts.interrupted = [] { return false; };
  EXPECT_NO_THROW(range_query(st, "m", 0, 2985000, 15000, opts));
}

TEST(PromqlLimits, BadRangeParameters) {
  MemoryStorage st;
  EXPECT_THROW(range_query(st, "1", 0, 1000, 0, {}), Error);
  EXPECT_THROW(range_query(st, "1", 1000, 0, 1000, {}), Error);
}

}  // namespace
}  // namespace observe::promql
