// The per-column layer of the chunk format: picks the smallest codec for a
// column's content and writes [nulls][codec tag][codec body]; zstd may wrap
// the body as a last stage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/chunk/chunk.h"
#include "core/codec/byte_io.h"
#include "core/codec/log_lines.h"

namespace observe::chunk::detail {

// Codec tags (first byte of a column's value payload). kZstdFlag marks a body
// that is a zstd frame of the plain body: [tag|flag][varint raw size][frame].
enum Codec : uint8_t {
  kIntStream = 0,   // encode_ints (int64, bool)
  kIntDict = 1,     // dictionary of int64
  kFloatGorilla = 2,
  kFloatDecimal = 3,
  kFloatDict = 4,
  kFloatRaw = 5,    // 8 bytes a value: incompressible noise
  kBytesPlain = 6,
  kBytesDict = 7,
  kFloatConst = 8,  // one value for every row: the most common gauge
  kBytesLog = 9,    // log lines (codec/log_lines.h): compressed by itself, never zstd-wrapped
  kCodecCount = 10,
  kZstdFlag = 0x80,
};

// Appends the value payload of the non-null values of `col` (count = rows - nulls).
void encode_values(const Column& col, std::string& out);

// Decodes `count` values of `kind` from `in` into dense vectors of `col`.
void decode_values(codec::ByteReader& in, ColumnKind kind, size_t count, Column& col);

// Float fast path: bit patterns in, bit patterns out.
void encode_float_bits(const uint64_t* bits, size_t n, std::string& out);
void decode_float_bits(codec::ByteReader& in, size_t n, uint64_t* out);

// Reads the bytes column payload (after its null runs) into `out`; the
// log-lines codec decodes straight into it, others go through Column::bytes.
void decode_lines(codec::ByteReader& in, size_t count, codec::LogLines& out);

// Name of a codec tag, for benchmarks and debugging ("gorilla", "decimal+zstd").
std::string codec_name(uint8_t tag);

}  // namespace observe::chunk::detail
