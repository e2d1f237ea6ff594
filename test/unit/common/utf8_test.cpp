// UTF-8 validation and the escaping that keeps every error message valid UTF-8.
#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/common/labels.h"
#include "core/common/utf8.h"

namespace observe {
namespace {

TEST(Utf8, ValidSequences) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // été € 😀
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(Utf8, InvalidSequences) {
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("a\x80z"));          // a lone continuation byte
  EXPECT_FALSE(valid_utf8("\xc3"));            // truncated
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));        // overlong '/'
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));    // overlong, 3 bytes
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));    // surrogate U+D800
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xf8\x88\x80\x80\x80"));  // 5-byte form
}

TEST(Utf8, ToValidUtf8ReplacesEachBadByte) {
  EXPECT_EQ(to_valid_utf8("plain é ✓"), "plain é ✓");
  EXPECT_EQ(to_valid_utf8(std::string("a\xff\xfe" "b", 4)), "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
  // a sequence cut short: its lead byte is replaced, the next byte read again
  EXPECT_EQ(to_valid_utf8("\xC3" "x"), "\xEF\xBF\xBD" "x");
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(to_valid_utf8(""), "");
  EXPECT_TRUE(valid_utf8(to_valid_utf8(std::string("\x80\xC0\xAF\xF4\x90\x80\x80", 7))));
}

TEST(Utf8, EscapeMessageKeepsValidTextAndEscapesTheRest) {
  EXPECT_EQ(escape_message("no change: \xc3\xa9 \\x41 \"q\""), "no change: \xc3\xa9 \\x41 \"q\"");
  EXPECT_EQ(escape_message("bad \xff byte"), "bad \\xff byte");
  EXPECT_EQ(escape_message("cut \xe2\x82"), "cut \\xe2\\x82");
  EXPECT_EQ(escape_message("line\nbreak\ttab\x01\x7f"), "line\\nbreak\\ttab\\x01\\x7f");
  EXPECT_EQ(escape_message(std::string("nul\0byte", 8)), "nul\\x00byte");
  std::string once = escape_message("\xed\xa0\x80\xff\n");
  EXPECT_TRUE(valid_utf8(once));
  EXPECT_EQ(escape_message(once), once);  // idempotent: the border may apply it again
}

TEST(Utf8, QuoteForMessage) {
  EXPECT_EQ(quote_for_message("a\xc5z\""), "\"a\\xc5z\\\"\"");
  EXPECT_EQ(quote_for_message("back\\slash\n"), "\"back\\\\slash\\n\"");
  EXPECT_EQ(quote_for_message("\xc3\xa9t\xc3\xa9"), "\"\xc3\xa9t\xc3\xa9\"");
  // Cut at a character boundary, never inside one.
  EXPECT_EQ(quote_for_message("ab\xc3\xa9\xc3\xa9", 3), "\"ab\xc3\xa9...\"");
  EXPECT_EQ(quote_for_message("abc", 3), "\"abc\"");
  EXPECT_TRUE(valid_utf8(quote_for_message(std::string(100, '\xe2'), 10)));
}

TEST(Utf8, EveryCoreErrorMessageIsValid) {
  Error e(ErrorKind::kInvalidParameter, "invalid label name \xff\xfe");
  EXPECT_STREQ(e.what(), "invalid label name \\xff\\xfe");
  SyntaxError s("unexpected \x80", 3);
  EXPECT_STREQ(s.what(), "unexpected \\x80");
  EXPECT_EQ(s.position(), 3);
}

TEST(Utf8, SeriesTextEscapesBytesThatAreNoText) {
  // Only PromQL escapes make such values; the series text of a result stays valid UTF-8.
  EXPECT_EQ(quote_label_value(std::string("\xff\0\xc3\xa9\"\\\n", 7)), "\"\\xff\\x00\xc3\xa9\\\"\\\\\\n\"");
}

}  // namespace
}  // namespace observe
