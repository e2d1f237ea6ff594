// The chunk header: layout, writer and bounds-checked parser (internal).
//
// Chunk layout (all integers LEB128 varints unless noted):
//
//   u8 version | rows | ncols | zigzag(min_time) | max_time - min_time (mod 2^64)
//   | time_len | per column: u8 flags (kind | 4 has_nulls | 8 has_minmax | 16 has_filter
//     | 32 min_is_max)
//     [null_count] [min, max] [filter len, token filter] len
//   | time payload (empty for 1 row: the time is min_time) | column payloads in order
//
// The lengths in the header let decode() skip unwanted columns without
// touching their bytes; the header is small (a few bytes a column), which
// matters at 120-row chunks. Column payload: [null runs if has_nulls]
// [codec tag][body] (column_codec.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/chunk/chunk.h"

namespace observe::chunk::detail {

constexpr uint8_t kKindMask = 0x3;
constexpr uint8_t kHasNulls = 0x4;
constexpr uint8_t kHasMinMax = 0x8;
constexpr uint8_t kHasFilter = 0x10;  // kBytes: varint length + token filter
constexpr uint8_t kMinIsMax = 0x20;   // kFloat64 zone map: one value, min == max
constexpr uint8_t kNoNaN = 0x40;      // kFloat64: no non-null value is NaN

// A column's zone map and its payload ([null runs][codec tag][body]).
struct EncodedColumn {
  ColumnSummary summary;
  std::string payload;
};

// Encodes the time column and writes header + payloads.
std::string assemble(const std::vector<int64_t>& times, const std::vector<EncodedColumn>& cols);

// A parsed header: the summary plus where each payload is.
struct Header {
  ChunkSummary summary;
  std::string_view time_payload;
  std::vector<std::string_view> payloads;
};

// Throws kDataException unless the header is well-formed and the payload
// lengths add up to exactly the rest of `encoded`.
Header parse_header(std::string_view encoded);
// The summary from the first bytes of a chunk (the header and its filters, without the
// payloads): false if `prefix` ends before the summary does.
// `need` (if not null): on success the header's length; when cut short inside a token filter,
// a length of prefix that holds the filter (0 if not known).
bool parse_summary_prefix(std::string_view prefix, ChunkSummary* out, size_t* need = nullptr);
// The same header's token filters only, as views into `prefix` (one per column, empty if none).
bool parse_filters_prefix(std::string_view prefix, std::vector<std::string_view>* filters);

}  // namespace observe::chunk::detail
