// Fuzzes rule files and alert templates: the input as a rule file (check_rule_file), and as
// one template parsed and expanded with sample data and a query callback. Invariants: the
// checker reports problems as messages and never throws; a file it accepts has unique,
// non-empty group names and rules with exactly one of record/alert and an expression;
// expanding any template text gives a string (errors inline), never an exception or crash;
// a file it accepts, written back by format_rule_file (observe.rule_file), reads back valid
// with the same groups and rules (for valid UTF-8: yaml-cpp's emitter writes invalid bytes as
// U+FFFD, and PostgreSQL's text is UTF-8 anyway).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "core/common/utf8.h"
#include "core/rules/rule_file.h"
#include "core/rules/rule_file_format.h"
#include "core/rules/template.h"

using namespace observe;
using namespace observe::rules;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  RuleFile f;
  auto errors = check_rule_file(in, &f);
  Labels series{{"instance", "h:9100"}, {"job", "node"}};
  TValue tdata = alert_template_data(series, Labels{{"cluster", "c"}}, "http://x/", 42.5);
  TemplateQueryFunc q = [&](const std::string& expr) {
    if (expr.size() % 3 == 0) throw std::runtime_error("query failed");
    return std::vector<QuerySample>{{series, 1.5}, {Labels{{"i", expr.substr(0, 8)}}, -2}};
  };
  if (errors.empty()) {
    std::set<std::string> names;
    for (const auto& g : f.groups) {
      if (g.name.empty() || !names.insert(g.name).second) abort();
      for (const auto& r : g.rules) {
        if (r.record.empty() == r.alert.empty() || r.expr.empty()) abort();
        for (const auto& [k, v] : r.annotations) expand_alert_template(r.alert, v, tdata, q, "http://x/");
        for (const auto& [k, v] : r.labels) expand_alert_template(r.alert, v, tdata, q, "http://x/");
      }
    }
    if (valid_utf8(in)) {
      RuleFile back;
      if (!check_rule_file(format_rule_file(f), &back).empty() || back.groups.size() != f.groups.size()) abort();
      for (size_t g = 0; g < f.groups.size(); g++) {
        const RuleGroup &a = f.groups[g], &b = back.groups[g];
        if (a.name != b.name || a.interval_ms != b.interval_ms || a.query_offset_ms != b.query_offset_ms ||
            a.limit != b.limit || a.labels != b.labels || a.rules.size() != b.rules.size())
          abort();
        for (size_t i = 0; i < a.rules.size(); i++) {
          const Rule &x = a.rules[i], &y = b.rules[i];
          if (x.record != y.record || x.alert != y.alert || x.expr != y.expr || x.for_ms != y.for_ms ||
              x.keep_firing_for_ms != y.keep_firing_for_ms || x.labels != y.labels || x.annotations != y.annotations)
            abort();
        }
      }
    }
  }
  // The raw input as a template.
  std::string out = expand_alert_template("F", in, tdata, q, "http://x/");
  if (out.size() > (1u << 25)) abort();
  return 0;
}
