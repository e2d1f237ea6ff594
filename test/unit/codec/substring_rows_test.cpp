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

// find_substring (the SIMD three-byte filter behind mark_values_containing) finds the first
// occurrence exactly as std::string_view::find does: small alphabets (candidates everywhere),
// needles of 1-80 bytes (past the SIMD limit too), matches at the buffer's very end, haystacks
// shorter than a vector, every alignment, and bytes >= 0x80.
namespace observe::codec {
namespace {

TEST(SubstringSearch, AgreesWithFind) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 20000; ++round) {
    const int alphabet = 1 + static_cast<int>(rng() % 4);
    const bool high = rng() % 4 == 0;
    auto byte = [&] { return static_cast<char>((high ? 0xf0 : 'a') + static_cast<int>(rng() % static_cast<uint64_t>(alphabet))); };
    std::string hay(rng() % (round % 10 == 0 ? 300 : 70), ' ');
    for (char& c : hay) c = byte();
    std::string needle;
    if (!hay.empty() && rng() % 2) {
      // A piece of the haystack, often its end.
      size_t len = 1 + rng() % std::min<size_t>(hay.size(), 80);
      size_t at = rng() % 3 == 0 ? hay.size() - len : rng() % (hay.size() - len + 1);
      needle = hay.substr(at, len);
    } else {
      needle.resize(rng() % 81);
      for (char& c : needle) c = byte();
    }
    for (size_t skip = 0; skip < std::min<size_t>(hay.size(), 3); ++skip) {
      std::string_view h(hay.data() + skip, hay.size() - skip);
      size_t want = h.find(needle);
      const char* got = find_substring(h.data(), h.size(), needle);
      ASSERT_EQ(got == nullptr ? std::string_view::npos : static_cast<size_t>(got - h.data()), want)
          << "hay '" << h << "' needle '" << needle << "'";
    }
  }
}

TEST(SubstringSearch, LongRunsAndTheLastBytes) {
  std::string hay(100000, 'a');
  EXPECT_EQ(find_substring(hay.data(), hay.size(), std::string(64, 'a')), hay.data());
  EXPECT_EQ(find_substring(hay.data(), hay.size(), std::string(65, 'a') + "b"), nullptr);
  hay.back() = 'b';
  std::string n = std::string(40, 'a') + "b";
  EXPECT_EQ(find_substring(hay.data(), hay.size(), n), hay.data() + hay.size() - n.size());
  EXPECT_EQ(find_substring(hay.data(), hay.size(), "b"), hay.data() + hay.size() - 1);
  EXPECT_EQ(find_substring(hay.data(), hay.size(), ""), hay.data());
  EXPECT_EQ(find_substring(hay.data(), 3, "aaaa"), nullptr);
}

}  // namespace
}  // namespace observe::codec
