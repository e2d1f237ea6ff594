#include "core/logql/lexer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/common/error.h"

namespace observe::logql {
namespace {

std::vector<Tok> kinds(std::string_view q) {
  std::vector<Tok> out;
  for (auto& t : lex(q)) out.push_back(t.kind);
  return out;
}

TEST(LogqlLexer, OperatorsAndPositions) {
  auto t = lex(R"({app="a"} |= "x" != `y` |~ "z" !~ "w" |> "<_>" !> "p" | json)");
  std::vector<Tok> want = {Tok::kLBrace, Tok::kIdent, Tok::kEq, Tok::kString, Tok::kRBrace, Tok::kPipeExact,
                           Tok::kString, Tok::kNeq, Tok::kString, Tok::kPipeMatch, Tok::kString, Tok::kNre,
                           Tok::kString, Tok::kPipePattern, Tok::kString, Tok::kNotPattern, Tok::kString,
                           Tok::kPipe, Tok::kIdent, Tok::kEOF};
  ASSERT_EQ(t.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) EXPECT_EQ(t[i].kind, want[i]) << i;
  EXPECT_EQ(t[5].pos, 10);
  EXPECT_EQ(t[8].text, "y");
}

TEST(LogqlLexer, StringsUnescapeGoStyleRawStringsDoNot) {
  auto t = lex(R"("a\tb\x41\u00e9" `c\n`)");
  EXPECT_EQ(t[0].text, "a\tbA\xc3\xa9");
  EXPECT_EQ(t[1].text, "c\\n");
}

TEST(LogqlLexer, NumbersDurationsBytesRanges) {
  auto t = lex("5m 1h30m 1.5s 20MB 1KiB 1e3 0x1p3 [5m] 0x10");
  EXPECT_EQ(t[0].kind, Tok::kDuration);
  EXPECT_EQ(t[0].duration_ns, 300000000000LL);
  EXPECT_EQ(t[1].duration_ns, 5400000000000LL);
  EXPECT_EQ(t[2].duration_ns, 1500000000LL);
  EXPECT_EQ(t[3].kind, Tok::kBytes);
  EXPECT_EQ(t[3].number, 20e6);
  EXPECT_EQ(t[4].number, 1024);
  EXPECT_EQ(t[5].kind, Tok::kNumber);
  EXPECT_EQ(t[6].kind, Tok::kNumber);
  EXPECT_EQ(t[7].kind, Tok::kRange);
  EXPECT_EQ(t[7].duration_ns, 300000000000LL);
  EXPECT_EQ(t[8].text, "0x10");
}

TEST(LogqlLexer, LowercaseMbIsADurationFollowedByAnIdentifier) {
  EXPECT_EQ(kinds("1mb"), (std::vector<Tok>{Tok::kDuration, Tok::kIdent, Tok::kEOF}));
}

TEST(LogqlLexer, CommentsRunToEndOfLine) {
  EXPECT_EQ(kinds("#{app=\"a\"}\n1"), (std::vector<Tok>{Tok::kNumber, Tok::kEOF}));
}

TEST(LogqlLexer, Errors) {
  EXPECT_THROW(lex("{foo=\"bar}"), SyntaxError);
  EXPECT_THROW(lex("[5"), SyntaxError);
  try {
    lex("rate({a=\"b\"}[5minutes])");
    FAIL();
  } catch (const SyntaxError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown unit \"minutes\" in duration \"5minutes\""), std::string::npos);
    EXPECT_EQ(e.position(), 12);
  }
  EXPECT_THROW(lex("{app=~\"\xa0\xa1\"}"), SyntaxError);
}

TEST(LogqlLexer, GoParsers) {
  double v;
  EXPECT_TRUE(go_parse_float("1.5e3", &v));
  EXPECT_EQ(v, 1500);
  EXPECT_TRUE(go_parse_float("0x1.8p3", &v));
  EXPECT_EQ(v, 12);
  EXPECT_FALSE(go_parse_float("0x10", &v));
  EXPECT_FALSE(go_parse_float("0o17", &v));
  EXPECT_FALSE(go_parse_float(" 1", &v));
  EXPECT_TRUE(go_parse_float("NaN", &v));
  EXPECT_TRUE(std::isnan(v));
  int64_t ns;
  std::string err;
  EXPECT_TRUE(go_parse_duration("-1.5h", &ns, &err));
  EXPECT_EQ(ns, -5400000000000LL);
  EXPECT_FALSE(go_parse_duration("90", &ns, &err));
  EXPECT_EQ(err, "time: missing unit in duration \"90\"");
  EXPECT_FALSE(go_parse_duration("1d", &ns, &err));
  EXPECT_EQ(err, "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_TRUE(prom_parse_duration("1w2d", &ns));
  EXPECT_EQ(ns, 9LL * 86400 * 1000000000);
  EXPECT_FALSE(prom_parse_duration("1.5h", &ns));
  // Found by logql_fuzz: a range past int64 nanoseconds is out of range, not an overflow.
  EXPECT_FALSE(prom_parse_duration("333333333333335m", &ns));
  EXPECT_FALSE(prom_parse_duration("300y", &ns));
  EXPECT_TRUE(prom_parse_duration("200y", &ns));
  EXPECT_TRUE(parse_bytes("2,048", &v));
  EXPECT_EQ(v, 2048);
  EXPECT_TRUE(parse_bytes("1.5B", &v));
  EXPECT_EQ(v, 1);
  EXPECT_FALSE(parse_bytes("oops", &v, &err));
  EXPECT_EQ(err, "strconv.ParseFloat: parsing \"\": invalid syntax");
  EXPECT_FALSE(parse_bytes("1XB", &v, &err));
}

}  // namespace
}  // namespace observe::logql
