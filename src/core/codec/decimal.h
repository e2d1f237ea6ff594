// Floats that are integers or have few decimals (counters, 0.25, 5.6065e-05)
// are stored as integers m with a shared scale k plus a residual:
//   bits(value) = bits(m / 10^k) + residual      (integer addition on the IEEE bits)
// The division is IEEE-exact and deterministic, so with the residual the
// codec is bit-exact for every finite value. For values parsed from short
// decimal text the residual is 0 everywhere (a constant stream, ~3 bytes);
// for float sums with accumulated rounding noise (181.97451999999998) it is a
// few ulps. m and the residuals go through encode_ints (delta / delta-of-delta
// + simple8b or byte planes). NaN, ±Inf and values whose mantissa would not
// fit 2^53 are exceptions kept with their raw bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/codec/byte_io.h"

namespace observe::codec {

// Appends the decimal encoding of the bit patterns v[0..n), or returns false
// (appending nothing) if it would not pay: more than n/8 values do not land
// within `tolerance_ulps` of a decimal at any scale. With tolerance 0 the scale
// is chosen from values that are exact decimals; a larger tolerance also fits
// noisy float sums.
// `misfits`, if given, receives that count (0: every value is a decimal).
bool decimal_encode(const uint64_t* v, size_t n, std::string& out, uint64_t tolerance_ulps = 0,
                    size_t* misfits = nullptr);
void decimal_decode(ByteReader& in, size_t n, uint64_t* out);

}  // namespace observe::codec
