// Gorilla XOR for float64 (Pelkonen et al., VLDB 2015): each value is XORed
// with the previous one; an unchanged value costs 1 bit, a change that fits the
// previous window of meaningful bits costs 2 + window bits. Works on the raw
// IEEE bits, so NaN payloads, -0.0 and denormals round-trip exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/codec/byte_io.h"

namespace observe::codec {

// Appends varint(byte length) + the bit stream for the bit patterns v[0..n).
void gorilla_encode(const uint64_t* v, size_t n, std::string& out);
void gorilla_decode(ByteReader& in, size_t n, uint64_t* out);

}  // namespace observe::codec
