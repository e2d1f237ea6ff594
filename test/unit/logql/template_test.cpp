#include "core/logql/template.h"

#include <gtest/gtest.h>

#include <map>

namespace observe::logql {
namespace {

std::string render(const std::string& t, std::map<std::string, std::string> labels = {}, std::string line = "the line",
                   int64_t ts = 1700000000123456789LL) {
  Template tmpl(t);
  TemplateContext ctx;
  ctx.label = [&](std::string_view n, std::string* out) {
    auto it = labels.find(std::string(n));
    if (it == labels.end()) return false;
    *out = it->second;
    return true;
  };
  ctx.line = line;
  ctx.ts_ns = ts;
  std::string out, err;
  if (!tmpl.render(ctx, &out, &err)) return "ERR:" + err;
  return out;
}

TEST(LogqlTemplate, FieldsPipelinesAndConditionals) {
  EXPECT_EQ(render("{{.a}}-{{ .b }}", {{"a", "1"}}), "1-");
  EXPECT_EQ(render("{{ .a | upper | trunc 2 }}", {{"a", "hello"}}), "HE");
  EXPECT_EQ(render("{{ if eq .l \"err\" }}E{{ else if eq .l \"warn\" }}W{{ else }}I{{ end }}", {{"l", "warn"}}), "W");
  EXPECT_EQ(render("{{- if and .a (not .b) -}}  yes  {{- end }}", {{"a", "1"}}), "yes");
  EXPECT_EQ(render("a {{/* comment */}}b"), "a b");
  EXPECT_EQ(render("{{ __line__ }}"), "the line");
}

TEST(LogqlTemplate, StringFunctions) {
  std::map<std::string, std::string> l = {{"s", "  Hello World  "}, {"p", "/api/v1"}};
  EXPECT_EQ(render("{{ trim .s | lower }}", l), "hello world");
  EXPECT_EQ(render("{{ .p | trimPrefix \"/api\" }}", l), "/v1");
  EXPECT_EQ(render("{{ replace \"/\" \"_\" .p }}", l), "_api_v1");
  EXPECT_EQ(render("{{ substr 1 4 .p }}", l), "api");
  EXPECT_EQ(render("{{ if hasPrefix \"/api\" .p }}y{{end}}{{ if contains \"v1\" .p }}z{{end}}", l), "yz");
  EXPECT_EQ(render("{{ .missing | default \"none\" }}", l), "none");
  EXPECT_EQ(render("{{ regexReplaceAll \"v(\\\\d)\" .p \"version$1\" }}", l), "/api/version1");
  EXPECT_EQ(render("{{ regexReplaceAllLiteral \"v\\\\d\" .p \"$1\" }}", l), "/api/$1");
  EXPECT_EQ(render("{{ printf \"%s=%05.1f|%d|%q\" \"x\" 3.14159 42 \"q\" }}"), "x=003.1|42|\"q\"");
  EXPECT_EQ(render("{{ title \"hello world\" }}"), "Hello World");
  EXPECT_EQ(render("{{ b64enc \"hi!\" }} {{ b64dec \"aGkh\" }}"), "aGkh hi!");
  EXPECT_EQ(render("{{ alignLeft 5 \"ab\" }}|{{ alignRight 4 \"ab\" }}"), "ab   |  ab");
}

TEST(LogqlTemplate, NumbersAndTime) {
  EXPECT_EQ(render("{{ add 1 2 \"3\" }} {{ sub 5 2 }} {{ div 7 2 }} {{ mod 7 2 }} {{ mul 2 3 }}"), "6 3 3 1 6");
  EXPECT_EQ(render("{{ addf 1.5 2 }} {{ divf 1 4 }} {{ round 2.567 2 }} {{ ceil 1.2 }} {{ floor 1.8 }}"), "3.5 0.25 2.57 2 1");
  EXPECT_EQ(render("{{ .d | duration }} {{ .b | bytes }}", {{"d", "1m30s"}, {"b", "2KB"}}), "90 2000");
  EXPECT_EQ(render("{{ __timestamp__ | unixEpoch }}"), "1700000000");
  EXPECT_EQ(render("{{ __timestamp__ | date \"2006-01-02T15:04:05Z07:00\" }}"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(render("{{ toDate \"2006-01-02\" \"2021-01-02\" | unixEpoch }}"), "1609545600");
  EXPECT_EQ(render("{{ div 1 0 }}").rfind("ERR:", 0), 0u);
}

TEST(LogqlTemplate, ParseErrors) {
  EXPECT_THROW(Template("{{ nosuchfunc }}"), std::invalid_argument);
  EXPECT_THROW(Template("{{"), std::invalid_argument);
  EXPECT_THROW(Template("{{ if .a }}x"), std::invalid_argument);
  try {
    Template("{{ nosuchfunc }}");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("function \"nosuchfunc\" not defined"), std::string::npos);
  }
}

}  // namespace
}  // namespace observe::logql
