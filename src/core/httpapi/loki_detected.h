// Loki's "detected" endpoints (Loki 3.x pkg/querier/querier.go and queryrange/detected_fields.go)
// the Grafana Loki data source and Logs Drilldown call: which stream labels are worth offering
// (detected_labels), which fields the lines carry (detected_fields: structured metadata, then
// the line parsed as JSON, else logfmt, each field typed), and a field's values. Cardinalities
// are exact distinct counts (Loki estimates them with HyperLogLog sketches).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/labels.h"

namespace observe::httpapi {

// {"detectedLabels":[{"label":..,"cardinality":N},...]} (by label), from the matching streams'
// label sets. Labels whose values are all IDs (numbers, UUIDs) are left out, except a 0/1
// label and the static labels cluster, namespace, instance and pod.
std::string loki_detected_labels_json(const std::vector<Labels>& streams);

// Go's type guesses of detected_fields' determineType, in its order: int, float, boolean,
// duration, bytes, else string.
const char* loki_detected_field_type(std::string_view value);

class DetectedFields {
 public:
  // At most `limit` distinct fields are tracked (Loki's field limit).
  explicit DetectedFields(size_t limit) : limit_(limit) {}
  // One log line of a stream with its structured metadata.
  void add(const Labels& stream, std::string_view line, const Labels& metadata);
  // {"fields":[{"label","type","cardinality","parsers"}...],"limit":N} (by label; no limit when empty).
  std::string fields_json() const;
  // {"values":[...],"limit":N}: the distinct values of one field (at most limit).
  std::string values_json(const std::string& name) const;

 private:
  struct Field {
    std::string type = "string";
    std::set<std::string> parsers;
    std::set<std::string> values;
  };
  void add_value(const std::string& name, std::string_view value, const char* parser);
  size_t limit_;
  std::map<std::string, Field> fields_;
};

}  // namespace observe::httpapi
