// Substring search for the line tests of the log scans (a needle over a chunk's concatenated
// lines, megabytes a call): a SIMD filter on three bytes of the needle (its first, its last and
// one between them), each candidate verified with memcmp. glibc's memmem (two-way / hashed
// pair shifts) ran ~1.5-2 GB/s on the log recording; this runs several times that where the
// three bytes rarely line up, and is never wrong: every candidate is compared in full.
#pragma once

#include <cstddef>
#include <string_view>

namespace observe::codec {

// The first occurrence of `needle` in [hay, hay + n), or nullptr. An empty needle is at hay.
const char* find_substring(const char* hay, size_t n, std::string_view needle);

}  // namespace observe::codec
