// Field extraction of the parser stages: JSON (simdjson on-demand), logfmt, label-name
// sanitising.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace observe::logql {

// Prometheus label charset: invalid characters become '_', a leading digit gets a '_' prefix.
std::string sanitize_label_name(std::string_view key);
// The same, appended to *out.
void append_sanitized_label_name(std::string_view key, std::string* out);

using FieldSink = std::function<void(const std::string& key, std::string_view value)>;

class JsonExtractor {
 public:
  JsonExtractor();
  ~JsonExtractor();
  // Every field of a JSON object line, nested objects flattened with '_', arrays and nulls
  // skipped, numbers and booleans as their text. False with *err on invalid JSON or a
  // non-object line.
  bool all(std::string_view line, const FieldSink& sink, std::string* err);
  // The value at each path (strings unescaped, objects/arrays as JSON text, "" when absent).
  bool paths(std::string_view line, const std::vector<std::vector<std::string>>& paths,
             std::vector<std::string>* values, std::string* err);
  // unpack: string fields become labels; `_entry` (if a string) replaces the line.
  bool unpack(std::string_view line, const FieldSink& sink, std::string* entry, bool* has_entry, std::string* err);

 private:
  struct Impl;
  Impl* impl_;
};

// Parses a json expression (`a.b`, `a["b"]`, `a[0]`) into path elements; an array index is
// kept as "[N]". Throws std::invalid_argument("cannot parse expression ...").
std::vector<std::string> parse_json_path(std::string_view expr);

// logfmt pairs. Non-strict: malformed pairs are skipped; strict: false with *err at the first
// one. Standalone keys and empty values are reported only with keep_empty.
bool logfmt_pairs(std::string_view line, bool strict, bool keep_empty,
                  const std::function<void(std::string_view key, std::string_view value)>& sink, std::string* err);

}  // namespace observe::logql
