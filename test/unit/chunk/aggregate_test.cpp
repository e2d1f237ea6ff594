#include "core/chunk/aggregate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace observe::chunk {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Column floats(std::vector<double> v, std::vector<bool> nulls = {}) {
  Column c;
  c.kind = ColumnKind::kFloat64;
  c.floats = std::move(v);
  c.nulls = std::move(nulls);
  return c;
}

AggState run(AggKind kind, const std::vector<int64_t>& times, const Column* col, int64_t lo,
             int64_t hi) {
  AggState s;
  aggregate_rows(kind, s, RowSelection(times, lo, hi), times, col);
  return s;
}

TEST(RowSelection, SortedTimesGiveTheRangeInclusiveAtBothEnds) {
  std::vector<int64_t> t = {10, 20, 20, 30, 40};
  EXPECT_EQ(RowSelection(t, 20, 30).count(), 3u);
  EXPECT_EQ(RowSelection(t, 21, 29).count(), 0u);
  EXPECT_EQ(RowSelection(t, INT64_MIN, INT64_MAX).count(), 5u);
  std::vector<size_t> rows;
  RowSelection(t, 15, 35).for_each([&](size_t r) { rows.push_back(r); });
  EXPECT_EQ(rows, (std::vector<size_t>{1, 2, 3}));
}

TEST(RowSelection, UnsortedTimesAreTestedRowByRow) {
  std::vector<int64_t> t = {40, 10, 30, 20};
  RowSelection s(t, 15, 35);
  EXPECT_EQ(s.count(), 2u);
  std::vector<size_t> rows;
  s.for_each([&](size_t r) { rows.push_back(r); });
  EXPECT_EQ(rows, (std::vector<size_t>{2, 3}));
}

TEST(Aggregate, CountsRowsAndNonNullValues) {
  std::vector<int64_t> t = {1, 2, 3, 4};
  Column c = floats({1, 0, 3, 0}, {false, true, false, true});
  EXPECT_EQ(run(AggKind::kCountRows, t, &c, 1, 4).count, 4);
  EXPECT_EQ(run(AggKind::kCountValues, t, &c, 1, 4).count, 2);
  EXPECT_EQ(run(AggKind::kCountValues, t, &c, 2, 3).count, 1);
  // A chunk written before the column existed: every row is null.
  EXPECT_EQ(run(AggKind::kCountValues, t, nullptr, 1, 4).count, 0);
  EXPECT_FALSE(run(AggKind::kCountValues, t, nullptr, 1, 4).result_is_null(AggKind::kCountValues));
}

TEST(Aggregate, SumAndAvgSkipNullsAndAreNullWithoutInput) {
  std::vector<int64_t> t = {1, 2, 3};
  Column c = floats({1.5, 100, 2.5}, {false, true, false});
  AggState sum = run(AggKind::kSumFloat, t, &c, 1, 3);
  EXPECT_EQ(sum.float_result(AggKind::kSumFloat), 4.0);
  AggState avg = run(AggKind::kAvgFloat, t, &c, 1, 3);
  EXPECT_EQ(avg.float_result(AggKind::kAvgFloat), 2.0);
  EXPECT_TRUE(run(AggKind::kSumFloat, t, &c, 2, 2).result_is_null(AggKind::kSumFloat));
  EXPECT_TRUE(run(AggKind::kAvgFloat, t, &c, 5, 9).result_is_null(AggKind::kAvgFloat));
}

TEST(Aggregate, SumOfOneNegativeZeroIsNegativeZeroAsInPostgres) {
  std::vector<int64_t> t = {1};
  Column c = floats({-0.0});
  EXPECT_TRUE(std::signbit(run(AggKind::kSumFloat, t, &c, 1, 1).float_result(AggKind::kSumFloat)));
  // avg starts from Sx = 0: 0 + -0 = +0.
  EXPECT_FALSE(std::signbit(run(AggKind::kAvgFloat, t, &c, 1, 1).float_result(AggKind::kAvgFloat)));
}

TEST(Aggregate, FiniteInputsThatOverflowAreFlaggedInfinitiesAreNot) {
  std::vector<int64_t> t = {1, 2};
  Column big = floats({1.7e308, 1.7e308});
  EXPECT_TRUE(run(AggKind::kSumFloat, t, &big, 1, 2).overflow);
  EXPECT_TRUE(run(AggKind::kAvgFloat, t, &big, 1, 2).overflow);
  Column inf = floats({kInf, 1});
  AggState s = run(AggKind::kSumFloat, t, &inf, 1, 2);
  EXPECT_FALSE(s.overflow);
  EXPECT_EQ(s.float_result(AggKind::kSumFloat), kInf);
  EXPECT_FALSE(run(AggKind::kAvgFloat, t, &inf, 1, 2).overflow);
  // Sxx alone overflows (values far apart, sum finite): PostgreSQL's avg raises here too.
  Column spread = floats({1e200, -1e200});
  EXPECT_TRUE(run(AggKind::kAvgFloat, t, &spread, 1, 2).overflow);
  EXPECT_FALSE(run(AggKind::kSumFloat, t, &spread, 1, 2).overflow);
}

TEST(Aggregate, MinMaxFollowPostgresNaNOrdering) {
  std::vector<int64_t> t = {1, 2, 3};
  Column c = floats({2, kNaN, -1});
  EXPECT_TRUE(std::isnan(run(AggKind::kMaxFloat, t, &c, 1, 3).float_result(AggKind::kMaxFloat)));
  EXPECT_EQ(run(AggKind::kMinFloat, t, &c, 1, 3).float_result(AggKind::kMinFloat), -1);
  Column all_nan = floats({kNaN, kNaN});
  std::vector<int64_t> t2 = {1, 2};
  EXPECT_TRUE(std::isnan(run(AggKind::kMinFloat, t2, &all_nan, 1, 2).float_result(AggKind::kMinFloat)));
  Column infs = floats({-kInf, kInf, 0});
  EXPECT_EQ(run(AggKind::kMinFloat, t, &infs, 1, 3).float_result(AggKind::kMinFloat), -kInf);
  EXPECT_EQ(run(AggKind::kMaxFloat, t, &infs, 1, 3).float_result(AggKind::kMaxFloat), kInf);
}

TEST(Aggregate, TimeExtremesOfTheSelectedRows) {
  std::vector<int64_t> t = {30, 10, 20, 40};
  EXPECT_EQ(run(AggKind::kMinTime, t, nullptr, 15, 35).time_extreme, 20);
  EXPECT_EQ(run(AggKind::kMaxTime, t, nullptr, 15, 35).time_extreme, 30);
  EXPECT_TRUE(run(AggKind::kMaxTime, t, nullptr, 50, 60).result_is_null(AggKind::kMaxTime));
}

TEST(Aggregate, StatesAccumulateAcrossChunks) {
  std::vector<int64_t> t1 = {1, 2}, t2 = {3, 4};
  Column a = floats({1, 2}), b = floats({3, 4});
  AggState s;
  aggregate_rows(AggKind::kAvgFloat, s, RowSelection(t1, 0, 10), t1, &a);
  aggregate_rows(AggKind::kAvgFloat, s, RowSelection(t2, 0, 10), t2, &b);
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.float_result(AggKind::kAvgFloat), 2.5);
}

TEST(ValueFilters, ComparisonsFollowPostgresNaNAndNullRules) {
  ChunkData d;
  d.times = {1, 2, 3, 4, 5};
  d.columns.push_back(floats({1, kNaN, 3, 0, -kInf}, {false, false, false, true, false}));
  auto keep = [&](ValueFilter f) {
    std::vector<uint8_t> mask(5, 1);
    apply_filters({f}, d, mask);
    return mask;
  };
  using V = std::vector<uint8_t>;
  EXPECT_EQ(keep({ValueFilter::kGreater, 0, 2}), (V{0, 1, 1, 0, 0}));  // NaN > 2
  EXPECT_EQ(keep({ValueFilter::kLess, 0, 2}), (V{1, 0, 0, 0, 1}));
  EXPECT_EQ(keep({ValueFilter::kEqual, 0, kNaN}), (V{0, 1, 0, 0, 0}));  // NaN = NaN
  EXPECT_EQ(keep({ValueFilter::kLessEqual, 0, kNaN}), (V{1, 1, 1, 0, 1}));
  EXPECT_EQ(keep({ValueFilter::kGreaterEqual, 0, 3}), (V{0, 1, 1, 0, 0}));
  EXPECT_EQ(keep({ValueFilter::kNotEqual, 0, 3}), (V{1, 1, 0, 0, 1}));
  EXPECT_EQ(keep({ValueFilter::kNotEqual, 0, kNaN}), (V{1, 0, 1, 0, 1}));
  EXPECT_EQ(keep({ValueFilter::kIsNull, 0, 0}), (V{0, 0, 0, 1, 0}));
  EXPECT_EQ(keep({ValueFilter::kIsNotNull, 0, 0}), (V{1, 1, 1, 0, 1}));
  // A chunk written before the column existed holds NULLs there.
  EXPECT_EQ(keep({ValueFilter::kIsNull, 7, 0}), (V{1, 1, 1, 1, 1}));
  EXPECT_EQ(keep({ValueFilter::kGreater, 7, 0}), (V{0, 0, 0, 0, 0}));
}

TEST(ValueFilters, ZoneMapsRuleOutOnlyWhatTheyCanDecide) {
  ChunkData d;
  d.times = {1, 2, 3};
  d.columns.push_back(floats({5, kNaN, 9}));
  d.columns.push_back(floats({0, 0, 0}, {true, true, true}));
  ChunkSummary sum = peek(encode(d));
  auto may = [&](ValueFilter f) { return filters_may_match({f}, sum); };
  EXPECT_FALSE(may({ValueFilter::kLess, 0, 5}));
  EXPECT_TRUE(may({ValueFilter::kLessEqual, 0, 5}));
  EXPECT_FALSE(may({ValueFilter::kEqual, 0, 10}));
  EXPECT_TRUE(may({ValueFilter::kEqual, 0, 9}));
  EXPECT_TRUE(may({ValueFilter::kGreater, 0, 100}));  // the NaN row passes
  EXPECT_TRUE(may({ValueFilter::kLess, 0, kNaN}));
  EXPECT_FALSE(may({ValueFilter::kIsNull, 0, 0}));
  EXPECT_FALSE(may({ValueFilter::kIsNotNull, 1, 0}));
  EXPECT_FALSE(may({ValueFilter::kGreater, 1, 0}));
  EXPECT_TRUE(may({ValueFilter::kIsNull, 1, 0}));
  EXPECT_TRUE(may({ValueFilter::kIsNull, 9, 0}));  // a column the chunk predates: NULLs
  EXPECT_FALSE(may({ValueFilter::kEqual, 9, 1}));
  // Every filter must be able to match.
  EXPECT_FALSE(filters_may_match({{ValueFilter::kEqual, 0, 9}, {ValueFilter::kIsNotNull, 1, 0}}, sum));
}

TEST(ValueFilters, ChunksWithoutNaNAreSkippedForGreaterAndNotEqual) {
  ChunkData d;
  d.times = {1, 2, 3, 4};
  d.columns.push_back(floats({5, 7, 9, 0}, {false, false, false, true}));  // no NaN, one NULL
  d.columns.push_back(floats({-0.0, 0.0, -0.0, 0.0}));                  // constant zero
  d.columns.push_back(floats({5, kNaN, 9, 1}));                         // a NaN: it passes > and <>
  ChunkSummary sum = peek(encode(d));
  EXPECT_TRUE(sum.columns[0].no_nan);
  EXPECT_FALSE(sum.columns[2].no_nan);
  auto may = [&](ValueFilter f) { return filters_may_match({f}, sum); };
  EXPECT_FALSE(may({ValueFilter::kGreater, 0, 9}));
  EXPECT_TRUE(may({ValueFilter::kGreater, 0, 8.5}));
  EXPECT_FALSE(may({ValueFilter::kGreaterEqual, 0, 9.5}));
  EXPECT_TRUE(may({ValueFilter::kGreaterEqual, 0, 9}));
  EXPECT_TRUE(may({ValueFilter::kNotEqual, 0, 5}));
  EXPECT_FALSE(may({ValueFilter::kNotEqual, 1, 0}));  // -0 = 0 in PostgreSQL: no row differs
  EXPECT_TRUE(may({ValueFilter::kNotEqual, 1, 1}));
  EXPECT_TRUE(may({ValueFilter::kGreater, 2, 1e300}));
  EXPECT_TRUE(may({ValueFilter::kNotEqual, 2, 5}));
}

TEST(ValueFilters, MaskedSelectionsCountAndAggregateOnlyKeptRows) {
  std::vector<int64_t> t = {1, 2, 3, 4};
  Column c = floats({10, 20, 30, 40});
  std::vector<uint8_t> mask = {1, 0, 1, 0};
  RowSelection s(t, 2, 4, &mask);
  EXPECT_EQ(s.count(), 1u);
  AggState sum;
  aggregate_rows(AggKind::kSumFloat, sum, s, t, &c);
  EXPECT_EQ(sum.float_result(AggKind::kSumFloat), 30);
  EXPECT_EQ(RowSelection::rows(t, 0, 4, &mask).count(), 2u);
  std::vector<int64_t> unsorted = {4, 1, 3, 2};
  EXPECT_EQ(RowSelection(unsorted, 1, 3, &mask).count(), 1u);  // rows 1-3 by time, row 2 by mask
}

TEST(TimeBuckets, FloorDivisionWithOffsetBelowAndAboveZero) {
  TimeBuckets b{60, 30};  // buckets [k*60 - 30, (k+1)*60 - 30)
  EXPECT_EQ(b.bucket_of(-30), 0);
  EXPECT_EQ(b.bucket_of(29), 0);
  EXPECT_EQ(b.bucket_of(30), 1);
  EXPECT_EQ(b.bucket_of(-31), -1);
  EXPECT_EQ(b.bucket_of(-90), -1);
  EXPECT_EQ(b.bucket_of(-91), -2);
  EXPECT_EQ(b.time_in(-1), -90);
  EXPECT_EQ(b.bucket_of(b.time_in(7)), 7);
}

TEST(TimeBuckets, InfinitiesAndExtremesAreTheirOwnBuckets) {
  TimeBuckets b{60000000, 946684800000000};
  EXPECT_EQ(b.bucket_of(INT64_MAX), TimeBuckets::kInfinity);
  EXPECT_EQ(b.bucket_of(INT64_MIN), TimeBuckets::kMinusInfinity);
  EXPECT_EQ(b.time_in(TimeBuckets::kInfinity), INT64_MAX);
  int64_t near_end = INT64_MAX - 1;  // past int64 once the offset is added
  int64_t k = b.bucket_of(near_end);
  EXPECT_GT(k, 0);
  EXPECT_EQ(b.bucket_of(b.time_in(k)), k);
  int64_t near_start = INT64_MIN + 1;
  EXPECT_EQ(b.bucket_of(b.time_in(b.bucket_of(near_start))), b.bucket_of(near_start));
}

TEST(TimeBuckets, RunsSplitSortedRowsAtBucketStarts) {
  TimeBuckets b{10, 0};
  std::vector<int64_t> t = {INT64_MIN, INT64_MIN, 1, 5, 9, 10, 10, 25, INT64_MAX};
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t r = 0; r < t.size();) {
    size_t e = b.run_end(t, r, t.size());
    runs.push_back({r, e});
    r = e;
  }
  std::vector<std::pair<size_t, size_t>> want = {{0, 2}, {2, 5}, {5, 7}, {7, 8}, {8, 9}};
  EXPECT_EQ(runs, want);
  RowSelection s = RowSelection::rows(t, 2, 5);
  EXPECT_EQ(s.count(), 3u);
  AggState st;
  aggregate_rows(AggKind::kMaxTime, st, s, t, nullptr);
  EXPECT_EQ(st.time_extreme, 9);
}

}  // namespace
}  // namespace observe::chunk
