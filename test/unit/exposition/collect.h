// Test helper: parses a whole payload into owned values.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/exposition/parser.h"

namespace observe::exposition::testing {

struct OwnedEntry {
  EntryKind kind;
  size_t line;
  std::string name;
  std::string series;
  std::vector<std::pair<std::string, std::string>> labels;
  double value;
  std::optional<int64_t> timestamp_ms;
  MetricType type;
  std::string family;
  bool created;
  std::string text;
};

inline std::vector<OwnedEntry> parse_all(std::string_view payload, Format format,
                                         ParserOptions options = {}) {
  std::vector<OwnedEntry> out;
  Parser p(payload, format, options);
  Entry e;
  while (p.next(&e)) {
    OwnedEntry o{e.kind, e.line, std::string(e.metric_name), std::string(e.series), {}, e.value,
                 std::nullopt, e.type, std::string(e.family), e.created_series, std::string(e.text)};
    for (const auto& l : e.labels) o.labels.emplace_back(std::string(l.name), std::string(l.value));
    if (e.kind == EntryKind::kSample && e.has_timestamp) o.timestamp_ms = e.timestamp_ms;
    out.push_back(std::move(o));
  }
  return out;
}

inline std::vector<OwnedEntry> samples_of(std::string_view payload, Format format,
                                          ParserOptions options = {}) {
  std::vector<OwnedEntry> out;
  for (auto& e : parse_all(payload, format, options))
    if (e.kind == EntryKind::kSample) out.push_back(std::move(e));
  return out;
}

// The message of the ParseError the payload raises, or "" when it parses.
inline std::string error_of(std::string_view payload, Format format) {
  try {
    parse_all(payload, format);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace observe::exposition::testing
