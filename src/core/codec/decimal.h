// Floats that are integers or have few decimals (counters, 0.25, 5.6065e-05)
// are stored as integers m with a shared scale k, value = m / 10^k, and the
// integers go through encode_ints (delta / delta-of-delta + simple8b). The
// division is IEEE-exact, so the encoder checks every value decodes to the
// same bits; values that do not (NaN, ±Inf, -0.0, too many digits) are kept
// as exceptions with their raw bits. Bit-exact or not chosen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/codec/byte_io.h"

namespace observe::codec {

// Appends the decimal encoding of the bit patterns v[0..n), or returns false
// (appending nothing) if too many values are exceptions for it to pay.
bool decimal_encode(const uint64_t* v, size_t n, std::string& out);
void decimal_decode(ByteReader& in, size_t n, uint64_t* out);

}  // namespace observe::codec
