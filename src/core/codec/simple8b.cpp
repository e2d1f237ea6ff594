#include "core/codec/simple8b.h"

#include <algorithm>

namespace observe::codec {
namespace {

constexpr unsigned kWidth[16] = {64, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 60, 0};
constexpr unsigned kCount[16] = {1, 60, 30, 20, 15, 12, 10, 8, 7, 6, 5, 4, 3, 2, 1, 0};
constexpr unsigned kRleSelector = 15;
constexpr unsigned kRleValueBits = 36;
constexpr uint64_t kRleMaxCount = (uint64_t{1} << 24) - 1;

inline unsigned bit_width(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

inline void put_word(std::string& out, uint64_t w) { put_u64le(out, w); }

}  // namespace

void simple8b_encode(const uint64_t* v, size_t n, std::string& out) {
  size_t i = 0;
  while (i < n) {
    const size_t left = n - i;
    // The selector that packs the most values. Going from 1 wide value to 60
    // narrow ones, the prefix's max width only grows while the allowed width
    // shrinks, so the first failure ends the search: only about as many
    // values are looked at as are packed.
    unsigned sel = 0;
    size_t take = 1;
    unsigned maxw = 0;
    size_t scanned = 0;
    for (unsigned s = 14; s >= 1; --s) {
      size_t c = std::min<size_t>(kCount[s], left);
      for (; scanned < c; ++scanned) maxw = std::max(maxw, bit_width(v[i + scanned]));
      if (maxw > kWidth[s]) break;
      sel = s;
      take = c;
    }
    // A run longer than what a packed word would hold goes into an RLE word.
    const uint64_t first = v[i];
    if (left > take && v[i + 1] == first && bit_width(first) <= kRleValueBits) {
      size_t run = 1;
      size_t cap = std::min<size_t>(left, kRleMaxCount);
      while (run < cap && v[i + run] == first) ++run;
      if (run > take) {
        put_word(out, (uint64_t{kRleSelector} << 60) | (uint64_t{run} << kRleValueBits) | first);
        i += run;
        continue;
      }
    }
    if (sel == 0) {  // does not fit in 60 bits: escape
      put_word(out, 0);
      put_word(out, first);
      i += 1;
      continue;
    }
    uint64_t w = uint64_t{sel} << 60;
    const unsigned width = kWidth[sel];
    for (size_t k = 0; k < take; ++k) w |= v[i + k] << (k * width);
    put_word(out, w);
    i += take;
  }
}

void simple8b_decode(ByteReader& in, size_t n, uint64_t* out) {
  size_t i = 0;
  while (i < n) {
    uint64_t w = in.u64le();
    unsigned sel = static_cast<unsigned>(w >> 60);
    size_t left = n - i;
    switch (sel) {
      case 0:
        if (w != 0) corrupt("simple8b escape word");
        out[i++] = in.u64le();
        break;
      case kRleSelector: {
        uint64_t run = (w >> kRleValueBits) & kRleMaxCount;
        if (run == 0 || run > left) corrupt("simple8b run length");
        uint64_t val = w & ((uint64_t{1} << kRleValueBits) - 1);
        std::fill(out + i, out + i + run, val);
        i += run;
        break;
      }
      default: {
        unsigned width = kWidth[sel];
        size_t take = std::min<size_t>(kCount[sel], left);
        uint64_t mask = (uint64_t{1} << width) - 1;
        for (size_t k = 0; k < take; ++k) out[i + k] = (w >> (k * width)) & mask;
        i += take;
        break;
      }
    }
  }
}

}  // namespace observe::codec
