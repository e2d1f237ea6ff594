// Each pipeline stage on single entries, through the parser (stages are built from text).
#include "core/logql/pipeline.h"

#include <gtest/gtest.h>

#include "core/logql/extract.h"
#include "core/logql/ip.h"
#include "core/logql/parser.h"
#include "core/logql/pattern.h"

namespace observe::logql {
namespace {

struct Out {
  bool kept = false;
  std::string line;
  Labels labels;
};

Out run(const std::string& pipeline, const std::string& line, Labels stream = {{"app", "a"}}, Labels meta = {}) {
  Query q = parse_query("{app=\"a\"} " + pipeline);
  EXPECT_TRUE(q.deferred_error.empty()) << q.deferred_error;
  Pipeline p(q.log.stages);
  LabelSet lbs;
  lbs.reset(stream, meta);
  Out o;
  o.line = line;
  o.kept = p.process(1000, &o.line, &lbs);
  o.labels = lbs.result();
  return o;
}

std::string L(const Out& o) { return o.labels.to_string(); }

TEST(LogqlPipeline, LineFilters) {
  EXPECT_TRUE(run("|= \"err\"", "an error").kept);
  EXPECT_FALSE(run("|= \"ERR\"", "an error").kept);
  EXPECT_FALSE(run("!= \"err\"", "an error").kept);
  EXPECT_TRUE(run("|~ \"(?i)ERR\"", "an error").kept);
  EXPECT_FALSE(run("!~ \"e.r\"", "an error").kept);
  EXPECT_TRUE(run("|= \"x\" or \"error\"", "an error").kept);
  EXPECT_FALSE(run("!= \"x\" or \"error\"", "an error").kept);  // NOT (x OR error)
  EXPECT_TRUE(run("|= \"an\" != \"zzz\" |~ \"r+\"", "an error").kept);
  EXPECT_TRUE(run("|> \"GET <_> 200\"", "GET /api 200").kept);
  EXPECT_FALSE(run("|> \"GET /api\"", "GET /api 200").kept);  // the pattern must cover the line
  EXPECT_TRUE(run("!> \"POST <_>\"", "GET /api 200").kept);
  EXPECT_TRUE(run("|= ip(\"10.0.0.0/8\")", "src 10.1.2.3 ok").kept);
  EXPECT_FALSE(run("|= ip(\"10.0.0.0/8\")", "src 11.1.2.3 ok").kept);
  EXPECT_TRUE(run("!= ip(\"10.0.0.0/8\")", "no address").kept);
  EXPECT_TRUE(run("|= ip(\"2001:db8::/32\")", "v6 2001:db8::1 here").kept);
}

TEST(LogqlPipeline, JsonFlattensAndKeepsTheFirstDuplicate) {
  Out o = run("| json", R"({"a":"x","o":{"b":1,"c":{"d":true}},"arr":[1],"n":null,"f":1.5,"a":"y","k-k":2})");
  EXPECT_EQ(L(o), R"({a="x", app="a", f="1.5", k_k="2", o_b="1", o_c_d="true"})");
}

TEST(LogqlPipeline, JsonErrorsAndExpressions) {
  Out bad = run("| json", "not json");
  EXPECT_TRUE(bad.kept);
  EXPECT_EQ(bad.labels.get("__error__"), "JSONParserErr");
  EXPECT_FALSE(bad.labels.get("__error_details__").empty());
  Out e = run(R"(| json who="user.id", tag="tags[1]", obj="user", missing="nope.x", q="user[\"name\"]")",
              R"({"user":{"id":"u1","name":"al"},"tags":["x","y"]})");
  EXPECT_EQ(e.labels.get("who"), "u1");
  EXPECT_EQ(e.labels.get("tag"), "y");
  EXPECT_EQ(e.labels.get("obj"), R"({"id":"u1","name":"al"})");
  EXPECT_TRUE(e.labels.has("missing"));
  EXPECT_EQ(e.labels.get("q"), "al");
}

TEST(LogqlPipeline, ClashesGoToExtracted) {
  Out o = run("| logfmt", "app=p md=p sm=x", Labels{{"app", "a"}, {"sm", "s"}}, Labels{{"md", "m"}, {"sm", "m"}});
  EXPECT_EQ(L(o), R"({app="a", app_extracted="p", md="m", md_extracted="p", sm="s", sm_extracted="x"})");
}

TEST(LogqlPipeline, Logfmt) {
  EXPECT_EQ(L(run("| logfmt", R"(a-b=1 9x=2 dup=1 dup=2 msg="hi \"there\"" empty= lone)")),
            R"({_9x="2", a_b="1", app="a", dup="1", msg="hi \"there\""})");
  Out ke = run("| logfmt --keep-empty", "x= lone");
  EXPECT_TRUE(ke.labels.has("x"));
  EXPECT_TRUE(ke.labels.has("lone"));
  EXPECT_EQ(run("| logfmt", R"(good=1 bad="open)").labels.get("good"), "1");
  EXPECT_EQ(run("| logfmt --strict", R"(good=1 bad="open)").labels.get("__error__"), "LogfmtParserErr");
  Out p = run("| logfmt lvl, code=\"status\"", "lvl=info status=200 other=1");
  EXPECT_EQ(L(p), R"({app="a", code="200", lvl="info"})");
}

TEST(LogqlPipeline, RegexpPatternUnpack) {
  EXPECT_EQ(L(run(R"(| regexp `(?P<m>\w+) (?P<p>\S+)`)", "GET /x 200")), R"({app="a", m="GET", p="/x"})");
  EXPECT_EQ(L(run(R"(| regexp `(?P<n>\d+)`)", "none")), R"({app="a"})");
  EXPECT_EQ(L(run("| pattern `<ip> - <_> \"<method> <uri>\"`", R"(1.2.3.4 - x "GET /a")")),
            R"({app="a", ip="1.2.3.4", method="GET", uri="/a"})");
  EXPECT_EQ(L(run("| pattern `<m> <p>`", "POST")), R"({app="a", m="POST"})");
  Out u = run("| unpack", R"({"lvl":"info","n":5,"_entry":"code=42"})");
  EXPECT_EQ(L(u), R"({app="a", lvl="info"})");
  EXPECT_EQ(u.line, "code=42");
}

TEST(LogqlPipeline, LabelFilters) {
  EXPECT_TRUE(run("| logfmt | status >= 500", "status=503").kept);
  EXPECT_FALSE(run("| logfmt | status >= 500", "status=200").kept);
  EXPECT_FALSE(run("| logfmt | status >= 500", "other=1").kept);  // absent label
  Out bad = run("| logfmt | status >= 500", "status=abc");
  EXPECT_TRUE(bad.kept);
  EXPECT_EQ(bad.labels.get("__error__"), "LabelFilterErr");
  EXPECT_TRUE(run("| logfmt | took > 250ms", "took=1s").kept);
  EXPECT_FALSE(run("| logfmt | took > 250ms", "took=100ms").kept);
  EXPECT_TRUE(run("| logfmt | size > 1MB", "size=2MB").kept);
  EXPECT_TRUE(run("| logfmt | addr = ip(\"10.0.0.0/8\")", "addr=10.0.0.1").kept);
  EXPECT_TRUE(run("| logfmt | addr != ip(\"10.0.0.0/8\")", "addr=11.0.0.1").kept);
  EXPECT_TRUE(run("| logfmt | lvl=~\"err.*\"", "lvl=error").kept);
  EXPECT_FALSE(run("| logfmt | lvl=~\"rr\"", "lvl=error").kept);  // anchored
  EXPECT_TRUE(run("| logfmt | x=\"1\" or y=\"1\" and z=\"1\"", "x=1").kept);
  EXPECT_FALSE(run("| logfmt | (x=\"1\" or y=\"1\") and z=\"1\"", "x=1").kept);
  EXPECT_FALSE(run("| logfmt | x=\"1\", y=\"1\"", "x=1").kept);
  // An error drops only through a string filter on __error__.
  EXPECT_FALSE(run("| json | __error__=\"\"", "nope").kept);
  EXPECT_TRUE(run("| json | __error__!=\"\"", "nope").kept);
}

TEST(LogqlPipeline, Formatters) {
  Out lf = run("| logfmt | line_format \"{{.lvl | upper}} {{.missing}}!\"", "lvl=info");
  EXPECT_EQ(lf.line, "INFO !");
  Out rn = run("| logfmt | label_format verb=method", "method=get");
  EXPECT_EQ(L(rn), R"({app="a", verb="get"})");
  EXPECT_EQ(L(run("| logfmt | label_format verb=nope", "method=get")), R"({app="a", method="get"})");
  Out tp = run("| logfmt | label_format route=\"{{.method}}-ok\", method=\"x\"", "method=get");
  EXPECT_EQ(L(tp), R"({app="a", method="x", route="get-ok"})");
  EXPECT_EQ(L(run("| logfmt | drop a, b=\"2\"", "a=1 b=1 c=1")), R"({app="a", b="1", c="1"})");
  EXPECT_EQ(L(run("| logfmt | keep c", "a=1 c=1")), R"({c="1"})");
  EXPECT_EQ(L(run("| json | keep c", "nope")).find("__error__") != std::string::npos, true);  // never dropped
  EXPECT_EQ(L(run("| json | drop __error__, __error_details__", "nope")), R"({app="a"})");
  Out dc = run("| line_format `{{ printf \"\\x1b[31m%s\\x1b[0m\" .app }}` | decolorize", "x");
  EXPECT_EQ(dc.line, "a");
}

TEST(LogqlPattern, Matching) {
  PatternMatcher p("<a> <_> [<b>]");
  auto c = p.captures("x y [z]");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], "x");
  EXPECT_EQ(c[1], "z");
  EXPECT_THROW(PatternMatcher("<a><b>"), std::invalid_argument);
  EXPECT_THROW(PatternMatcher("no captures"), std::invalid_argument);
  EXPECT_THROW(PatternMatcher("<a> x", true), std::invalid_argument);
  EXPECT_TRUE(PatternMatcher("<_> bar <_>", true).test("foo bar baz"));
  EXPECT_FALSE(PatternMatcher("<_> bar", true).test("foo bar baz"));
}

TEST(LogqlIp, RangesAndCidrs) {
  EXPECT_TRUE(IpMatcher("192.168.1.1-192.168.1.9").matches_value("192.168.1.5"));
  EXPECT_FALSE(IpMatcher("192.168.1.1-192.168.1.9").matches_value("192.168.1.10"));
  EXPECT_TRUE(IpMatcher("::1").matches_value("::1"));
  EXPECT_FALSE(IpMatcher("10.0.0.0/8").matches_value("::ffff:10.0.0.1"));
  EXPECT_THROW(IpMatcher("bogus"), std::invalid_argument);
  EXPECT_THROW(IpMatcher(""), std::invalid_argument);
  EXPECT_TRUE(IpMatcher("10.0.0.0/8").matches_line("client 10.0.0.7:80"));
}

TEST(LogqlExtract, SanitizeAndPaths) {
  EXPECT_EQ(sanitize_label_name("a.b-c"), "a_b_c");
  EXPECT_EQ(sanitize_label_name("9x"), "_9x");
  EXPECT_THROW(parse_json_path("user["), std::invalid_argument);
  EXPECT_THROW(parse_json_path("a..b"), std::invalid_argument);
}

bool can_pass(const std::string& pipeline, const Labels& stream) {
  Query q = parse_query("{app=\"a\"} " + pipeline);
  return stream_can_pass(q.log.stages, stream);
}

TEST(LogqlPipeline, StreamCanPassDecidesOnStreamLabelsOnly) {
  const Labels api{{"app", "api"}, {"env", "prod"}};
  EXPECT_FALSE(can_pass(R"(| logfmt | app="web")", api));
  EXPECT_TRUE(can_pass(R"(| logfmt | app="api")", api));
  EXPECT_FALSE(can_pass(R"(|= "x" | json | line_format "{{.a}}" | app=~"w.*")", api));
  EXPECT_FALSE(can_pass(R"(| logfmt | app!="api")", api));
  EXPECT_FALSE(can_pass(R"(| logfmt | app="web" and n > 3)", api));
  EXPECT_FALSE(can_pass(R"(| logfmt | app="web" or env="dev")", api));
  EXPECT_FALSE(can_pass(R"(| logfmt | n > 3 | app="web")", api));
  // Unknown before reading lines: a label the stream lacks, a numeric filter, error labels, an
  // `or` with an unknown side, and any filter after a stage that may change stream labels.
  EXPECT_TRUE(can_pass(R"(| logfmt | level="error")", api));
  EXPECT_TRUE(can_pass(R"(| logfmt | app="web" or n > 3)", api));
  EXPECT_TRUE(can_pass(R"(| logfmt | __error__="x")", api));
  EXPECT_TRUE(can_pass(R"(| label_format app="web" | app="web")", api));
  EXPECT_TRUE(can_pass(R"(| drop app | app="")", api));
  EXPECT_TRUE(can_pass(R"(| keep env | app="web")", api));
  EXPECT_TRUE(can_pass(R"(| unpack | app="web")", api));
  EXPECT_TRUE(can_pass(R"(|= "x")", api));
}

// Differential: whenever stream_can_pass says no, the pipeline drops every line of the stream,
// whatever the line and its structured metadata (parsed or metadata names that collide with a
// stream label go to <name>_extracted).
TEST(LogqlPipeline, StreamCanPassFalseMeansEveryLineIsDropped) {
  const std::vector<std::string> pipelines = {
      R"(| logfmt | app="web")", R"(| json | app="web")", R"q(| regexp "app=(?P<app>\\w+)" | app="web")q",
      R"(| pattern "app=<app> <_>" | app="web")", R"(| logfmt | app="web" and level="error")",
      R"(| logfmt | app="web" or env="dev")", R"(| logfmt | n > 3 | app="web")", R"(| json | app!~"a.*")",
      R"(| logfmt | level="error" | app="web")", R"(| logfmt | app="web" | __error__="")",
      R"(| logfmt | label_format app="web" | app="web")", R"(| logfmt | app="web" or n > 3)"};
  const std::vector<std::string> lines = {"app=web level=error n=5", R"({"app":"web","level":"error","n":5})",
                                          "app=web x", "garbage \"", "", "app=api n=10"};
  const std::vector<Labels> metas = {Labels(), Labels{{"app", "web"}}, Labels{{"env", "dev"}, {"level", "error"}}};
  const Labels stream{{"app", "api"}, {"env", "prod"}};
  int decided = 0;
  for (auto& p : pipelines) {
    if (can_pass(p, stream)) continue;
    decided++;
    for (auto& line : lines)
      for (auto& meta : metas) EXPECT_FALSE(run(p, line, stream, meta).kept) << p << " on " << line;
  }
  EXPECT_EQ(decided, 10);
}

}  // namespace
}  // namespace observe::logql
