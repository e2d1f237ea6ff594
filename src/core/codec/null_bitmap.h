// Null bitmaps as alternating run lengths (valid, null, valid, ...) through
// encode_ints: no nulls or a few long gaps cost a word or two, and the worst
// case (alternating) is about 1-2 bits a row.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/codec/byte_io.h"

namespace observe::codec {

void nulls_encode(const std::vector<bool>& nulls, std::string& out);
// Reads a bitmap of n rows; true = null.
std::vector<bool> nulls_decode(ByteReader& in, size_t n);

}  // namespace observe::codec
