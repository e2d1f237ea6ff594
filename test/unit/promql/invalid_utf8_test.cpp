// Error messages of the PromQL lexer, parser, matchers and evaluator stay valid UTF-8 whatever
// bytes the query holds or its escapes produce; the bad bytes show as \xNN.
#include <gtest/gtest.h>

#include <random>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "test_util.h"

namespace observe::promql {
namespace {

using testing::add;
using testing::instant;

// The message of the Error the query raises ("" when it evaluates).
std::string error_of(const std::string& query) {
  MemoryStorage st;
  add(st, "m{src=\"host-1\"}", {{0, 1}});
  try {
    instant(st, query, 0);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

struct Case {
  const char* query;
  const char* expected;  // part of the message
};

TEST(PromqlInvalidUtf8, MessagesEscapeBadBytes) {
  const Case cases[] = {
      // Escapes in strings produce bytes that are no UTF-8; the evaluator quotes them.
      {"label_replace(m, \"\\xff\", \"$1\", \"src\", \"(.*)\")",
       "invalid destination label name in label_replace(): \\xff"},
      {"label_join(m, \"a\", \",\", \"\\xfe\")", "invalid source label name in label_join(): \\xfe"},
      {"label_join(m, \"\\377\", \",\", \"src\")", "invalid destination label name in label_join(): \\xff"},
      {"count_values(\"\\xc3\", m)", "invalid label name \"\\xc3\""},
      // Raw bytes in the query text itself.
      {"m \xff", "unexpected character: '\\xff'"},
      {"m \x01", "unexpected character: '\\x01'"},
      {"m{a=~\"\xff(\"}", "\\xff"},
      {"m{a=~\"\\xff(\"}", "\\xff"},
      {"\"\xc3\" + 1", ""},  // a string in arithmetic: some error, any text
      {"\"\\U0000D800\"", "escape is invalid Unicode code point"},
      {"\"\\U00110000\"", "escape is invalid Unicode code point"},
  };
  for (const Case& c : cases) {
    std::string msg = error_of(c.query);
    EXPECT_FALSE(msg.empty()) << c.query;
    EXPECT_TRUE(valid_utf8(msg)) << c.query << " -> " << msg;
    EXPECT_NE(msg.find(c.expected), std::string::npos) << c.query << " -> " << msg;
  }
}

TEST(PromqlInvalidUtf8, UnexpectedCharacterShowsTheWholeCharacter) {
  // Before: only the first byte of "é" was quoted, which is not UTF-8.
  EXPECT_EQ(error_of("m \xc3\xa9"), "unexpected character: '\xc3\xa9'");
  EXPECT_EQ(error_of("m \xe2\x82\xac"), "unexpected character: '\xe2\x82\xac'");
}

TEST(PromqlInvalidUtf8, SeriesDescriptions) {
  for (const char* s : {"m{a=\"\xff", "m{\xff=\"a\"}", "m\xff", "m{a=\"\\xff\"} \xfe", "\x80", "m{\"\"=\"v\"}"}) {
    try {
      parse_series(s);
      ADD_FAILURE() << "parsed: " << s;
    } catch (const Error& e) {
      EXPECT_TRUE(valid_utf8(e.what())) << e.what();
    }
  }
}

// Random byte soup from a vocabulary of query fragments, invalid bytes and escapes: whatever
// fails must fail with a valid UTF-8 message without control characters. Fixed seed.
TEST(PromqlInvalidUtf8, RandomQueriesGiveValidMessages) {
  const char* parts[] = {
      "m", "{", "}", "(", ")", "[5m]", ",", "=", "=~", "!~", "\"", "'", "`", "\\x", "\\xff", "\\u00e9",
      "\\U0010ffff", "\\377", "\xff", "\xc3", "\xc3\xa9", "\xe2\x82", "\xed\xa0\x80", "\x01", "\n", " ",
      "label_replace(m,", "label_join(m,", "count_values(", "sum by(", "rate(", "1", "\"$1\"",
      "\"(.*)\"", "src", "__name__", "offset", "@", "#", "\x7f", "\xf4\x90\x80\x80",
  };
  std::mt19937 rng(20261206);
  std::uniform_int_distribution<size_t> len(1, 12), pick(0, sizeof(parts) / sizeof(parts[0]) - 1);
  MemoryStorage st;
  add(st, "m{src=\"host-1\"}", {{0, 1}});
  int errors = 0;
  for (int i = 0; i < 20000; i++) {
    std::string q;
    for (size_t n = len(rng); n > 0; n--) q += parts[pick(rng)];
    try {
      instant(st, q, 0);
    } catch (const Error& e) {
      errors++;
      std::string msg = e.what();
      ASSERT_TRUE(valid_utf8(msg)) << q << " -> " << msg;
      ASSERT_EQ(escape_message(msg), msg) << "control character in: " << msg;
    }
  }
  EXPECT_GT(errors, 1000);  // the soup does reach the error paths
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

// The parser pulls tokens as it needs them: a query that fails early is not lexed to its end,
// so a huge argument costs what is read of it (found by the SQL fuzzer: 40 MB of series lines
// took a minute and gigabytes of tokens before the first error).
TEST(PromqlLexer, LexesOnlyWhatTheParserReads) {
  try {
    parse_expr("1 2 \xff");
    ADD_FAILURE() << "parsed";
  } catch (const SyntaxError& e) {
    EXPECT_EQ(e.position(), 2) << e.what();  // the parse error, not the bad byte behind it
  }
  std::string huge;
  for (int i = 0; i < 2000000; i++) huge += "m{a=\"b\"} 1\n";
  try {
    parse_expr(huge);
    ADD_FAILURE() << "parsed";
  } catch (const SyntaxError& e) {
    EXPECT_EQ(e.position(), 9) << e.what();
  }
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

// Found by the SQL fuzzer: a chain of 10,000 binary operators parsed without recursing, and
// the evaluator then overflowed the stack walking the 10,000-deep tree (a backend crash).
TEST(PromqlParser, LongOperatorChainsAreBoundedLikeNesting) {
  std::string q;
  for (int i = 0; i < 10000; i++) q += "m offset 1m + ";
  q += "m";
  try {
    parse_expr(q);
    ADD_FAILURE() << "parsed";
  } catch (const SyntaxError& e) {
    EXPECT_STREQ(e.what(), "query is nested too deeply");
  }
  std::string ok;
  for (int i = 0; i < 200; i++) ok += "m + ";
  EXPECT_NO_THROW(parse_expr(ok + "m"));
}

}  // namespace
}  // namespace observe::promql
