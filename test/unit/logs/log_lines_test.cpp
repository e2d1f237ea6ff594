#include "core/codec/log_lines.h"

#include <gtest/gtest.h>

#include "core/common/error.h"
#include "log_test_util.h"

namespace observe::codec {
namespace {

using testing::as_views;
using testing::sample_log_lines;

void expect_round_trip(const std::vector<std::string>& lines, LogLinesOptions o) {
  std::string e = log_lines_encode(as_views(lines), o);
  if (o.layout != LogLayout::kBest) {
    EXPECT_EQ(log_lines_layout(e), o.layout);
  }
  LogLines d;
  log_lines_decode(e, d, o.dictionary);
  ASSERT_EQ(d.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(d.line(i), lines[i]) << "line " << i;
  EXPECT_EQ(d.data.size(), d.ends.empty() ? 0 : d.ends.back());
}

TEST(LogLines, RoundTripEveryLayout) {
  for (LogLayout layout : {LogLayout::kPlain, LogLayout::kSplit, LogLayout::kBest}) {
    for (size_t n : {0, 1, 2, 50, 3000}) {
      LogLinesOptions o;
      o.layout = layout;
      o.level = 3;
      expect_round_trip(sample_log_lines(n, n + 7), o);
    }
  }
}

// Lines lying one after another in one buffer (a chunk column's) are compressed in place; lines
// scattered in memory are concatenated first: the same bytes either way, empty lines anywhere.
TEST(LogLines, ContiguousAndScatteredLinesEncodeAlike) {
  for (int shape = 0; shape < 4; ++shape) {
    std::vector<std::string> lines = sample_log_lines(500, 11);
    if (shape >= 1) lines.insert(lines.begin(), "");
    if (shape >= 2) lines.insert(lines.begin() + 200, 3, "");
    if (shape == 3) lines.push_back("");
    std::string joined;
    for (const std::string& l : lines) joined += l;
    std::vector<std::string_view> in_place;
    size_t at = 0;
    for (const std::string& l : lines) {
      // An empty line's view points anywhere: it must not decide whether the rest is contiguous.
      in_place.push_back(l.empty() ? std::string_view() : std::string_view(joined.data() + at, l.size()));
      at += l.size();
    }
    for (LogLayout layout : {LogLayout::kPlain, LogLayout::kBest}) {
      LogLinesOptions o;
      o.layout = layout;
      o.level = 3;
      const std::string scattered = log_lines_encode(as_views(lines), o);
      EXPECT_EQ(log_lines_encode(in_place, o), scattered) << "shape " << shape;
      LogLines d;
      log_lines_decode(scattered, d);
      ASSERT_EQ(d.size(), lines.size());
      for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(d.line(i), lines[i]);
    }
  }
  // A gap between two lines (a view of every other line): not contiguous, still exact.
  const std::string buf = "aaaXbbbYccc";
  std::vector<std::string_view> gapped = {std::string_view(buf.data(), 3), std::string_view(buf.data() + 4, 3),
                                          std::string_view(buf.data() + 8, 3)};
  LogLinesOptions o;
  o.layout = LogLayout::kPlain;
  LogLines d;
  log_lines_decode(log_lines_encode(gapped, o), d);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.line(0), "aaa");
  EXPECT_EQ(d.line(1), "bbb");
  EXPECT_EQ(d.line(2), "ccc");
}

TEST(LogLines, ExactBytes) {
  // Every byte value, empty lines, lines that are only digits or only special bytes.
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::vector<std::string> lines = {"", all, "0", "00", "007", "999999999999999999", "1000000000000000000",
                                    std::string(1, '\0'), "\x01\x02", "12a", "a12", "1.2.3.4", "-5", ""};
  for (LogLayout layout : {LogLayout::kPlain, LogLayout::kSplit}) {
    LogLinesOptions o;
    o.layout = layout;
    expect_round_trip(lines, o);
  }
}

TEST(LogLines, LargeLine) {
  // 16 MiB and more in one line (the minimum), numbers throughout.
  std::string big;
  for (size_t i = 0; big.size() < (size_t{16} << 20) + 100; ++i) big += "x=" + std::to_string(i * 7) + " ";
  std::vector<std::string> lines = {"a", big, "b"};
  for (LogLayout layout : {LogLayout::kPlain, LogLayout::kSplit}) {
    LogLinesOptions o;
    o.layout = layout;
    o.level = 1;
    expect_round_trip(lines, o);
  }
}

TEST(LogLines, SplitBeatsPlainOnRepeatedShapes) {
  // Lines that differ only in their numbers: the split layout is the point.
  std::vector<std::string> lines;
  for (int i = 0; i < 5000; ++i)
    lines.push_back("{\"timestamp\":\"2026-12-06 01:42:" + std::to_string(10 + i / 100) + "." +
                    std::to_string(100 + i % 900) + " UTC\",\"pid\":" + std::to_string(31000 + (i * 7919) % 97) +
                    ",\"line_num\":" + std::to_string(i) + ",\"message\":\"duration: " + std::to_string(i * 31 % 1000) +
                    " ms\"}");
  LogLinesOptions p, s;
  p.layout = LogLayout::kPlain;
  s.layout = LogLayout::kSplit;
  size_t plain = log_lines_encode(as_views(lines), p).size();
  size_t split = log_lines_encode(as_views(lines), s).size();
  EXPECT_LT(split * 3, plain * 2) << plain << " vs " << split;
  EXPECT_EQ(log_lines_layout(log_lines_encode(as_views(lines))), LogLayout::kSplit);
}

TEST(LogLines, Dictionary) {
  std::vector<std::string> train = sample_log_lines(4000, 1), lines = sample_log_lines(200, 2);
  for (LogLayout layout : {LogLayout::kPlain, LogLayout::kSplit}) {
    std::string dict = log_dictionary_train(as_views(train), 16 << 10, layout);
    ASSERT_FALSE(dict.empty());
    LogLinesOptions with, without;
    with.layout = without.layout = layout;
    with.dictionary = dict;
    expect_round_trip(lines, with);
    // A small block gains from the dictionary.
    EXPECT_LT(log_lines_encode(as_views(lines), with).size(), log_lines_encode(as_views(lines), without).size());
    // Without (or with the wrong) dictionary the block is corrupt, not garbage.
    LogLines d;
    std::string e = log_lines_encode(as_views(lines), with);
    EXPECT_THROW(log_lines_decode(e, d), Error);
  }
}

TEST(LogLines, RejectsOversizedInput) {
  std::vector<std::string_view> many(kMaxLogBlockLines + 1, std::string_view("x"));
  EXPECT_THROW(log_lines_encode(many), Error);
}

}  // namespace
}  // namespace observe::codec
