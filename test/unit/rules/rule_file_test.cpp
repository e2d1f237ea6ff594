// Rule-file parsing beyond what promtool 2.42 can check (fields of later Prometheus
// versions), the template engine's parse errors and helpers, and the series notation.
#include <gtest/gtest.h>

#include <cmath>

#include "core/common/error.h"
#include "core/common/stale.h"
#include "core/rules/rule_file.h"
#include "core/rules/rule_file_format.h"
#include "core/rules/template.h"
#include "core/rules/unit_test_file.h"

using namespace observe;
using namespace observe::rules;

TEST(RuleFile, ParsesEveryField) {
  RuleFile f = parse_rule_file(R"(
groups:
  - name: api
    interval: 30s
    query_offset: 1m
    limit: 7
    labels: {team: web}
    rules:
      - record: job:req:rate5m
        expr: sum by (job) (rate(req[5m]))
        labels: {a: b}
      - alert: Slow
        expr: job:req:rate5m > 1
        for: 5m
        keep_firing_for: 10m
        labels: {severity: page}
        annotations: {summary: "{{ $value }}"}
)");
  ASSERT_EQ(f.groups.size(), 1u);
  const RuleGroup& g = f.groups[0];
  EXPECT_EQ(g.name, "api");
  EXPECT_EQ(g.interval_ms, 30000);
  EXPECT_EQ(g.query_offset_ms, 60000);
  EXPECT_TRUE(g.has_query_offset);
  EXPECT_EQ(g.limit, 7);
  ASSERT_EQ(g.labels.size(), 1u);
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].record, "job:req:rate5m");
  EXPECT_FALSE(g.rules[0].is_alert());
  EXPECT_EQ(g.rules[1].name(), "Slow");
  EXPECT_EQ(g.rules[1].for_ms, 300000);
  EXPECT_EQ(g.rules[1].keep_firing_for_ms, 600000);
  EXPECT_EQ(g.rules[1].annotations.at(0).second, "{{ $value }}");
}

TEST(RuleFile, CollectsEveryErrorWithPositions) {
  auto errs = check_rule_file(R"(groups:
  - name: g
    labels: {"bad-label": x}
    rules:
      - record: a
        alert: B
        expr: up
      - record: c
        expr: sum(
)",
                              nullptr);
  ASSERT_EQ(errs.size(), 3u);
  EXPECT_EQ(errs[0], "2:5: invalid label name: bad-label") << errs[0];
  EXPECT_EQ(errs[1], "5:17: 6:16: group \"g\", rule 1, \"B\": only one of 'record' and 'alert' must be set");
  EXPECT_NE(errs[2].find("9:15: group \"g\", rule 2, \"c\": could not parse expression: 1:5: parse error"),
            std::string::npos)
      << errs[2];
  EXPECT_THROW(parse_rule_file("groups: [{name: x, rules: [{record: a}]}]"), RuleFileError);
}

TEST(RuleFile, RefusesAliasBombs) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; c++, prev++)
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  bomb += "groups: [{name: g, rules: [{record: r, expr: up, labels: {x: *j}}]}]\n";
  auto errs = check_rule_file(bomb, nullptr);
  ASSERT_FALSE(errs.empty());
}

TEST(Template, ParseErrorsAreGos) {
  auto err = [](const std::string& text) {
    try {
      Template t("__alert_A", std::string(kAlertTemplateDefs) + text);
    } catch (const TemplateError& e) {
      return std::string(e.what());
    }
    return std::string("parsed");
  };
  EXPECT_EQ(err("{{ $labels.job "), "template: __alert_A:1: unclosed action");
  EXPECT_EQ(err("{{ nosuch }}"), "template: __alert_A:1: function \"nosuch\" not defined");
  EXPECT_EQ(err("{{ $nope }}"), "template: __alert_A:1: undefined variable \"$nope\"");
  EXPECT_EQ(err("{{ end }}"), "template: __alert_A:1: unexpected {{end}}");
  EXPECT_EQ(err("x\n{{ if 1 }}"), "template: __alert_A:2: unexpected EOF");
  EXPECT_EQ(err("{{ range $i, $e := $labels }}{{ $i }}{{ end }}{{ $i }}"),
            "template: __alert_A:1: undefined variable \"$i\"");
  EXPECT_EQ(err("{{ if 1 }}a{{ else if 2 }}b{{ else }}c{{ end }}"), "parsed");
}

TEST(Template, ExpandsAlertData) {
  Labels l{{"instance", "h:9"}, {"job", "j"}};
  TValue data = alert_template_data(l, Labels{{"cluster", "c1"}}, "http://prom", 12345.678);
  TemplateQueryFunc q = [](const std::string& expr) {
    if (expr != "up") throw std::runtime_error("unexpected query " + expr);
    return std::vector<QuerySample>{{Labels{{"i", "2"}}, 2}, {Labels{{"i", "1"}}, 1}};
  };
  auto x = [&](const std::string& text) { return expand_alert_template("A", text, data, q, "http://prom"); };
  EXPECT_EQ(x("{{ $labels.instance }} {{ $value | humanize }} {{ $externalLabels.cluster }} {{ $externalURL }}"),
            "h:9 12.35k c1 http://prom");
  EXPECT_EQ(x("{{ range sortByLabel \"i\" (query \"up\") }}{{ .Labels.i }}={{ .Value }} {{ end }}"), "1=1 2=2 ");
  EXPECT_EQ(x("{{ with $labels.none }}x{{ else }}none{{ end }}"), "none");
  EXPECT_EQ(x("{{ .Nope }}").rfind("<error expanding template: error executing template __alert_A: template: "
                                   "__alert_A:1:115: executing",
                                   0),
            0u)
      << x("{{ .Nope }}");
}

TEST(Template, Humanizers) {
  EXPECT_EQ(humanize(1234567), "1.235M");
  EXPECT_EQ(humanize(0.0012), "1.2m");
  EXPECT_EQ(humanize(NAN), "NaN");
  EXPECT_EQ(humanize1024(1536), "1.5ki");
  EXPECT_EQ(humanize_duration(93784), "1d 2h 3m 4s");
  EXPECT_EQ(humanize_duration(0.25), "250ms");
  EXPECT_EQ(humanize_percentage(0.5), "50%");
  EXPECT_EQ(humanize_timestamp(1700000000), "2023-11-14 22:13:20 +0000 UTC");
  EXPECT_EQ(go_sprintf("%05.1f|%3d|%-3s|%v", {TValue::num(3.14159), TValue::integer(7), TValue::str("a"),
                                              TValue::num(1e21)}),
            "003.1|  7|a  |1e+21");
}

TEST(SeriesNotation, ExpandsAsPromtool) {
  auto v = expand_series_values("1+2x3 _ -1-1x1 _x2 5x1 stale Inf");
  std::vector<std::string> got;
  for (const auto& s : v)
    got.push_back(s.omitted ? "_" : is_stale_nan(s.v) ? "stale" : std::to_string(int(std::isinf(s.v) ? 999 : s.v)));
  EXPECT_EQ(got, (std::vector<std::string>{"1", "3", "5", "7", "_", "-1", "-2", "_", "_", "5", "5", "stale", "999"}));
  EXPECT_THROW(expand_series_values("1+2"), Error);
  EXPECT_THROW(expand_series_values("abc"), Error);
  EXPECT_THROW(expand_series_values("1x99999999999"), Error);
}

TEST(RuleFile, Promtool242ModeRefusesNewerGroupFields) {
  RuleFileOptions old;
  old.newer_group_fields = false;
  auto errs = check_rule_file("groups:\n  - name: g\n    query_offset: 1m\n    rules: []\n", nullptr, old);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0], "yaml: unmarshal errors:\n  line 3: field query_offset not found in type rulefmt.RuleGroup");
  EXPECT_FALSE(check_rule_file("groups: [{name: g, labels: {a: b}, rules: []}]", nullptr, old).empty());
  EXPECT_TRUE(check_rule_file("groups: [{name: g, labels: {a: b}, query_offset: 5s, rules: []}]", nullptr).empty());
}

// observe.rule_file writes what observe.load_rule_file read: every field survives a round trip,
// strings YAML would read as another type or that need quoting included.
TEST(RuleFileFormat, RoundTrip) {
  const char* text = R"(
groups:
  - name: "api: main"
    interval: 90s
    query_offset: 0s
    limit: 7
    labels: {team: "true", "n": "0x10"}
    rules:
      - record: job:req:rate5m
        expr: sum by (job) (rate(req{path="/a b", q='x\'y'}[5m]))
        labels: {a: "null", b: "# not a comment", c: "multi\nline", empty: ""}
      - alert: Slow
        expr: |
          job:req:rate5m
            > 1
        for: 1h30m
        keep_firing_for: 1w
        labels: {severity: "{{ $labels.job }}"}
        annotations: {summary: "value {{ $value | humanize }}: \"quoted\" and 'single'", z: ""}
  - name: second
    rules:
      - record: x
        expr: "1"
      - record: y
        expr: "x\n  + 1"
      - record: z
        expr: "  x\n+ 1\n"
)";
  RuleFile a = parse_rule_file(text);
  std::string out = format_rule_file(a);
  RuleFile b = parse_rule_file(out);
  ASSERT_EQ(a.groups.size(), b.groups.size()) << out;
  for (size_t g = 0; g < a.groups.size(); g++) {
    const RuleGroup &x = a.groups[g], &y = b.groups[g];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.interval_ms, y.interval_ms);
    EXPECT_EQ(x.query_offset_ms, y.query_offset_ms);
    EXPECT_EQ(x.has_query_offset, y.has_query_offset);
    EXPECT_EQ(x.limit, y.limit);
    EXPECT_EQ(x.labels, y.labels);
    ASSERT_EQ(x.rules.size(), y.rules.size()) << out;
    for (size_t r = 0; r < x.rules.size(); r++) {
      EXPECT_EQ(x.rules[r].record, y.rules[r].record);
      EXPECT_EQ(x.rules[r].alert, y.rules[r].alert);
      EXPECT_EQ(x.rules[r].expr, y.rules[r].expr) << out;
      EXPECT_EQ(x.rules[r].for_ms, y.rules[r].for_ms);
      EXPECT_EQ(x.rules[r].keep_firing_for_ms, y.rules[r].keep_firing_for_ms);
      EXPECT_EQ(x.rules[r].labels, y.rules[r].labels) << out;
      EXPECT_EQ(x.rules[r].annotations, y.rules[r].annotations) << out;
    }
  }
  EXPECT_NE(out.find("interval: 1m30s"), std::string::npos) << out;
  EXPECT_NE(out.find("for: 1h30m"), std::string::npos) << out;
  EXPECT_EQ(out.find("keep_firing_for: 0s"), std::string::npos) << out;
  EXPECT_EQ(a.groups[1].interval_ms, 0);
  EXPECT_EQ(out.find("interval: 0s"), std::string::npos) << out;
}

// Loki rule files: the same format, LogQL expressions parsed by the LogQL parser.
TEST(RuleFile, LokiRuleFilesHoldLogql) {
  const char* text = R"(
groups:
  - name: logs
    rules:
      - alert: Errors
        expr: sum(rate({app="a"} |= "error" [5m])) > 0
)";
  RuleFileOptions logql;
  logql.language = QueryLanguage::kLogQL;
  RuleFile f = parse_rule_file(text, logql);
  EXPECT_EQ(f.groups.at(0).rules.at(0).language, QueryLanguage::kLogQL);
  // The same text is not PromQL.
  std::vector<std::string> errors = check_rule_file(text, nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("could not parse expression: "), std::string::npos) << errors[0];
  // A LogQL syntax error, in Loki's words.
  errors = check_rule_file("groups:\n  - name: g\n    rules:\n      - record: x\n        expr: 'sum(rate({app=\"a\"}))'\n",
                           nullptr, logql);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("group \"g\", rule 1, \"x\": could not parse expression: parse error"), std::string::npos)
      << errors[0];
  // PromQL stays the default.
  EXPECT_EQ(parse_rule_file("groups:\n  - name: g\n    rules:\n      - record: x\n        expr: up\n")
                .groups.at(0).rules.at(0).language,
            QueryLanguage::kPromQL);
}
