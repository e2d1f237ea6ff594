#include <gtest/gtest.h>

#include <cmath>

#include "core/common/error.h"
#include "core/promql/quantile.h"
#include "core/promql/strutil.h"
#include "test_util.h"

namespace observe::promql {
namespace {

using testing::add;
using testing::instant;
using testing::only_value;

TEST(PromqlFunctions, BucketQuantileInterpolates) {
  bool forced;
  // 10 observations <= 1, 20 <= 2, 30 total.
  std::vector<Bucket> b = {{1, 10}, {2, 20}, {INFINITY, 30}};
  EXPECT_DOUBLE_EQ(bucket_quantile(0.5, b, &forced), 1.5);
  EXPECT_FALSE(forced);
  EXPECT_DOUBLE_EQ(bucket_quantile(0.2, b, &forced), 0.6);  // first bucket starts at 0
  EXPECT_DOUBLE_EQ(bucket_quantile(0.9, b, &forced), 2);    // +Inf bucket: second-highest bound
  EXPECT_TRUE(std::isnan(bucket_quantile(0.5, {{1, 10}, {2, 20}}, &forced)));  // no +Inf
  EXPECT_TRUE(std::isnan(bucket_quantile(0.5, {{INFINITY, 0}, {1, 0}}, &forced)));
  EXPECT_EQ(bucket_quantile(-1, b, &forced), -INFINITY);
  EXPECT_EQ(bucket_quantile(2, b, &forced), INFINITY);
  // Non-monotonic counts are fixed and reported.
  bucket_quantile(0.5, {{1, 10}, {2, 5}, {INFINITY, 30}}, &forced);
  EXPECT_TRUE(forced);
}

TEST(PromqlFunctions, HistogramQuantileOverSeries) {
  MemoryStorage st;
  add(st, "h_bucket{le=\"0.1\", job=\"a\"}", {{0, 0}, {60, 10}});
  add(st, "h_bucket{le=\"1\", job=\"a\"}", {{0, 0}, {60, 20}});
  add(st, "h_bucket{le=\"+Inf\", job=\"a\"}", {{0, 0}, {60, 20}});
  Value v = instant(st, "histogram_quantile(0.75, rate(h_bucket[2m]))", 60);
  ASSERT_EQ(v.vector.size(), 1u);
  EXPECT_EQ(v.vector[0].metric.to_string(), "{job=\"a\"}");
  EXPECT_NEAR(v.vector[0].v, 0.1 + 0.9 * 0.5, 1e-9);
  Value bad = instant(st, "histogram_quantile(1.5, h_bucket)", 60);
  ASSERT_EQ(bad.warnings.size(), 1u);
  EXPECT_EQ(bad.warnings[0], "PromQL warning: quantile value should be between 0 and 1, got 1.5 (1:20)");
}

TEST(PromqlFunctions, LabelReplaceAndJoin) {
  MemoryStorage st;
  add(st, "m{src=\"host-42\"}", {{0, 1}});
  Value v = instant(st, "label_replace(m, \"id\", \"$1\", \"src\", \"host-(.*)\")", 0);
  EXPECT_EQ(v.vector[0].metric.get("id"), "42");
  Value n = instant(st, "label_replace(m, \"id\", \"$1\", \"src\", \"nomatch-(.*)\")", 0);
  EXPECT_FALSE(n.vector[0].metric.has("id"));
  Value j = instant(st, "label_join(m, \"j\", \"-\", \"src\", \"src\")", 0);
  EXPECT_EQ(j.vector[0].metric.get("j"), "host-42-host-42");
  EXPECT_THROW(instant(st, "label_replace(m, \"x\", \"y\", \"src\", \"(\")", 0), Error);
}

TEST(PromqlFunctions, OverTimeAndMath) {
  MemoryStorage st;
  add(st, "g", {{10, 1}, {20, 4}, {30, 2}, {40, 8}});
  EXPECT_EQ(only_value(instant(st, "max_over_time(g[1m])", 40)), 8);
  EXPECT_EQ(only_value(instant(st, "min_over_time(g[1m])", 40)), 1);
  EXPECT_EQ(only_value(instant(st, "avg_over_time(g[1m])", 40)), 3.75);
  EXPECT_EQ(only_value(instant(st, "changes(g[1m])", 40)), 3);
  EXPECT_EQ(only_value(instant(st, "resets(g[1m])", 40)), 1);
  EXPECT_EQ(only_value(instant(st, "quantile_over_time(0.5, g[1m])", 40)), 3);
  EXPECT_EQ(only_value(instant(st, "irate(g[1m])", 40)), 0.6);
  EXPECT_EQ(only_value(instant(st, "idelta(g[1m])", 40)), 6);
  EXPECT_EQ(only_value(instant(st, "timestamp(g)", 45)), 40);
  EXPECT_EQ(only_value(instant(st, "clamp(g, 0, 5)", 40)), 5);
  EXPECT_TRUE(instant(st, "clamp(g, 5, 0)", 40).vector.empty());
  EXPECT_EQ(only_value(instant(st, "round(g / 3, 0.5)", 40)), 2.5);
  EXPECT_EQ(instant(st, "scalar(g)", 40).scalar, 8);
  EXPECT_TRUE(std::isnan(instant(st, "scalar(label_replace(vector(1), \"a\", \"b\", \"\", \"\") or vector(2))", 40).scalar));
  Value a = instant(st, "absent(nonexistent{job=\"x\"})", 40);
  ASSERT_EQ(a.vector.size(), 1u);
  EXPECT_EQ(a.vector[0].metric.to_string(), "{job=\"x\"}");
  EXPECT_EQ(only_value(instant(st, "deriv(g[1m])", 40)), 0.19);
  EXPECT_EQ(only_value(instant(st, "year()", 0)), 1970);
  EXPECT_EQ(only_value(instant(st, "days_in_month(vector(5184000))", 0)), 31);  // 1970-03-01
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

TEST(PromqlFunctions, QueryContextFunctions) {
  MemoryStorage st;
  Value r = range_query(st, "step() + range() + end() - start()", 10000, 40000, 10000, {});
  ASSERT_EQ(r.matrix.size(), 1u);
  for (auto& p : r.matrix[0].samples) EXPECT_EQ(p.v, 10 + 30 + 30);
  EXPECT_EQ(testing::instant(st, "step()", 100).scalar, 0);
  EXPECT_EQ(testing::instant(st, "start()", 100).scalar, 100);
  EXPECT_EQ(testing::instant(st, "min_of(3, max_of(1, 2))", 0).scalar, 2);
}

TEST(PromqlFunctions, SortByLabelIsNatural) {
  MemoryStorage st;
  for (const char* cpu : {"10", "2", "1", "100"}) testing::add(st, std::string("c{cpu=\"") + cpu + "\"}", {{0, 1}});
  Value v = testing::instant(st, "sort_by_label(c, \"cpu\")", 0);
  ASSERT_EQ(v.vector.size(), 4u);
  EXPECT_EQ(v.vector[0].metric.get("cpu"), "1");
  EXPECT_EQ(v.vector[1].metric.get("cpu"), "2");
  EXPECT_EQ(v.vector[2].metric.get("cpu"), "10");
  EXPECT_EQ(v.vector[3].metric.get("cpu"), "100");
}

TEST(PromqlFunctions, DoubleExponentialSmoothing) {
  MemoryStorage st;
  testing::add(st, "g", {{0, 0}, {10, 10}, {20, 20}, {30, 30}});
  // A straight line is followed exactly.
  EXPECT_NEAR(testing::only_value(testing::instant(st, "double_exponential_smoothing(g[1m], 0.5, 0.5)", 30)), 30, 1e-9);
  EXPECT_THROW(testing::instant(st, "double_exponential_smoothing(g[1m], 1, 0.5)", 30), Error);
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

TEST(PromqlFunctions, GoFloatFormatting) {
  EXPECT_EQ(go_format_g(0.25), "0.25");
  EXPECT_EQ(go_format_g(1e6), "1e+06");
  EXPECT_EQ(go_format_g(123456), "123456");
  EXPECT_EQ(go_format_g(0.0001), "0.0001");
  EXPECT_EQ(go_format_g(0.00001), "1e-05");
  EXPECT_EQ(go_format_g(-1.5), "-1.5");
  EXPECT_EQ(openmetrics_float(1), "1.0");
  EXPECT_EQ(openmetrics_float(0.75), "0.75");
  EXPECT_EQ(openmetrics_float(1e6), "1e+06");
  EXPECT_EQ(go_quote("a\xc5z\""), "\"a\\xc5z\\\"\"");
}

TEST(PromqlFunctions, HistogramQuantilesLabelsEachQuantile) {
  MemoryStorage st;
  testing::add(st, "h_bucket{le=\"1\"}", {{0, 5}});
  testing::add(st, "h_bucket{le=\"+Inf\"}", {{0, 10}});
  Value v = testing::instant(st, "histogram_quantiles(h_bucket, \"q\", 0.25, 1)", 0);
  ASSERT_EQ(v.vector.size(), 2u);
  EXPECT_EQ(v.vector[0].metric.to_string(), "{q=\"0.25\"}");
  EXPECT_EQ(v.vector[0].v, 0.5);
  EXPECT_EQ(v.vector[1].metric.to_string(), "{q=\"1.0\"}");
  EXPECT_EQ(v.vector[1].v, 1);
}

}  // namespace
}  // namespace observe::promql
