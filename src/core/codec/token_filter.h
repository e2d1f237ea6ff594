// A Bloom filter of the byte trigrams of a chunk's log lines, so a line
// filter (`|= "needle"`) can skip chunks in which no line can contain the
// needle: every trigram of the needle must be in the filter. About 10 bits a
// distinct trigram and 7 probes: ~1% false positives a trigram, far fewer
// for needles of several trigrams. Case-sensitive, like `|=`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace observe::codec {

class TokenFilterBuilder {
 public:
  void add(std::string_view line);
  // Layout: u8 probes | the bit array (a multiple of 8 bytes, little-endian words).
  std::string finish() const;

 private:
  std::vector<uint32_t> trigrams_;
};

// Throws kDataException if `filter` is malformed (wrong length, bad probe count).
void token_filter_check(std::string_view filter);

// False only if no added line can contain `needle`. Needles shorter than 3
// bytes, and an empty filter, can exclude nothing.
bool token_filter_may_contain(std::string_view filter, std::string_view needle);

}  // namespace observe::codec
