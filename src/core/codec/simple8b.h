// Simple-8b with run-length words: packs unsigned 64-bit integers into 64-bit
// words. A 4-bit selector says how many values of which width the remaining 60
// bits hold (60 x 1 bit ... 1 x 60 bits); selector 15 is a run of one value
// (count in 24 bits, value in 36), so a perfectly regular scrape's deltas of
// delta cost one word per chunk; selector 0 escapes a full 64-bit value into
// the next word.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/codec/byte_io.h"

namespace observe::codec {

// Appends the words for v[0..n) to out (8 bytes each, little-endian).
void simple8b_encode(const uint64_t* v, size_t n, std::string& out);

// Reads exactly n values; throws kDataException on malformed or short input.
void simple8b_decode(ByteReader& in, size_t n, uint64_t* out);

}  // namespace observe::codec
