// What the exposition parser hands out: zero-copy views into the payload.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace observe::exposition {

enum class Format {
  kPrometheusText,  // text/plain; version=0.0.4
  kOpenMetrics,     // application/openmetrics-text; version=1.0.0
};

// "untyped" (text format) and "unknown" (OpenMetrics) are both kUnknown, as in Prometheus.
enum class MetricType : uint8_t {
  kUnknown,
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateset,
};

std::string_view metric_type_name(MetricType t);

// The type a `# TYPE` line names, as the format spells it ("untyped" only in the text format;
// gaugehistogram, info, stateset and "unknown" only in OpenMetrics). false when it names none.
bool metric_type_from_name(std::string_view name, Format format, MetricType* out);

enum class EntryKind : uint8_t { kSample, kHelp, kType, kUnit };

// A label as exposed. The value is unescaped; views stay valid until the next call to next().
struct LabelView {
  std::string_view name;
  std::string_view value;
};

// One parsed line. The caller owns it and reuses it across next() calls (no allocation
// once the label vector has grown).
struct Entry {
  EntryKind kind = EntryKind::kSample;
  size_t line = 0;                // 1-based line where the entry starts
  std::string_view metric_name;   // sample: its metric name; metadata: the family name
  // Sample fields.
  std::string_view series;        // raw `name{...}` text exactly as exposed
  std::vector<LabelView> labels;  // in exposition order, never __name__
  double value = 0;               // every NaN is Prometheus's normal NaN (0x7ff8000000000001)
  bool has_timestamp = false;
  int64_t timestamp_ms = 0;       // text format: as written; OpenMetrics: seconds * 1000, truncated
  MetricType type = MetricType::kUnknown;  // sample: its family's type; kType: the declared type
  std::string_view family;        // sample: name of the family it belongs to
  bool created_series = false;    // OpenMetrics `_created` of a counter/histogram/summary
  // Metadata fields.
  std::string_view text;          // kHelp: unescaped help text; kUnit: the unit
};

}  // namespace observe::exposition
