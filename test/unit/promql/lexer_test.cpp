#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/promql/lexer.h"

namespace observe::promql {
namespace {

TEST(PromqlLexer, TokenKindsAndPositions) {
  auto toks = lex("rate(http_requests_total{job=~\"api.*\"}[5m]) > 0.5");
  ASSERT_GE(toks.size(), 12u);
  EXPECT_EQ(toks[0].kind, Tok::kIdent);
  EXPECT_EQ(toks[0].text, "rate");
  EXPECT_EQ(toks[1].kind, Tok::kLParen);
  EXPECT_EQ(toks[2].text, "http_requests_total");
  EXPECT_EQ(toks[2].pos, 5);
  EXPECT_EQ(toks[4].text, "job");
  EXPECT_EQ(toks[5].kind, Tok::kRegex);
  EXPECT_EQ(toks[6].kind, Tok::kString);
  EXPECT_EQ(toks[6].text, "api.*");
  EXPECT_EQ(toks[9].kind, Tok::kDuration);
  EXPECT_EQ(toks[9].duration_ms, 300000);
  EXPECT_EQ(toks.back().kind, Tok::kEOF);
}

TEST(PromqlLexer, Numbers) {
  auto toks = lex("1 .5 2. 1e3 1.5E-2 0x1F");
  EXPECT_DOUBLE_EQ(toks[0].number, 1);
  EXPECT_DOUBLE_EQ(toks[1].number, 0.5);
  EXPECT_DOUBLE_EQ(toks[2].number, 2);
  EXPECT_DOUBLE_EQ(toks[3].number, 1000);
  EXPECT_DOUBLE_EQ(toks[4].number, 0.015);
  EXPECT_DOUBLE_EQ(toks[5].number, 31);
}

TEST(PromqlLexer, CompoundDurations) {
  int64_t ms = 0;
  EXPECT_TRUE(parse_duration("1h30m", &ms));
  EXPECT_EQ(ms, 5400000);
  EXPECT_TRUE(parse_duration("10s53ms", &ms));
  EXPECT_EQ(ms, 10053);
  EXPECT_TRUE(parse_duration("1y", &ms));
  EXPECT_EQ(ms, 365LL * 86400 * 1000);
  EXPECT_FALSE(parse_duration("30m1h", &ms));  // units must decrease
  EXPECT_FALSE(parse_duration("5x", &ms));
  EXPECT_FALSE(parse_duration("", &ms));
}

TEST(PromqlLexer, StringEscapes) {
  auto toks = lex(R"("a\"b\n\x41\u00e9" 'it\'s' `raw\n`)");
  EXPECT_EQ(toks[0].text, "a\"b\nA\xc3\xa9");
  EXPECT_EQ(toks[1].text, "it's");
  EXPECT_EQ(toks[2].text, "raw\\n");
}

TEST(PromqlLexer, ColonInsideBracketsSeparatesSubqueryStep) {
  auto toks = lex("x[30:10]");
  EXPECT_EQ(toks[2].kind, Tok::kNumber);
  EXPECT_EQ(toks[3].kind, Tok::kColon);
  EXPECT_EQ(toks[4].kind, Tok::kNumber);
  auto names = lex("job:rate5m");
  EXPECT_EQ(names[0].text, "job:rate5m");
}

TEST(PromqlLexer, ErrorsCarryPosition) {
  try {
    lex("foo{a=\"b}");
    FAIL() << "expected SyntaxError";
  } catch (const SyntaxError& e) {
    EXPECT_EQ(e.position(), 6);
    EXPECT_EQ(e.kind(), ErrorKind::kSyntax);
  }
  try {
    lex("a $ b");
    FAIL();
  } catch (const SyntaxError& e) {
    EXPECT_EQ(e.position(), 2);
  }
}

TEST(PromqlLexer, CommentsAreSkipped) {
  auto toks = lex("up # the up metric\n + 1");
  ASSERT_EQ(toks.size(), 4u);
  EXPECT_EQ(toks[1].kind, Tok::kAdd);
}

}  // namespace
}  // namespace observe::promql

namespace observe::promql {
namespace {

TEST(PromqlLexer, LeadingZeroIsOctalAsInGo) {
  EXPECT_DOUBLE_EQ(lex("0755")[0].number, 493);
  EXPECT_DOUBLE_EQ(lex("089")[0].number, 89);  // not octal: a decimal float
  EXPECT_DOUBLE_EQ(lex("0.5")[0].number, 0.5);
  EXPECT_DOUBLE_EQ(lex("0")[0].number, 0);
}

}  // namespace
}  // namespace observe::promql
