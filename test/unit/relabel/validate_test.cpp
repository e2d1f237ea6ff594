// The relabel checks Prometheus 2.42 does on load: the relabel cases of config_test.go's
// expectedErrors (testdata/*.bad.yml), each rebuilt as the Config that YAML produces.
#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/relabel/relabel.h"

namespace observe::relabel {
namespace {

Config rule(Action a) {
  Config c;
  c.action = a;
  return c;
}

std::shared_ptr<const Regex> re(const std::string& s) { return std::make_shared<const Regex>(s); }

TEST(RelabelValidate, PrometheusBadConfigs) {
  struct Bad {
    const char* file;
    Config cfg;
    const char* message;
  };
  std::vector<Bad> bad;
  auto add = [&](const char* file, Config c, const char* msg) { bad.push_back({file, c, msg}); };
  {
    Config c = rule(Action::kHashMod);
    c.regex = re("abcdef"), c.regex_given = true;
    add("modulus_missing", c, "relabel configuration for hashmod requires non-zero modulus");
  }
  for (Action a : {Action::kLabelKeep, Action::kLabelDrop}) {
    std::string msg = std::string(action_name(a)) + " action requires only 'regex', and no other fields";
    Config c1 = rule(a);
    c1.source_labels = {"abcdef"}, c1.source_labels_given = true;
    Config c2 = rule(a);
    c2.modulus = 8;
    Config c3 = rule(a);
    c3.separator = ",";
    Config c4 = rule(a);
    c4.replacement = "yolo-{1}";
    Config c5 = rule(a);
    c5.target_label = "yolo";
    for (const Config& c : {c1, c2, c3, c4, c5}) EXPECT_EQ(validate(c), msg);
    // `source_labels: []` is a non-nil list in Go: also refused.
    Config c6 = rule(a);
    c6.source_labels_given = true;
    EXPECT_EQ(validate(c6), msg);
    EXPECT_EQ(validate(rule(a)), "");
  }
  for (Action a : {Action::kDropEqual, Action::kKeepEqual}) {
    std::string name(action_name(a));
    Config c = rule(a);
    c.source_labels = {"abcdef"}, c.source_labels_given = true;
    EXPECT_EQ(validate(c), "relabel configuration for " + name + " action requires 'target_label' value");
    c.target_label = "bar";
    EXPECT_EQ(validate(c), "");
    c.regex = re("foo"), c.regex_given = true;
    EXPECT_EQ(validate(c),
              name + " action requires only 'source_labels' and `target_label`, and no other fields");
    // Prometheus compares the regex by identity: writing the default's text is still "set".
    c.regex = re("(.*)");
    EXPECT_NE(validate(c), "");
  }
  {
    Config c = rule(Action::kLabelMap);
    c.replacement = "l-$1";
    add("labelmap", c, "\"l-$1\" is invalid 'replacement' for labelmap action");
  }
  for (Action a : {Action::kLowercase, Action::kUppercase}) {
    std::string name(action_name(a));
    Config c = rule(a);
    c.source_labels = {"__name__"}, c.source_labels_given = true;
    EXPECT_EQ(validate(c), "relabel configuration for " + name + " action requires 'target_label' value");
    c.target_label = "42lab";
    EXPECT_EQ(validate(c), "\"42lab\" is invalid 'target_label' for " + name + " action");
    c.target_label = "__name__";
    c.replacement = "bar";
    EXPECT_EQ(validate(c), "'replacement' can not be set for " + name + " action");
    c.replacement = "$1";
    EXPECT_EQ(validate(c), "");
  }
  {
    Config c = rule(Action::kReplace);
    c.regex = re("abcdef"), c.regex_given = true;
    add("target_label_missing", c, "relabel configuration for replace action requires 'target_label' value");
  }
  {
    Config c = rule(Action::kHashMod);
    c.source_labels = {"__address__"}, c.source_labels_given = true;
    c.modulus = 8;
    add("target_label_hashmod_missing", c,
        "relabel configuration for hashmod action requires 'target_label' value");
    c.target_label = "${1}";  // a template is fine for replace, not for hashmod
    add("hashmod target template", c, "\"${1}\" is invalid 'target_label' for hashmod action");
  }
  add("empty_scrape_config_action", rule(Action::kEmpty), "relabel action cannot be empty");
  for (const auto& b : bad) EXPECT_EQ(validate(b.cfg), b.message) << b.file;
}

TEST(RelabelValidate, RegexErrors) {
  try {
    Regex r("abc(def");
    FAIL() << "compiled";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("error parsing regexp: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("`^(?:abc(def)$`"), std::string::npos) << e.what();
  }
  // Anchored as Prometheus anchors: the alternation stays inside the group.
  Regex alt("a|b");
  EXPECT_TRUE(alt.full_match("a"));
  EXPECT_FALSE(alt.full_match("ab"));
  EXPECT_FALSE(alt.full_match("xa"));
}

TEST(RelabelValidate, ParseAction) {
  EXPECT_EQ(parse_action("Replace"), Action::kReplace);
  EXPECT_EQ(parse_action("KEEPEQUAL"), Action::kKeepEqual);
  EXPECT_EQ(parse_action("hashmod"), Action::kHashMod);
  EXPECT_FALSE(parse_action(""));
  EXPECT_FALSE(parse_action("copy"));
  // strings.ToLower maps the Kelvin sign to 'k', so Go accepts it.
  EXPECT_EQ(parse_action("\xE2\x84\xAA" "eep"), Action::kKeep);
}

}  // namespace
}  // namespace observe::relabel
