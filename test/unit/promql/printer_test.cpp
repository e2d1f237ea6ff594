#include <gtest/gtest.h>

#include "core/promql/parser.h"
#include "core/promql/printer.h"

namespace observe::promql {
namespace {

std::string canon(const std::string& q) { return to_string(*parse_expr(q)); }

TEST(PromqlPrinter, CanonicalForms) {
  EXPECT_EQ(canon("sum(rate(x{job=\"a\"}[5m])) by (job)"), "sum by (job) (rate(x{job=\"a\"}[5m]))");
  EXPECT_EQ(canon("a+on(x)group_left(y)b"), "a + on(x) group_left(y) b");
  EXPECT_EQ(canon("a > bool 1"), "a > bool 1");
  EXPECT_EQ(canon("x offset -90m @ 100"), "x offset -1h30m @ 100.000");
  EXPECT_EQ(canon("x[1h:] @ end()"), "x[1h:] @ end()");
  EXPECT_EQ(canon("rate(x[5m:30s] offset 1m)"), "rate(x[5m:30s] offset 1m)");
  EXPECT_EQ(canon("{__name__=\"up\"}"), "up");
  EXPECT_EQ(canon("{\"my.metric\"}"), "{__name__=\"my.metric\"}");
  EXPECT_EQ(canon("topk(3, x)"), "topk(3, x)");
  EXPECT_EQ(canon("-(1 + 2) * 3"), "-(1 + 2) * 3");
  EXPECT_EQ(canon("\"a\\\"b\""), "\"a\\\"b\"");
  EXPECT_EQ(canon("Inf"), "+Inf");  // as Prometheus prints a literal
  EXPECT_EQ(canon("1e3232 ^ g"), "Inf ^ g");
}

TEST(PromqlPrinter, RoundTripKeepsMeaning) {
  const char* qs[] = {"1 - -1", "2 ^ 3 ^ 2", "-x ^ 2", "a or b and c unless d", "x[10]",
                      "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
                      "label_replace(x, \"dst\", \"$1\", \"src\", \"(.*)\")", "count_values without (a) (\"v\", x)",
                      "x @ -10.5", "min_over_time(x[1s500ms])",
                      // found by promql_fuzz: "+Inf ^ g" reads back as +(Inf ^ g)
                      "1e3232 ^ g", "-1e3232 ^ g", "Inf ^ Inf ^ g", "+Inf", "-Inf * 2"};
  for (const char* q : qs) {
    std::string once = canon(q);
    EXPECT_EQ(canon(once), once) << q;
  }
}

TEST(PromqlPrinter, Durations) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(1500), "1s500ms");
  EXPECT_EQ(format_duration(86400000LL * 8), "1w1d");
  EXPECT_EQ(format_duration(365LL * 86400000), "1y");
}

}  // namespace
}  // namespace observe::promql
