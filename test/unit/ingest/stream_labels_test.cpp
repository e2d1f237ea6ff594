#include "core/ingest/stream_labels.h"

#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/common/utf8.h"

using namespace observe;
using namespace observe::ingest;

namespace {

std::string error_of(std::string_view text) {
  try {
    auto pairs = parse_stream_selector(text);
    validate_stream_labels(pairs, LabelLimits{}, text);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDataException);
    EXPECT_TRUE(valid_utf8(e.what()));
    return e.what();
  }
  return "";
}

Labels parse(std::string_view text) { return validate_stream_labels(parse_stream_selector(text), LabelLimits{}, text); }

}  // namespace

TEST(StreamLabels, ParsesSelectorsAsLokiDoes) {
  EXPECT_EQ(parse(R"({job="nginx", env="prod"})"), (Labels{{"env", "prod"}, {"job", "nginx"}}));
  EXPECT_EQ(parse(R"({job="a",})"), (Labels{{"job", "a"}}));              // trailing comma
  EXPECT_EQ(parse(R"({job='a\'b', x=`raw\n`})"), (Labels{{"job", "a'b"}, {"x", "raw\\n"}}));
  EXPECT_EQ(parse(R"({msg="tab\there \u00e9"})"), (Labels{{"msg", "tab\there \xc3\xa9"}}));
  EXPECT_EQ(parse(R"(up{job="a"})"), (Labels{{"__name__", "up"}, {"job", "a"}}));
  EXPECT_EQ(parse(R"({job="a", empty=""})"), (Labels{{"job", "a"}}));  // empty values dropped
}

TEST(StreamLabels, RefusesWhatLokiRefuses) {
  EXPECT_NE(error_of("{}").find("at least one label pair is required"), std::string::npos);
  EXPECT_NE(error_of(R"({a=""})").find("at least one label pair"), std::string::npos);
  EXPECT_NE(error_of(R"({a="1", a="2"})").find("duplicate label name: \"a\""), std::string::npos);
  EXPECT_NE(error_of(R"({a!="1"})").find("expected '='"), std::string::npos);
  EXPECT_NE(error_of(R"({a=~"1"})").find("expected '='"), std::string::npos);
  EXPECT_NE(error_of(R"({a="1")").find("invalid stream labels"), std::string::npos);
  EXPECT_NE(error_of(R"({"a.b"="1"})").find("expected a label name"), std::string::npos);
  EXPECT_NE(error_of(R"({a="1"} x)").find("after '}'"), std::string::npos);
  EXPECT_NE(error_of("").find("expected '{'"), std::string::npos);
  EXPECT_NE(error_of(R"({a="\xff"})").find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(error_of("{a=\"\xff\"}").find("not valid UTF-8"), std::string::npos);
}

TEST(StreamLabels, Limits) {
  LabelLimits lim;
  lim.max_label_names = 2;
  lim.max_name_length = 5;
  lim.max_value_length = 3;
  EXPECT_THROW(validate_stream_labels({{"a", "1"}, {"b", "1"}, {"c", "1"}}, lim, "s"), Error);
  EXPECT_NO_THROW(validate_stream_labels({{"a", "1"}, {"b", "1"}}, lim, "s"));
  EXPECT_THROW(validate_stream_labels({{"abcdef", "1"}}, lim, "s"), Error);
  EXPECT_THROW(validate_stream_labels({{"a", "1234"}}, lim, "s"), Error);
  EXPECT_NO_THROW(validate_stream_labels({{"abcde", "123"}}, lim, "s"));
}

TEST(StreamLabels, NameRules) {
  EXPECT_TRUE(valid_label_name("_a9"));
  EXPECT_FALSE(valid_label_name("9a"));
  EXPECT_FALSE(valid_label_name("a:b"));
  EXPECT_FALSE(valid_label_name(""));
  EXPECT_TRUE(valid_metric_name("a:b_c"));
  EXPECT_FALSE(valid_metric_name("a-b"));
}
