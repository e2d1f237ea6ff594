// Integer sequences (timestamps, int64 columns, decimal mantissas, dictionary
// indexes): raw values, deltas or deltas of deltas, each either zigzag-mapped
// or taken relative to their minimum (frame of reference: a monotonic
// counter's deltas then need no sign bit, while zigzag stays robust to one
// big negative outlier such as a counter reset), packed with simple8b-RLE.
// The encoder tries the candidates and keeps the smallest, so the choice
// follows the content: delta-of-delta for regular timestamps, delta for
// counters, raw for small enums and indexes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/codec/byte_io.h"

namespace observe::codec {

enum class IntTransform : uint8_t { kRaw = 0, kDelta = 1, kDeltaOfDelta = 2 };

// Appends one transform byte (| kFrameOfReference), [zigzag varint base],
// then the simple8b words for v[0..n).
inline constexpr uint8_t kFrameOfReference = 0x10;
void encode_ints(const int64_t* v, size_t n, std::string& out);
// Same with a fixed transform (tests, benchmarks).
void encode_ints_with(IntTransform t, bool frame_of_reference, const int64_t* v, size_t n,
                      std::string& out);

// Reads exactly n values written by encode_ints.
void decode_ints(ByteReader& in, size_t n, int64_t* out);

}  // namespace observe::codec
