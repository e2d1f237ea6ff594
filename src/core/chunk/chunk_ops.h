// Row operations on decoded chunks, for the write path and compaction:
// merge small batches into long chunks, restore time order, cut to size.
#pragma once

#include <cstddef>

#include "core/chunk/chunk.h"

namespace observe::chunk {

// Appends src's rows to dst. dst may be empty (no times, no columns): it then
// takes src's shape. Otherwise column counts and kinds must match
// (observe::Error kInvalidParameter). Null bitmaps are merged (an empty
// bitmap means no nulls on that side).
void append_rows(ChunkData& dst, const ChunkData& src);

// Stable sort of the rows by time: duplicates keep their insertion order.
// Does nothing if the rows are already in order.
void sort_by_time(ChunkData& data);
bool is_time_sorted(const ChunkData& data);

// Uncompressed size of the rows: 8 bytes a time and a non-null int/float,
// 1 a bool, the length of a byte string. For sizing chunks by bytes while
// they fill up, and for storage statistics ("raw bytes").
size_t raw_size(const ChunkData& data);

// Rows [begin, end) as a new chunk (clamped to the row count).
ChunkData slice_rows(const ChunkData& data, size_t begin, size_t end);

}  // namespace observe::chunk
