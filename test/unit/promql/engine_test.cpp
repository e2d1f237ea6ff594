#include <gtest/gtest.h>

#include <cmath>

#include "core/common/error.h"
#include "test_util.h"

namespace observe::promql {
namespace {

using testing::add;
using testing::instant;
using testing::only_value;

TEST(PromqlEngine, LookbackIsLeftOpenFiveMinutes) {
  MemoryStorage st;
  add(st, "m", {{0, 7}});
  EXPECT_EQ(only_value(instant(st, "m", 0)), 7);
  EXPECT_EQ(only_value(instant(st, "m", 299.999)), 7);
  EXPECT_TRUE(instant(st, "m", 300).vector.empty());
  EXPECT_TRUE(instant(st, "m", -0.001).vector.empty());
  // The output sample carries the evaluation time, not the sample's.
  EXPECT_EQ(instant(st, "m", 100).vector[0].t, 100000);
  EngineOptions short_lookback;
  short_lookback.lookback_ms = 60000;
  EXPECT_TRUE(instant(st, "m", 60, short_lookback).vector.empty());
}

TEST(PromqlEngine, StalenessMarkerEndsTheSeries) {
  MemoryStorage st;
  add(st, "m", {{0, 1}, {10, stale_nan()}, {30, 2}});
  EXPECT_EQ(only_value(instant(st, "m", 5)), 1);
  EXPECT_TRUE(instant(st, "m", 10).vector.empty());
  EXPECT_TRUE(instant(st, "m", 20).vector.empty());
  EXPECT_EQ(only_value(instant(st, "m", 30)), 2);
  // Range vectors drop the marker.
  EXPECT_EQ(only_value(instant(st, "count_over_time(m[1m])", 30)), 2);
  // A plain NaN is a value, not a marker.
  MemoryStorage nan;
  add(nan, "m", {{0, std::nan("")}});
  EXPECT_TRUE(std::isnan(only_value(instant(nan, "m", 10))));
  EXPECT_TRUE(is_stale_nan(stale_nan()));
  EXPECT_FALSE(is_stale_nan(std::nan("")));
}

TEST(PromqlEngine, RangeWindowIsLeftOpen) {
  MemoryStorage st;
  add(st, "m", {{0, 1}, {10, 1}, {20, 1}});
  EXPECT_EQ(only_value(instant(st, "count_over_time(m[20s])", 20)), 2);  // (0, 20]
  EXPECT_EQ(only_value(instant(st, "count_over_time(m[21s])", 20)), 3);
}

TEST(PromqlEngine, RateExtrapolation) {
  MemoryStorage st;
  std::vector<std::pair<double, double>> pts;
  for (int i = 0; i <= 12; i++) pts.push_back({i * 10.0, i * 10.0});
  add(st, "c_total", pts);
  // Window (0, 60]: samples 10..60 over 50s, extrapolated by 10s to the start -> 60 / 60s.
  EXPECT_DOUBLE_EQ(only_value(instant(st, "rate(c_total[1m])", 60)), 1.0);
  EXPECT_DOUBLE_EQ(only_value(instant(st, "increase(c_total[1m])", 60)), 60.0);

  MemoryStorage reset;
  add(reset, "c_total", {{0, 0}, {10, 10}, {20, 20}, {30, 5}, {40, 15}});
  // 15-10 plus 20 for the reset = 25 over 30s, extrapolated 10s to the start.
  EXPECT_NEAR(only_value(instant(reset, "increase(c_total[40s])", 40)), 25.0 * 40 / 30, 1e-9);
  // delta does no reset correction.
  EXPECT_NEAR(only_value(instant(reset, "delta(c_total[40s])", 40)), 5.0 * 40 / 30, 1e-9);
  // One sample is not enough.
  EXPECT_TRUE(instant(reset, "rate(c_total[5s])", 40).vector.empty());
}

TEST(PromqlEngine, ExtrapolationStopsAtZero) {
  MemoryStorage st;
  add(st, "c_total", {{40, 1}, {50, 11}, {60, 21}});
  // Extrapolating 40s to the window start would go below zero: capped at 1/20 of 20s = 1s.
  EXPECT_NEAR(only_value(instant(st, "increase(c_total[1m])", 60)), 20.0 * 21 / 20, 1e-9);
}

TEST(PromqlEngine, VectorMatchingErrors) {
  MemoryStorage st;
  add(st, "a{x=\"1\"}", {{0, 1}});
  add(st, "b{x=\"1\", y=\"1\"}", {{0, 1}});
  add(st, "b{x=\"1\", y=\"2\"}", {{0, 2}});
  try {
    instant(st, "a + on(x) b", 0);
    FAIL() << "expected many-to-many error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "found duplicate series for the match group {x=\"1\"} on the right hand-side of the operation: "
              "[{__name__=\"b\", x=\"1\", y=\"1\"}, {__name__=\"b\", x=\"1\", y=\"2\"}];many-to-many matching not "
              "allowed: matching labels must be unique on one side");
  }
  // group_right makes the left side the "one" side: allowed.
  Value v = instant(st, "a + on(x) group_right b", 0);
  ASSERT_EQ(v.vector.size(), 2u);
  EXPECT_EQ(v.vector[0].metric.get("y"), "1");
  EXPECT_EQ(v.vector[0].metric.metric_name(), "");  // arithmetic drops the name
  try {
    instant(st, "b + on(x) group_left a", 0);
  } catch (const Error&) {
    FAIL() << "group_left is valid here";
  }
  EXPECT_THROW(instant(st, "b + ignoring(y) a", 0), Error);  // many-to-one must be explicit
}

TEST(PromqlEngine, ComparisonFiltersAndBool) {
  MemoryStorage st;
  add(st, "m{i=\"1\"}", {{0, 1}});
  add(st, "m{i=\"2\"}", {{0, 5}});
  Value f = instant(st, "m > 2", 0);
  ASSERT_EQ(f.vector.size(), 1u);
  EXPECT_EQ(f.vector[0].metric.metric_name(), "m");  // filters keep the name
  Value b = instant(st, "m > bool 2", 0);
  ASSERT_EQ(b.vector.size(), 2u);
  EXPECT_EQ(b.vector[0].metric.metric_name(), "");
  Value s = instant(st, "2 < bool 3", 0);
  EXPECT_EQ(s.type, ValueType::kScalar);
  EXPECT_EQ(s.scalar, 1);
}

TEST(PromqlEngine, DelayedNameRemoval) {
  MemoryStorage st;
  add(st, "x_total{a=\"1\"}", {{0, 0}, {60, 60}});
  Value v = instant(st, "label_replace(rate(x_total[2m]), \"__name__\", \"rate_$1\", \"__name__\", \"(.+)\")", 60);
  ASSERT_EQ(v.vector.size(), 1u);
  EXPECT_EQ(v.vector[0].metric.metric_name(), "rate_x_total");
  Value l = instant(st, "last_over_time(x_total[2m])", 60);
  EXPECT_EQ(l.vector[0].metric.metric_name(), "x_total");
  Value r = instant(st, "rate(x_total[2m])", 60);
  EXPECT_EQ(r.vector[0].metric.metric_name(), "");
}

TEST(PromqlEngine, SameLabelsetAfterNameDropFails) {
  MemoryStorage st;
  add(st, "a{x=\"1\"}", {{0, 1}});
  add(st, "b{x=\"1\"}", {{0, 1}});
  try {
    instant(st, "abs({x=\"1\"})", 0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "vector cannot contain metrics with the same labelset");
  }
}

TEST(PromqlEngine, RangeQuerySortedByLabels) {
  MemoryStorage st;
  add(st, "m{i=\"b\"}", {{0, 1}, {60, 2}});
  add(st, "m{i=\"a\"}", {{0, 3}});
  add(st, "m{i=\"c\"}", {{60, 4}});
  Value r = range_query(st, "m", 0, 120000, 60000, {});
  ASSERT_EQ(r.type, ValueType::kMatrix);
  ASSERT_EQ(r.matrix.size(), 3u);
  EXPECT_EQ(r.matrix[0].metric.get("i"), "a");
  EXPECT_EQ(r.matrix[1].metric.get("i"), "b");
  EXPECT_EQ(r.matrix[2].metric.get("i"), "c");
  ASSERT_EQ(r.matrix[1].samples.size(), 3u);
  EXPECT_EQ(r.matrix[1].samples[2].t, 120000);
  EXPECT_EQ(r.matrix[1].samples[2].v, 2);
  ASSERT_EQ(r.matrix[2].samples.size(), 2u);  // no point at 0
  EXPECT_EQ(r.matrix[2].samples[0].t, 60000);
  // A scalar becomes one series without labels.
  Value s = range_query(st, "time()", 0, 120000, 60000, {});
  ASSERT_EQ(s.matrix.size(), 1u);
  EXPECT_EQ(s.matrix[0].samples[2].v, 120);
  EXPECT_THROW(range_query(st, "m[5m]", 0, 60000, 60000, {}), Error);
}

TEST(PromqlEngine, AtAndOffset) {
  MemoryStorage st;
  add(st, "m", {{0, 0}, {60, 1}, {120, 2}, {180, 3}});
  EXPECT_EQ(only_value(instant(st, "m @ 60", 1000)), 1);
  EXPECT_EQ(only_value(instant(st, "m offset 1m", 180)), 2);
  EXPECT_EQ(only_value(instant(st, "m offset -1m", 60)), 2);
  EXPECT_EQ(only_value(instant(st, "m @ 180 offset 2m", 0)), 1);
  Value r = range_query(st, "m @ end()", 0, 120000, 60000, {});
  ASSERT_EQ(r.matrix.size(), 1u);
  for (auto& p : r.matrix[0].samples) EXPECT_EQ(p.v, 2);
}

TEST(PromqlEngine, SubqueryStepsAreAbsolutelyAligned) {
  MemoryStorage st;
  std::vector<std::pair<double, double>> pts;
  for (int i = 0; i <= 100; i++) pts.push_back({i * 10.0, i});
  add(st, "m", pts);
  // [30s:10s] at 1000s: inner points at 980, 990, 1000 (the start is exclusive).
  EXPECT_EQ(only_value(instant(st, "sum_over_time(m[30s:10s])", 1000)), 98 + 99 + 100);
  // At 1005s the grid stays at multiples of 10s: 980, 990, 1000.
  EXPECT_EQ(only_value(instant(st, "count_over_time(m[30s:10s])", 1005)), 3);
  // Default step 1m.
  EXPECT_EQ(only_value(instant(st, "count_over_time(m[5m:])", 600)), 5);
}

TEST(PromqlEngine, Aggregations) {
  MemoryStorage st;
  add(st, "m{g=\"a\", i=\"1\"}", {{0, 1}});
  add(st, "m{g=\"a\", i=\"2\"}", {{0, 3}});
  add(st, "m{g=\"b\", i=\"3\"}", {{0, 10}});
  Value s = instant(st, "sum by (g) (m)", 0);
  ASSERT_EQ(s.vector.size(), 2u);
  EXPECT_EQ(s.vector[0].metric.get("g"), "a");
  EXPECT_EQ(s.vector[0].v, 4);
  EXPECT_EQ(only_value(instant(st, "avg(m)", 0)), 14.0 / 3);
  EXPECT_EQ(only_value(instant(st, "stdvar(m{g=\"a\"})", 0)), 1);  // population variance
  EXPECT_EQ(only_value(instant(st, "quantile(0.5, m)", 0)), 3);
  Value t = instant(st, "topk(2, m)", 0);
  ASSERT_EQ(t.vector.size(), 2u);
  EXPECT_EQ(t.vector[0].v, 10);
  EXPECT_EQ(t.vector[0].metric.metric_name(), "m");  // topk keeps the labels
  Value c = instant(st, "count_values(\"val\", m)", 0);
  EXPECT_EQ(c.vector.size(), 3u);
  // Kahan summation keeps the small terms.
  MemoryStorage k;
  add(k, "n{i=\"1\"}", {{0, 1e100}});
  add(k, "n{i=\"2\"}", {{0, 1}});
  add(k, "n{i=\"3\"}", {{0, -1e100}});
  EXPECT_EQ(only_value(instant(k, "sum(n)", 0)), 1);
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

// Range queries run in batches with per-batch prefetch and cache subquery steps; every
// point must still equal the instant query at that time.
TEST(PromqlEngine, RangeQueryAgreesWithInstantQueries) {
  MemoryStorage st;
  for (int s = 0; s < 3; s++) {
    std::vector<std::pair<double, double>> pts;
    for (int i = 0; i < 400; i++) {
      if (s == 1 && i % 50 == 7) continue;  // gaps
      pts.push_back({i * 15.0, i * (s + 1) + (i % 13 == 0 ? -5 : 0)});
    }
    testing::add(st, "c_total{s=\"" + std::to_string(s) + "\"}", pts);
  }
  const char* queries[] = {"c_total", "rate(c_total[1m])", "sum by (s) (increase(c_total[2m]))",
                           "max_over_time(rate(c_total[1m])[5m:30s])", "c_total offset 2m > bool 100",
                           "avg_over_time(c_total[3m:] offset 1m)", "c_total @ 3000 - c_total"};
  for (const char* q : queries) {
    Value r = range_query(st, q, 0, 6000000, 20000, {});
    for (const auto& s : r.matrix) {
      for (const auto& p : s.samples) {
        Value i = instant_query(st, q, p.t, {});
        bool found = false;
        for (const auto& e : i.vector) {
          if (e.metric == s.metric) {
            found = true;
            EXPECT_DOUBLE_EQ(e.v, p.v) << q << " at " << p.t;
          }
        }
        EXPECT_TRUE(found) << q << " at " << p.t << " " << s.metric.to_string();
      }
    }
    size_t points = 0;
    for (const auto& s : r.matrix) points += s.samples.size();
    EXPECT_GT(points, 300u) << q;
  }
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

TEST(PromqlEngine, FillModifiers) {
  MemoryStorage st;
  testing::add(st, "l{k=\"a\"}", {{0, 10}});
  testing::add(st, "l{k=\"c\"}", {{0, 30}});
  testing::add(st, "r{k=\"a\"}", {{0, 100}});
  testing::add(st, "r{k=\"d\"}", {{0, 400}});
  Value both = testing::instant(st, "l + fill(1) r", 0);
  ASSERT_EQ(both.vector.size(), 3u);
  double sum = 0;
  for (auto& e : both.vector) sum += e.v;
  EXPECT_EQ(sum, 110 + 31 + 401);
  EXPECT_EQ(testing::instant(st, "l + fill_right(0) r", 0).vector.size(), 2u);
  EXPECT_EQ(testing::instant(st, "l + fill_left(0) r", 0).vector.size(), 2u);
  EXPECT_THROW(parse_expr("l and fill(0) r"), SyntaxError);
  EXPECT_THROW(parse_expr("1 + fill(0) r"), SyntaxError);
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

TEST(PromqlEngine, DroppingTheNameDropsTypeAndUnit) {
  MemoryStorage st;
  testing::add(st, "x_total{__type__=\"counter\", __unit__=\"request\", a=\"1\"}", {{0, 0}, {60, 60}});
  Value r = testing::instant(st, "rate(x_total[2m])", 60);
  ASSERT_EQ(r.vector.size(), 1u);
  EXPECT_EQ(r.vector[0].metric.to_string(), "{a=\"1\"}");
  Value kept = testing::instant(st, "x_total", 60);
  EXPECT_EQ(kept.vector[0].metric.get("__type__"), "counter");
}

}  // namespace
}  // namespace observe::promql
