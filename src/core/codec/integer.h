// Integer sequences (timestamps, int64 columns, decimal mantissas, dictionary
// indexes): raw values, deltas or deltas of deltas, each either zigzag-mapped
// or taken relative to their minimum (frame of reference: a monotonic
// counter's deltas then need no sign bit, while zigzag stays robust to one
// big negative outlier such as a counter reset), packed with simple8b-RLE.
// The encoder tries the candidates and keeps the smallest, so the choice
// follows the content: delta-of-delta for regular timestamps, delta for
// counters, raw for small enums and indexes.
//
// Layout: u8 tag (transform | kFrameOfReference | kConstantTail)
//         seeds as zigzag varints (v0 - base; and v1 - v0 for delta-of-delta)
//         [zigzag varint reference]
//         [varint value if constant tail | u8 W, varint size, zstd planes | simple8b words]
// Seeds and the constant tail are varints because chunks of ~100 rows are
// common: a perfectly regular time column then costs about 5 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/codec/byte_io.h"

namespace observe::codec {

enum class IntTransform : uint8_t { kRaw = 0, kDelta = 1, kDeltaOfDelta = 2 };
inline constexpr uint8_t kFrameOfReference = 0x10;
inline constexpr uint8_t kConstantTail = 0x20;
// Instead of simple8b words: the packed values as W byte planes (all low bytes,
// then the next, ...) compressed by zstd, whose entropy coding beats simple8b's
// fixed widths on noisy values (durations, memory gauges): the high planes are
// nearly constant and the low ones get Huffman-coded.
inline constexpr uint8_t kBytePlanes = 0x40;

// Appends the smallest encoding of v[0..n). `base` is subtracted from the
// first value (the chunk passes its min time, so v0 costs one byte); the
// decoder must be given the same base.
void encode_ints(const int64_t* v, size_t n, std::string& out, int64_t base = 0);
// Same with a fixed transform (tests, benchmarks).
void encode_ints_with(IntTransform t, bool frame_of_reference, const int64_t* v, size_t n,
                      std::string& out, int64_t base = 0);

// Reads exactly n values written by encode_ints.
void decode_ints(ByteReader& in, size_t n, int64_t* out, int64_t base = 0);

}  // namespace observe::codec
