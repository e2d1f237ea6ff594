// Prometheus's alert templates (template/template.go over Go's text/template): the parse
// that `promtool check rules` performs and the expansion of labels and annotations.
//
// Go's text/template subset: text, {{ pipelines }} with `|`, `.Field` chains on maps,
// variables ($x := / $x =, $ the root), if / else if / else, range (lists and maps, with
// `$i, $e :=`), with, trim markers, comments, parenthesised pipelines; Go's builtins (and,
// or, not, len, index, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery)
// and Prometheus's functions (query, first, label, value, strvalue, sortByLabel, humanize*,
// toTime, title, toUpper, toLower, reReplaceAll, match, safeHtml, stripPort, stripDomain,
// graphLink, tableLink, pathPrefix, externalURL, parseDuration, args). Missing map keys give
// "" (Prometheus sets missingkey=zero).
//
// Why not core/logql/template: LogQL's line_format engine has no variables, range, with or
// typed values (maps, query results), all of which alert templates need; this engine is the
// superset, and LogQL keeps its own tested one (see README.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/labels.h"

namespace observe::rules {

// A value in template execution. Maps are map[string]string or structs (the template data,
// query samples); `is_struct` makes a missing field an error instead of "".
struct TValue {
  enum Kind { kNil, kBool, kInt, kFloat, kString, kMap, kList } kind = kNil;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::shared_ptr<const std::map<std::string, TValue>> map;
  std::shared_ptr<const std::vector<TValue>> list;
  bool is_struct = false;
  std::string type_name;  // for messages: "*template.sample", "template.queryResult"

  static TValue str(std::string v);
  static TValue num(double v);
  static TValue integer(int64_t v);
  static TValue boolean(bool v);
  static TValue string_map(const Labels& labels);
  static TValue string_map(const std::map<std::string, std::string>& m);
};

// One element of a `query` result.
struct QuerySample {
  Labels labels;
  double value = 0;
};
// Runs an instant PromQL query at the expansion time; throws std::exception on error.
using TemplateQueryFunc = std::function<std::vector<QuerySample>(const std::string& query)>;

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Template {
 public:
  // Parses as text/template does; throws TemplateError with Go's text,
  // e.g. `template: __alert_A:1: function "foo" not defined`.
  Template(std::string_view name, std::string_view text);
  ~Template();
  Template(Template&&) noexcept;
  // Executes with `dot` as data; throws TemplateError (`template: NAME:1:3: executing ...`).
  std::string execute(const TValue& dot, const TemplateQueryFunc& query, const std::string& external_url) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// What rules/alerting.go puts before each label and annotation text.
inline constexpr std::string_view kAlertTemplateDefs =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}"
    "{{$value := .Value}}";

// template.AlertTemplateData: .Labels, .ExternalLabels, .ExternalURL, .Value.
TValue alert_template_data(const Labels& labels, const Labels& external_labels, const std::string& external_url,
                           double value);

// Expands one alert label or annotation text as rules/alerting.go does (defs prepended,
// template named `__alert_<rule>`); an error gives `<error expanding template: ...>`.
std::string expand_alert_template(const std::string& rule_name, const std::string& text, const TValue& data,
                                  const TemplateQueryFunc& query, const std::string& external_url);

// Formatting helpers (exposed for tests): Prometheus's humanize family.
std::string humanize(double v);
std::string humanize1024(double v);
std::string humanize_duration(double v);
std::string humanize_percentage(double v);
std::string humanize_timestamp(double v);
// Go's fmt.Sprintf for the verbs templates use (%v %s %d %f %e %g %x %q %t %%).
std::string go_sprintf(const std::string& format, const std::vector<TValue>& args);

}  // namespace observe::rules
