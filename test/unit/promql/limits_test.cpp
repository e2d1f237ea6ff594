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

namespace observe::promql {
namespace {

// Counts select() calls and the largest answer, to see how range queries batch.
class CountingStorage : public Queryable {
 public:
  explicit CountingStorage(MemoryStorage& inner) : inner_(inner) {}
  std::vector<SeriesData> select(const Matchers& m, int64_t mint, int64_t maxt) override {
    calls++;
    auto r = inner_.select(m, mint, maxt);
    int64_t n = 0;
    for (auto& s : r) n += static_cast<int64_t>(s.samples.size());
    largest = std::max(largest, n);
    return r;
  }
  int calls = 0;
  int64_t largest = 0;

 private:
  MemoryStorage& inner_;
};

TEST(PromqlLimits, RangeQueryBatchesToStayWithinTheLimit) {
  MemoryStorage st = many_samples();  // 10 series x 200 samples
  CountingStorage counting(st);
  Value all = range_query(counting, "max_over_time(m[1m])", 0, 2985000, 60000, {});
  EXPECT_EQ(counting.calls, 1);  // small enough: one select for the whole range
  CountingStorage small(st);
  EngineOptions opts;
  opts.max_samples = 1200;  // the whole range (2000 samples) does not fit, 500 result points do
  Value batched = range_query(small, "max_over_time(m[1m])", 0, 2985000, 60000, opts);
  EXPECT_GT(small.calls, 1);
  ASSERT_EQ(all.matrix.size(), batched.matrix.size());
  for (size_t i = 0; i < all.matrix.size(); i++) {
    ASSERT_EQ(all.matrix[i].samples.size(), batched.matrix[i].samples.size());
    for (size_t k = 0; k < all.matrix[i].samples.size(); k++) {
      EXPECT_EQ(all.matrix[i].samples[k].t, batched.matrix[i].samples[k].t);
      EXPECT_EQ(all.matrix[i].samples[k].v, batched.matrix[i].samples[k].v);
    }
  }
}

}  // namespace
}  // namespace observe::promql
