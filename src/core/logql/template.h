// A Go text/template subset for line_format and label_format: text, {{ pipelines }} with
// `|`, fields (.label), literals, parenthesised pipelines, if/else if/else/end, trim
// markers ({{- -}}), comments, and the template functions of Loki (fmt.go) that
// FEATURES.md lists. Unknown functions fail at parse time as in Go ("not defined").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace observe::logql {

struct TemplateContext {
  // Value of a label; false when absent (renders as "").
  std::function<bool(std::string_view, std::string*)> label;
  std::string_view line;
  int64_t ts_ns = 0;
};

class Template {
 public:
  // Throws std::invalid_argument with Go's error text ("template: ...: unclosed action").
  explicit Template(std::string_view text);
  ~Template();
  // Renders; false and *err set when execution fails (TemplateFormatErr).
  bool render(const TemplateContext& ctx, std::string* out, std::string* err) const;
  // The template refers to __line__ / __timestamp__ / uses no actions at all.
  bool uses_line() const { return uses_line_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  bool uses_line_ = false;
};

}  // namespace observe::logql
