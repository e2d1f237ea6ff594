// Which values of a concatenated buffer contain a needle, found with one substring search (find_substring) over the
// whole buffer rather than a search per value: the line tests of the SQL scan and of LogQL's
// reader on a chunk's line column.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/codec/substring_search.h"

namespace observe::codec {

// Value r is base[ends[r - 1], ends[r]) (ends ascending, the first value starts at 0, total is
// the buffer's size). Sets hit[r] = 1 for every value holding `needle`; a match across two
// values is none. An empty needle is in every value.
template <typename End>
void mark_values_containing(const char* base, size_t total, const std::vector<End>& ends, std::string_view needle,
                            uint8_t* hit) {
  const size_t rows = ends.size();
  if (needle.empty()) {
    std::fill(hit, hit + rows, uint8_t{1});
    return;
  }
  size_t at = 0, li = 0;
  while (at < total && li < rows) {
    const char* p = find_substring(base + at, total - at, needle);
    if (p == nullptr) break;
    size_t off = static_cast<size_t>(static_cast<const char*>(p) - base);
    // The value holding the hit's first byte.
    li = static_cast<size_t>(std::upper_bound(ends.begin() + static_cast<long>(li), ends.end(), off) - ends.begin());
    if (li >= rows) break;
    if (off + needle.size() <= ends[li]) {
      hit[li] = 1;
      at = ends[li];
      li++;
    } else {
      at = off + 1;
    }
  }
}

}  // namespace observe::codec
