#include <gtest/gtest.h>

#include "core/relabel/go_text.h"
#include "core/relabel/md5.h"

namespace observe::relabel {
namespace {

std::string hex(const std::array<uint8_t, 16>& d) {
  static const char k[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : d) s += {k[b >> 4], k[b & 15]};
  return s;
}

TEST(Md5, Rfc1321TestSuite) {
  EXPECT_EQ(hex(md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(md5("a")), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(hex(md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(hex(md5("abcdefghijklmnopqrstuvwxyz")), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(hex(md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  std::string eighty;
  for (int i = 0; i < 8; ++i) eighty += "1234567890";
  EXPECT_EQ(hex(md5(eighty)), "57edf4a22be3c955ac49da2e2107b67a");
  EXPECT_EQ(hex(md5(std::string(1000000, 'a'))), "7707d6ae4e027c70eea2a935c2296f21");
}

// Expands with the match of `re`-like spans given by hand: src "some-name-value",
// group 1 "name" (5..9), group 2 "value" (10..15), group 3 named "x", unmatched.
std::string expand(const std::string& tmpl) {
  static const std::string src = "some-name-value";
  std::vector<Span> m = {{0, 15}, {5, 9}, {10, 15}, {-1, -1}};
  std::vector<std::string> names = {"", "", "second", "x"};
  return go_expand(tmpl, src, m, names);
}

TEST(GoExpand, RegexpExpandRules) {
  EXPECT_EQ(expand("$1"), "name");
  EXPECT_EQ(expand("${1}x"), "namex");
  EXPECT_EQ(expand("$1x"), "");  // the name is "1x": no such group
  EXPECT_EQ(expand("$second-$2"), "value-value");
  EXPECT_EQ(expand("${second}"), "value");
  EXPECT_EQ(expand("$x"), "");   // unmatched group
  EXPECT_EQ(expand("$9"), "");   // no group 9
  EXPECT_EQ(expand("$01"), "");  // a leading zero makes it a name
  EXPECT_EQ(expand("$0"), "some-name-value");
  EXPECT_EQ(expand("$$1"), "$1");
  EXPECT_EQ(expand("a$"), "a$");
  EXPECT_EQ(expand("${1"), "${1");
  EXPECT_EQ(expand("${}"), "${}");
  EXPECT_EQ(expand("$-"), "$-");
  EXPECT_EQ(expand("cost: $$$1"), "cost: $name");
  EXPECT_EQ(expand("$100000000"), "");  // past 1e8 it is a name, not an index
  EXPECT_EQ(expand("$1\xC3\xA9"), "");  // é is a letter: part of the name "1é"
}

TEST(GoCase, LikeGoStrings) {
  EXPECT_EQ(go_to_lower("bAr123Foo"), "bar123foo");
  EXPECT_EQ(go_to_upper("bAr123Foo"), "BAR123FOO");
  EXPECT_EQ(go_to_upper("\xC3\xA9t\xC3\xA9"), "\xC3\x89T\xC3\x89");       // été -> ÉTÉ
  EXPECT_EQ(go_to_lower("\xCE\xA3\xCE\x91"), "\xCF\x83\xCE\xB1");         // ΣΑ -> σα
  EXPECT_EQ(go_to_lower("\xC4\xB0"), "i");                               // İ -> i, as unicode.ToLower
  EXPECT_EQ(go_to_upper("\xC3\x9F"), "\xC3\x9F");                         // ß has no simple upper case
  EXPECT_EQ(go_to_lower("A\xFFZ"), "a\xEF\xBF\xBDz");                     // invalid byte -> U+FFFD
  EXPECT_EQ(go_to_lower("\xE2\x84\xAA"), "k");                            // Kelvin sign
  EXPECT_EQ(go_to_upper("\xC7\x85"), "\xC7\x84");                         // ǅ -> Ǆ
}

TEST(LabelName, LegacyValidity) {
  EXPECT_TRUE(is_valid_label_name("_a1"));
  EXPECT_TRUE(is_valid_label_name("__name__"));
  EXPECT_FALSE(is_valid_label_name(""));
  EXPECT_FALSE(is_valid_label_name("1a"));
  EXPECT_FALSE(is_valid_label_name("a-b"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("\xC3\xA9"));
}

}  // namespace
}  // namespace observe::relabel
