// Behaviour of process() beyond TestRelabel: the corners of Prometheus's relabel().
#include <gtest/gtest.h>

#include "core/relabel/relabel.h"

namespace observe::relabel {
namespace {

Config replace(std::vector<std::string> src, std::string regex, std::string target,
               std::string replacement) {
  Config c;
  c.source_labels = std::move(src);
  c.regex = std::make_shared<const Regex>(std::move(regex));
  c.target_label = std::move(target);
  c.replacement = std::move(replacement);
  return c;
}

std::string run(const Labels& in, const std::vector<Config>& rules) {
  auto out = process(in, rules);
  return out ? out->to_string() : "dropped";
}

TEST(RelabelProcess, ReplaceDefaultsCopyTheValue) {
  Config c;
  c.source_labels = {"a", "b"};
  c.target_label = "c";
  EXPECT_EQ(run({{"a", "x"}, {"b", "y"}}, {c}), "{a=\"x\", b=\"y\", c=\"x;y\"}");
  // Missing source labels join as empty strings.
  EXPECT_EQ(run({{"b", "y"}}, {c}), "{b=\"y\", c=\";y\"}");
}

TEST(RelabelProcess, ReplaceWithEmptyResultDeletesTheTarget) {
  EXPECT_EQ(run({{"a", "x"}, {"c", "old"}}, {replace({"missing"}, "(.*)", "c", "$1")}),
            "{a=\"x\"}");
}

TEST(RelabelProcess, InvalidExpandedTargetDeletesTheRawTargetName) {
  // The target "${1}" expands to "1x" (not a label name): Prometheus deletes "${1}", which is
  // not there; nothing changes.
  EXPECT_EQ(run({{"a", "1x"}}, {replace({"a"}, "(.*)", "${1}", "v")}), "{a=\"1x\"}");
}

TEST(RelabelProcess, NamedGroups) {
  EXPECT_EQ(run({{"a", "k=v"}}, {replace({"a"}, "(?P<key>\\w+)=(?P<val>\\w+)", "$key", "${val}")}),
            "{a=\"k=v\", k=\"v\"}");
}

TEST(RelabelProcess, RegexMustMatchWholeValue) {
  EXPECT_EQ(run({{"a", "xfoo"}}, {replace({"a"}, "foo", "b", "hit")}), "{a=\"xfoo\"}");
  EXPECT_EQ(run({{"a", "foo"}}, {replace({"a"}, "foo", "b", "hit")}), "{a=\"foo\", b=\"hit\"}");
}

TEST(RelabelProcess, HashModIsStableAndBounded) {
  Config c;
  c.action = Action::kHashMod;
  c.source_labels = {"__address__"};
  c.target_label = "shard";
  c.modulus = 1;
  EXPECT_EQ(run({{"__address__", "h:1"}}, {c}), "{__address__=\"h:1\", shard=\"0\"}");
  // md5("") = d41d8cd98f00b204e9800998ecf8427e: the last 8 bytes big-endian are
  // 0xe9800998ecf8427e = 16825016545587085950; mod 1000 = 958.
  c.source_labels = {"missing"};
  c.modulus = 1000;
  EXPECT_EQ(run({{"a", "b"}}, {c}), "{a=\"b\", shard=\"958\"}");
}

TEST(RelabelProcess, LabelMapLaterNameWins) {
  Config c;
  c.action = Action::kLabelMap;
  c.regex = std::make_shared<const Regex>("(?:x|y)_(.*)");
  EXPECT_EQ(run({{"x_a", "1"}, {"y_a", "2"}}, {c}), "{a=\"2\", x_a=\"1\", y_a=\"2\"}");
}

TEST(RelabelProcess, CaseActionsWithEmptyValueDeleteTarget) {
  Config c;
  c.action = Action::kLowercase;
  c.source_labels = {"missing"};
  c.target_label = "t";
  EXPECT_EQ(run({{"t", "X"}}, {c}), "{}");
}

TEST(RelabelProcess, DropStopsTheChain) {
  Config drop;
  drop.action = Action::kDrop;
  drop.source_labels = {"a"};
  drop.regex = std::make_shared<const Regex>("x");
  EXPECT_EQ(run({{"a", "x"}}, {drop, replace({"a"}, "(.*)", "b", "$1")}), "dropped");
  EXPECT_EQ(run({{"a", "y"}}, {drop, replace({"a"}, "(.*)", "b", "$1")}), "{a=\"y\", b=\"y\"}");
}

}  // namespace
}  // namespace observe::relabel
