// A Bloom filter of the byte trigrams of a chunk's log lines, so a line
// filter (`|= "needle"`) can skip chunks in which no line can contain the
// needle: every trigram of the needle must be in the filter. By default about
// 10 bits a distinct trigram and 7 probes: ~1% false positives a trigram, far
// fewer for needles of several trigrams. Options: fold ASCII case (then one
// filter serves `|=`, ILIKE and `(?i)`), fewer bits a trigram, and a byte
// budget (the filter shrinks to fit: a needle of m trigrams still passes a
// foreign chunk with probability ~p^m).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace observe::codec {

struct TokenFilterOptions {
  bool fold_case = false;         // ASCII A-Z as a-z, in the filter and the needles
  double bits_per_trigram = 10;   // before the byte budget of finish()
};

class TokenFilterBuilder {
 public:
  explicit TokenFilterBuilder(TokenFilterOptions options = {});
  void add(std::string_view line);
  size_t distinct_trigrams() const;
  // Layout: u8 (probes | 0x80 if case-folded) | the bit array (a multiple of 8
  // bytes, little-endian words). At most max(9, max_bytes) bytes; empty if no
  // trigram was added.
  std::string finish(size_t max_bytes = SIZE_MAX) const;

 private:
  void add_trigram(uint32_t t);
  template <typename F>
  void for_each_distinct(F&& f) const;

  TokenFilterOptions options_;
  // Distinct trigrams: a sorted-on-demand list while small, then one bit per
  // possible trigram (2 MiB), so memory stays bounded whatever the lines.
  std::vector<uint32_t> small_;
  std::vector<uint64_t> seen_;
  size_t count_ = 0;
};

// Throws kDataException if `filter` is malformed (wrong length, bad probe count).
void token_filter_check(std::string_view filter);

// False only if no added line can contain `needle` (compared ignoring ASCII
// case if case_insensitive). Needles shorter than 3 bytes, an empty filter, and
// a case-insensitive needle against a case-sensitive filter exclude nothing.
bool token_filter_may_contain(std::string_view filter, std::string_view needle,
                              bool case_insensitive = false);

}  // namespace observe::codec
