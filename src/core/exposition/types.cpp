#include "core/exposition/types.h"

namespace observe::exposition {

std::string_view metric_type_name(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kInfo: return "info";
    case MetricType::kStateset: return "stateset";
    case MetricType::kUnknown: break;
  }
  return "unknown";
}

bool metric_type_from_name(std::string_view name, Format format, MetricType* out) {
  struct Spelling {
    std::string_view name;
    MetricType type;
    bool text, openmetrics;
  };
  static constexpr Spelling kSpellings[] = {
      {"counter", MetricType::kCounter, true, true},
      {"gauge", MetricType::kGauge, true, true},
      {"histogram", MetricType::kHistogram, true, true},
      {"summary", MetricType::kSummary, true, true},
      {"untyped", MetricType::kUnknown, true, false},
      {"unknown", MetricType::kUnknown, false, true},
      {"gaugehistogram", MetricType::kGaugeHistogram, false, true},
      {"info", MetricType::kInfo, false, true},
      {"stateset", MetricType::kStateset, false, true},
  };
  for (const auto& s : kSpellings) {
    if (s.name == name && (format == Format::kOpenMetrics ? s.openmetrics : s.text)) {
      *out = s.type;
      return true;
    }
  }
  return false;
}

}  // namespace observe::exposition
