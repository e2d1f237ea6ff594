#include "core/exposition/content_type.h"

#include <gtest/gtest.h>

namespace observe::exposition {
namespace {

TEST(ContentType, OpenMetricsByMediaType) {
  EXPECT_EQ(format_from_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            Format::kOpenMetrics);
  EXPECT_EQ(format_from_content_type("application/openmetrics-text;version=0.0.1"), Format::kOpenMetrics);
  EXPECT_EQ(format_from_content_type("Application/OpenMetrics-Text"), Format::kOpenMetrics);
  EXPECT_EQ(format_from_content_type("  application/openmetrics-text ;version=1.0.0"), Format::kOpenMetrics);
}

TEST(ContentType, EverythingElseIsTheTextFormat) {
  EXPECT_EQ(format_from_content_type("text/plain; version=0.0.4; charset=utf-8"), Format::kPrometheusText);
  EXPECT_EQ(format_from_content_type(""), Format::kPrometheusText);
  EXPECT_EQ(format_from_content_type("application/json"), Format::kPrometheusText);
  EXPECT_EQ(format_from_content_type("application/openmetrics-textual"), Format::kPrometheusText);
}

TEST(MetricTypeName, Names) {
  EXPECT_EQ(metric_type_name(MetricType::kGaugeHistogram), "gaugehistogram");
  EXPECT_EQ(metric_type_name(MetricType::kUnknown), "unknown");
  EXPECT_EQ(metric_type_name(MetricType::kCounter), "counter");
}

}  // namespace
}  // namespace observe::exposition
