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

// With a raw-content dictionary (empty = none, as above). zstd_decompress_into
// writes exactly `raw_size` bytes to `dst` or throws kDataException.
std::string zstd_compress_dict(std::string_view raw, int level, std::string_view dictionary);
void zstd_decompress_into(std::string_view frame, char* dst, size_t raw_size,
                          std::string_view dictionary);

}  // namespace observe::codec
