// Exposition parse errors quote the payload: the quoted bytes are escaped, so every message is
// valid UTF-8 however broken the payload is.
#include <gtest/gtest.h>

#include <random>

#include "collect.h"
#include "core/common/utf8.h"

namespace observe::exposition {
namespace {

using testing::error_of;

struct Case {
  const char* payload;
  const char* expected;
};

TEST(ExpositionInvalidUtf8, MessagesEscapeBadBytes) {
  const Case cases[] = {
      {"# TYPE m \xff\xfe\n", "invalid metric type \"\\xff\\xfe\""},
      {"m{a=\"x\",a=\"y\xff\"} 1\n", "not valid UTF-8"},
      // a bad byte right after a backslash (found by ingest_fuzz through prometheus_text)
      {"m{jb=\"\\\xe8" "a\"} 1\n", "value of label \"jb\" is not valid UTF-8"},
      {"m 1\xff\n", "\\xff"},
      {"m \xff\n", "\\xff"},
      {"m{a=\"1\"} 1 9\xc3\n", ""},
      {"# HELP m \xc3\x28\n", "HELP text of \"m\" is not valid UTF-8"},
      {"m{a=\"b\"} 1\n# TYPE m counter\x01\n", ""},
      // A quoted token cut at 64 bytes must not split a character.
      {"# TYPE m aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\xc3\xa9\n", "..."},
  };
  for (Format f : {Format::kPrometheusText, Format::kOpenMetrics}) {
    for (const Case& c : cases) {
      std::string msg = error_of(c.payload, f);
      EXPECT_FALSE(msg.empty()) << c.payload;
      EXPECT_TRUE(valid_utf8(msg)) << c.payload << " -> " << msg;
      if (f == Format::kPrometheusText) {
        EXPECT_NE(msg.find(c.expected), std::string::npos) << msg;
      }
    }
  }
}

TEST(ExpositionInvalidUtf8, RandomPayloadsGiveValidMessages) {
  const char* parts[] = {"m", "{", "}", "a", "=", "\"", ",", " ", "1", "\n", "# TYPE ", "# HELP ",
                         "counter", "\xff", "\xc3", "\xc3\xa9", "\xed\xa0\x80", "\x01", "\t", "\\",
                         "# EOF\n", "_total", "le", "+Inf", "NaN", "\xe2\x82"};
  std::mt19937 rng(1206);
  std::uniform_int_distribution<size_t> len(1, 16), pick(0, sizeof(parts) / sizeof(parts[0]) - 1);
  int errors = 0;
  for (int i = 0; i < 20000; i++) {
    std::string p;
    for (size_t n = len(rng); n > 0; n--) p += parts[pick(rng)];
    for (Format f : {Format::kPrometheusText, Format::kOpenMetrics}) {
      std::string msg = error_of(p, f);
      if (msg.empty()) continue;
      errors++;
      ASSERT_TRUE(valid_utf8(msg)) << msg;
      ASSERT_EQ(escape_message(msg), msg) << "control character in: " << msg;
    }
  }
  EXPECT_GT(errors, 1000);
}

}  // namespace
}  // namespace observe::exposition
