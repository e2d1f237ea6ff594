// Go's regexp replacement semantics (Regexp.Expand, ReplaceAllString): the expected values are
// what Go's regexp package gives for the same pattern, template and input.
#include "core/common/go_regexp.h"

#include <gtest/gtest.h>

namespace observe {
namespace {

std::string replace_all(const std::string& pattern, const std::string& src, const std::string& repl,
                        bool literal = false) {
  RE2 re(pattern);
  EXPECT_TRUE(re.ok()) << pattern;
  return go_replace_all(re, src, repl, literal);
}

TEST(GoReplaceAll, EmptyMatchesAdvanceOneRuneAndNeverFollowAMatch) {
  EXPECT_EQ(replace_all("", "", "x"), "x");
  EXPECT_EQ(replace_all("", "abc", "x"), "xaxbxcx");
  EXPECT_EQ(replace_all("a*", "baaac", "x"), "xbxcx");
  EXPECT_EQ(replace_all("[a-c]*", "\u65e5", "x"), "x\u65e5x");  // never inside a character
  EXPECT_EQ(replace_all("[a-c]*$", "abcdabc", "x"), "abcdx");  // no second x at the end
  EXPECT_EQ(replace_all("[a-c]*$", "abc", "x"), "x");
  EXPECT_EQ(replace_all("^[a-c]*", "dabce", "x"), "xdabce");
  EXPECT_EQ(replace_all("b", "abc", ""), "ac");
  EXPECT_EQ(replace_all("y", "abc", "x"), "abc");
}

TEST(GoReplaceAll, InvalidUtf8AdvancesOneByte) {
  EXPECT_EQ(replace_all("", std::string("a\xff", 2), "-"), std::string("-a-\xff-", 5));
}

TEST(GoReplaceAll, TemplatesExpandPerMatchUnlessLiteral) {
  EXPECT_EQ(replace_all("(\\w+)=(\\w+)", "a=1 b=2", "$2=$1"), "1=a 2=b");
  EXPECT_EQ(replace_all("(?P<k>\\w+)=(\\w+)", "a=1", "${k}:${2}"), "a:1");
  EXPECT_EQ(replace_all("(\\w+)=(\\w+)", "a=1", "$2=$1", true), "$2=$1");
  EXPECT_EQ(replace_all("a", "aa", "$$"), "$$");
}

// go_expand_append over a whole-string match of `pattern` in `src`.
std::string expand(const std::string& pattern, const std::string& src, const std::string& tmpl) {
  RE2 re(pattern);
  int n = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(n));
  EXPECT_TRUE(re.Match(src, 0, src.size(), RE2::UNANCHORED, groups.data(), n));
  std::string out;
  go_expand_append(out, tmpl, re, groups.data(), n);
  return out;
}

TEST(GoExpand, References) {
  EXPECT_EQ(expand("(a)(b)", "ab", "$1-$2-$0"), "a-b-ab");
  EXPECT_EQ(expand("(a)(b)", "ab", "${1}x"), "ax");
  EXPECT_EQ(expand("(a)(b)", "ab", "$1x"), "");          // the name is "1x": no such group
  EXPECT_EQ(expand("(a)(b)", "ab", "$01"), "");          // a leading zero makes it a name
  EXPECT_EQ(expand("(a)(b)", "ab", "$9"), "");           // no such group
  EXPECT_EQ(expand("(a)(b)", "ab", "${1"), "${1");       // unclosed: the $ stays
  EXPECT_EQ(expand("(a)(b)", "ab", "${a b}"), "${a b}"); // not a name: the $ stays
  EXPECT_EQ(expand("(a)(b)", "ab", "$"), "$");
  EXPECT_EQ(expand("(a)(b)", "ab", "$-"), "$-");
  EXPECT_EQ(expand("(a)(b)", "ab", "$$1"), "$1");
  EXPECT_EQ(expand("(?P<first>a)(b)?c?", "a", "[${first}|$2]"), "[a|]");  // unmatched group: nothing
  EXPECT_EQ(expand("(?P<n>a)", "a", "$n\u00e9"), "");   // a letter of any script continues the name
}

TEST(GoExpand, SpansAndNames) {
  std::vector<Span> match{{0, 3}, {0, 1}, {-1, -1}};
  std::vector<std::string> names{"", "x", "y"};
  EXPECT_EQ(go_expand("<$x|$y|${0}>", "abc", match, names), "<a||abc>");
}

}  // namespace
}  // namespace observe
