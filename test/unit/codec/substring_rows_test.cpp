// mark_values_containing: one memmem pass over concatenated values marks exactly the values
// that contain the needle, as a search value by value does.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/codec/substring_rows.h"

namespace observe::codec {
namespace {

template <typename End>
std::vector<uint8_t> marks(const std::vector<std::string>& values, const std::string& needle) {
  std::string buf;
  std::vector<End> ends;
  for (const std::string& v : values) {
    buf += v;
    ends.push_back(static_cast<End>(buf.size()));
  }
  std::vector<uint8_t> hit(values.size(), 0);
  mark_values_containing(buf.data(), buf.size(), ends, needle, hit.data());
  return hit;
}

std::vector<uint8_t> expected(const std::vector<std::string>& values, const std::string& needle) {
  std::vector<uint8_t> out;
  for (const std::string& v : values) out.push_back(v.find(needle) != std::string::npos);
  return out;
}

TEST(SubstringRows, MatchesAcrossValuesDoNotCount) {
  std::vector<std::string> values = {"GET /a", "", "xGE", "T /b GET", "GET", "GE", "TGET"};
  EXPECT_EQ(marks<uint64_t>(values, "GET"), (std::vector<uint8_t>{1, 0, 0, 1, 1, 0, 1}));
  EXPECT_EQ(marks<uint32_t>(values, "GET"), (std::vector<uint8_t>{1, 0, 0, 1, 1, 0, 1}));
  EXPECT_EQ(marks<uint64_t>(values, ""), std::vector<uint8_t>(values.size(), 1));
  EXPECT_EQ(marks<uint64_t>({}, "GET"), std::vector<uint8_t>{});
}

TEST(SubstringRows, AgreesWithASearchPerValue) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> values(rng() % 12);
    for (std::string& v : values) {
      v.resize(rng() % 9);
      for (char& c : v) c = static_cast<char>('a' + rng() % 3);
    }
    std::string needle(1 + rng() % 3, 'a');
    for (char& c : needle) c = static_cast<char>('a' + rng() % 3);
    ASSERT_EQ(marks<uint64_t>(values, needle), expected(values, needle)) << round;
    ASSERT_EQ(marks<uint32_t>(values, needle), expected(values, needle)) << round;
  }
}

}  // namespace
}  // namespace observe::codec
