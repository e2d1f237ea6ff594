// zstd for byte strings and as an optional last stage over any column payload:
// kept only where it makes the payload smaller.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace observe::codec {

inline constexpr int kZstdLevel = 3;
// Decompressed payloads larger than this are treated as corrupt (a chunk is
// stored in one PostgreSQL datum, at most 1 GiB).
inline constexpr size_t kMaxDecompressed = size_t{1} << 30;

// zstd frame of `raw`.
std::string zstd_compress(std::string_view raw, int level = kZstdLevel);
// Decompresses a frame that must expand to exactly `raw_size` bytes.
std::string zstd_decompress(std::string_view frame, size_t raw_size);

}  // namespace observe::codec
