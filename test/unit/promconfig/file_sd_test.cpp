#include <gtest/gtest.h>

#include "core/promconfig/file_sd.h"

namespace observe::promconfig {
namespace {

std::string error_of(const std::string& content, SdFormat f) {
  try {
    parse_sd_file(content, f, "f");
  } catch (const ConfigError& e) {
    return e.message();
  }
  return "";
}

TEST(FileSd, JsonAndYamlGroups) {
  auto j = parse_sd_file(R"([{"targets": ["127.0.0.1:9100", "h:1"], "labels": {"env": "dev"}},
                             {"Targets": ["x:1"]}])",
                         SdFormat::kJson, "t.json");
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0].targets.size(), 2u);
  EXPECT_EQ(j[0].labels.at("env"), "dev");
  EXPECT_EQ(j[0].source, "t.json:0");
  EXPECT_EQ(j[1].targets[0], "x:1");  // encoding/json matches field names case-insensitively
  auto y = parse_sd_file("- targets: ['a:1']\n  labels:\n    team: db\n", SdFormat::kYaml, "t.yml");
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].labels.at("team"), "db");
  EXPECT_TRUE(parse_sd_file("null", SdFormat::kJson, "n").empty());
  EXPECT_TRUE(parse_sd_file("", SdFormat::kYaml, "n").empty());
}

TEST(FileSd, Errors) {
  EXPECT_EQ(error_of(R"([{"targets": [], "labls": {}}])", SdFormat::kJson), "json: unknown field \"labls\"");
  EXPECT_EQ(error_of(R"([{"labels": {"a-b": "x"}}])", SdFormat::kJson), "\"a-b\" is not a valid label name");
  EXPECT_EQ(error_of(R"([{"targets": []}, null])", SdFormat::kJson), "nil target group item found (index 1)");
  EXPECT_NE(error_of("[{", SdFormat::kJson), "");
  EXPECT_EQ(error_of("- targets: []\n  labls: {}\n", SdFormat::kYaml), "field labls not found in type targetgroup.Group");
  EXPECT_EQ(error_of("- labels: {'1a': x}\n", SdFormat::kYaml), "\"1a\" is not a valid label name");
  EXPECT_EQ(sd_format_of("/x/a.JSON"), SdFormat::kJson);
  EXPECT_EQ(sd_format_of("a.yaml"), SdFormat::kYaml);
  EXPECT_THROW(sd_format_of("a.txt"), ConfigError);
}

}  // namespace
}  // namespace observe::promconfig
