// TestRelabel of Prometheus 2.42 (model/relabel/relabel_test.go), every case, as data: the
// input set, the rules, and the expected output or drop. Fields left empty take the defaults
// the Go test fills in (action replace, separator ";", regex "(.*)", replacement "$1").
#include <gtest/gtest.h>

#include "core/relabel/relabel.h"

namespace observe::relabel {
namespace {

struct Rule {
  std::vector<std::string> source_labels;
  std::string regex;
  std::string target_label;
  std::string separator;
  std::string replacement;
  Action action = Action::kReplace;
  uint64_t modulus = 0;
};

struct Case {
  Labels input;
  std::vector<Rule> rules;
  Labels output;
  bool drop = false;
};

Config to_config(const Rule& r) {
  Config c;
  c.source_labels = r.source_labels;
  if (!r.regex.empty()) c.regex = std::make_shared<const Regex>(r.regex);
  c.target_label = r.target_label;
  if (!r.separator.empty()) c.separator = r.separator;
  if (!r.replacement.empty()) c.replacement = r.replacement;
  c.action = r.action;
  c.modulus = r.modulus;
  return c;
}

const Action kReplace = Action::kReplace, kDrop = Action::kDrop, kKeep = Action::kKeep,
             kHashMod = Action::kHashMod, kLabelMap = Action::kLabelMap,
             kLabelKeep = Action::kLabelKeep, kLabelDrop = Action::kLabelDrop,
             kUppercase = Action::kUppercase, kLowercase = Action::kLowercase,
             kKeepEqual = Action::kKeepEqual, kDropEqual = Action::kDropEqual;

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
       {{{"a"}, "f(.*)", "d", ";", "ch${1}-ch${1}", kReplace}},
       {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}},
      {{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
       {{{"a", "b"}, "f(.*);(.*)r", "a", ";", "b${1}${2}m", kReplace},
        {{"c", "a"}, "(b).*b(.*)ba(.*)", "d", ";", "$1$2$2$3", kReplace}},
       {{"a", "boobam"}, {"b", "bar"}, {"c", "baz"}, {"d", "boooom"}}},
      {{{"a", "foo"}},
       {{{"a"}, ".*o.*", "", "", "", kDrop}, {{"a"}, "f(.*)", "d", ";", "ch$1-ch$1", kReplace}},
       {},
       true},
      {{{"a", "foo"}, {"b", "bar"}}, {{{"a"}, ".*o.*", "", "", "", kDrop}}, {}, true},
      {{{"a", "abc"}},
       {{{"a"}, ".*(b).*", "d", ";", "$1", kReplace}},
       {{"a", "abc"}, {"d", "b"}}},
      {{{"a", "foo"}}, {{{"a"}, "no-match", "", "", "", kDrop}}, {{"a", "foo"}}},
      {{{"a", "foo"}}, {{{"a"}, "f|o", "", "", "", kDrop}}, {{"a", "foo"}}},
      {{{"a", "foo"}}, {{{"a"}, "no-match", "", "", "", kKeep}}, {}, true},
      {{{"a", "foo"}}, {{{"a"}, "f.*", "", "", "", kKeep}}, {{"a", "foo"}}},
      // No replacement must be applied if there is no match.
      {{{"a", "boo"}}, {{{"a"}, "f", "b", "", "bar", kReplace}}, {{"a", "boo"}}},
      {{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
       {{{"c"}, "", "d", ";", "", kHashMod, 1000}},
       {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "976"}}},
      {{{"a", "foo\nbar"}},
       {{{"a"}, "", "b", ";", "", kHashMod, 1000}},
       {{"a", "foo\nbar"}, {"b", "734"}}},
      {{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
       {{{}, "(b.*)", "", "", "bar_${1}", kLabelMap}},
       {{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}, {"bar_b1", "bar"}, {"bar_b2", "baz"}}},
      {{{"a", "foo"}, {"__meta_my_bar", "aaa"}, {"__meta_my_baz", "bbb"}, {"__meta_other", "ccc"}},
       {{{}, "__meta_(my.*)", "", "", "${1}", kLabelMap}},
       {{"a", "foo"},
        {"__meta_my_bar", "aaa"},
        {"__meta_my_baz", "bbb"},
        {"__meta_other", "ccc"},
        {"my_bar", "aaa"},
        {"my_baz", "bbb"}}},
      // valid case
      {{{"a", "some-name-value"}},
       {{{"a"}, "some-([^-]+)-([^,]+)", "${1}", "", "${2}", kReplace}},
       {{"a", "some-name-value"}, {"name", "value"}}},
      // invalid replacement ""
      {{{"a", "some-name-value"}},
       {{{"a"}, "some-([^-]+)-([^,]+)", "${1}", "", "${3}", kReplace}},
       {{"a", "some-name-value"}}},
      // invalid target_labels
      {{{"a", "some-name-value"}},
       {{{"a"}, "some-([^-]+)-([^,]+)", "${3}", "", "${1}", kReplace},
        {{"a"}, "some-([^-]+)-([^,]+)", "0${3}", "", "${1}", kReplace},
        {{"a"}, "some-([^-]+)-([^,]+)", "-${3}", "", "${1}", kReplace}},
       {{"a", "some-name-value"}}},
      // more complex real-life like usecase
      {{{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"}},
       {{{"__meta_sd_tags"}, "(?:.+,|^)path:(/[^,]+).*", "__metrics_path__", "", "${1}", kReplace},
        {{"__meta_sd_tags"}, "(?:.+,|^)job:([^,]+).*", "job", "", "${1}", kReplace},
        {{"__meta_sd_tags"}, "(?:.+,|^)label:([^=]+)=([^,]+).*", "${1}", "", "${2}", kReplace}},
       {{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"},
        {"__metrics_path__", "/secret"},
        {"job", "some-job"},
        {"foo", "bar"}}},
      {{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
       {{{}, "(b.*)", "", "", "", kLabelKeep}},
       {{"b1", "bar"}, {"b2", "baz"}}},
      {{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
       {{{}, "(b.*)", "", "", "", kLabelDrop}},
       {{"a", "foo"}}},
      {{{"foo", "bAr123Foo"}},
       {{{"foo"}, "", "foo_uppercase", "", "", kUppercase},
        {{"foo"}, "", "foo_lowercase", "", "", kLowercase}},
       {{"foo", "bAr123Foo"}, {"foo_lowercase", "bar123foo"}, {"foo_uppercase", "BAR123FOO"}}},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {{{"__tmp_port"}, "", "__port1", "", "", kKeepEqual}},
       {{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}}},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {{{"__tmp_port"}, "", "__port1", "", "", kDropEqual}},
       {},
       true},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {{{"__tmp_port"}, "", "__port2", "", "", kDropEqual}},
       {{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}}},
      {{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}},
       {{{"__tmp_port"}, "", "__port2", "", "", kKeepEqual}},
       {},
       true},
  };
  return all;
}

TEST(RelabelCases, AllOfPrometheusTestRelabel) {
  ASSERT_EQ(cases().size(), 25u);  // the number of cases in relabel_test.go of 2.42
  for (size_t i = 0; i < cases().size(); ++i) {
    const Case& c = cases()[i];
    std::vector<Config> rules;
    for (const auto& r : c.rules) rules.push_back(to_config(r));
    auto got = process(c.input, rules);
    ASSERT_EQ(got.has_value(), !c.drop) << "case " << i;
    if (got) {
      EXPECT_EQ(got->to_string(), c.output.to_string()) << "case " << i;
    }
  }
}

// TestTargetLabelValidity of relabel_test.go.
TEST(RelabelCases, TargetLabelValidity) {
  const std::pair<const char*, bool> tests[] = {
      {"-label", false},  {"label", true},     {"label${1}", true},     {"${1}label", true},
      {"${1}", true},     {"${1}label", true}, {"${", false},           {"$", false},
      {"${}", false},     {"foo${", false},    {"$1", true},            {"asd$2asd", true},
      {"-foo${1}bar-", false}, {"_${1}_", true}, {"foo${bar}foo", true},
  };
  for (const auto& [s, valid] : tests) EXPECT_EQ(is_valid_relabel_target(s), valid) << s;
}

}  // namespace
}  // namespace observe::relabel
