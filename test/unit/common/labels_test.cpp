#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/common/labels.h"
#include "core/common/matcher.h"

using namespace observe;

TEST(Labels, SortsAndDropsEmptyValues) {
  Labels l({{"b", "2"}, {"a", "1"}, {"c", ""}});
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l.items()[0].name, "a");
  EXPECT_EQ(l.get("b"), "2");
  EXPECT_EQ(l.get("c"), "");
  EXPECT_FALSE(l.has("c"));
}

TEST(Labels, PrintsLikePrometheus) {
  Labels l({{"__name__", "up"}, {"job", "api"}, {"instance", "h:9100"}});
  EXPECT_EQ(l.to_string(), "up{instance=\"h:9100\", job=\"api\"}");
  EXPECT_EQ(Labels({{"__name__", "up"}}).to_string(), "up");
  EXPECT_EQ(Labels({{"job", "a\"b\\c\nd"}}).to_string(), "{job=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(Labels().to_string(), "{}");
}

TEST(Labels, SetAndRemoveKeepOrder) {
  Labels l({{"b", "2"}});
  l.set("a", "1");
  l.set("c", "3");
  l.set("b", "");
  EXPECT_EQ(l.to_string(), "{a=\"1\", c=\"3\"}");
  EXPECT_NE(l.hash(), Labels({{"a", "1"}}).hash());
}

TEST(Matcher, RegexIsAnchoredAndMissingLabelIsEmpty) {
  LabelMatcher re(MatchOp::kRegexMatch, "job", "ap.");
  EXPECT_TRUE(re.matches(Labels({{"job", "api"}})));
  EXPECT_FALSE(re.matches(Labels({{"job", "xapi"}})));
  LabelMatcher empty(MatchOp::kEqual, "env", "");
  EXPECT_TRUE(empty.matches(Labels({{"job", "api"}})));
  EXPECT_TRUE(empty.matches_empty());
  LabelMatcher nre(MatchOp::kRegexNoMatch, "job", "a.*");
  EXPECT_FALSE(nre.matches(Labels({{"job", "api"}})));
  EXPECT_TRUE(nre.matches(Labels()));
  EXPECT_EQ(nre.to_string(), "job!~\"a.*\"");
}

TEST(Matcher, BadRegexThrowsInvalidParameter) {
  try {
    LabelMatcher(MatchOp::kRegexMatch, "job", "(");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidParameter);
  }
}
