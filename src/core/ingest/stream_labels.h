// Loki's rules for the labels of a pushed stream: the selector text of a protobuf push
// (`{app="api", env="prod"}`, parsed as Prometheus parses a series description), the label
// object of a JSON push, and the distributor's checks (Loki 2.9 pkg/distributor/validator.go).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/labels.h"

namespace observe::ingest {

// Loki's defaults (validation.max-label-names-per-series, -name-length, -value-length).
struct LabelLimits {
  size_t max_label_names = 30;
  size_t max_name_length = 1024;
  size_t max_value_length = 2048;
};

// [a-zA-Z_][a-zA-Z0-9_]* (Prometheus's legacy label names, which Loki 2.9 requires).
bool valid_label_name(std::string_view name);
// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name);

// Parses `{name="value", ...}` or `metric{...}` (PromQL string quoting and escapes) into pairs
// in text order, duplicates kept. Throws Error (kDataException) saying what is wrong and where.
std::vector<Label> parse_stream_selector(std::string_view text);

// Loki's stream label checks on pairs (any order, duplicates kept; empty values are dropped
// first, as Loki's ParseLabels does): at least one label, at most max_label_names, names and
// values within their lengths, names valid, no name twice. Returns the sorted Labels; throws
// Error (kDataException) naming the stream as `what` (its selector text; empty: the pairs
// formatted, only when there is an error) otherwise.
Labels validate_stream_labels(std::vector<Label> pairs, const LabelLimits& limits, std::string_view what);

// Prints pairs as Loki prints a stream, `{a="x", b="y"}`, for messages.
std::string format_stream(const std::vector<Label>& pairs);

}  // namespace observe::ingest
