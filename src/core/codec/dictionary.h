// Dictionary coding for columns with few distinct values (constant gauges,
// enum-like labels, repeated log lines): the distinct values in order of first
// appearance plus one small index per row through encode_ints, whose
// simple8b-RLE turns runs of one value into a single word.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec/byte_io.h"

namespace observe::codec {

// 64-bit patterns (float bits or int64). Returns false, appending nothing, if
// there are more than max_distinct distinct values.
bool dict_encode_u64(const uint64_t* v, size_t n, size_t max_distinct, std::string& out);
void dict_decode_u64(ByteReader& in, size_t n, uint64_t* out);

// Byte strings. The *_views decoders give views into `in`'s bytes (valid while they are);
// the std::string overloads copy.
bool dict_encode_bytes(const std::string_view* v, size_t n, size_t max_distinct, std::string& out);
bool dict_encode_bytes(const std::string* v, size_t n, size_t max_distinct, std::string& out);
void dict_decode_views(ByteReader& in, size_t n, std::string_view* out);
void dict_decode_bytes(ByteReader& in, size_t n, std::string* out);

// Plain byte strings: lengths through encode_ints, then the concatenated bytes.
void plain_encode_bytes(const std::string_view* v, size_t n, std::string& out);
void plain_encode_bytes(const std::string* v, size_t n, std::string& out);
void plain_decode_views(ByteReader& in, size_t n, std::string_view* out);
void plain_decode_bytes(ByteReader& in, size_t n, std::string* out);

}  // namespace observe::codec
