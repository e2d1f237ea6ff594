#include "core/codec/substring_search.h"

#include <string.h>

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define OBSERVE_SUBSTRING_X86 1
#endif

namespace observe::codec {
namespace {

constexpr size_t kMaxSimdNeedle = 64;

// The needle's middle probe: a byte between the first and the last that differs from both if
// there is one (equal bytes filter nothing more), else the middle one.
size_t middle_probe(std::string_view needle) {
  const size_t m = needle.size();
  const char a = needle[0], z = needle[m - 1];
  for (size_t d = 0; d < m / 2; ++d) {
    const size_t i = m / 2 + d, j = m / 2 - d;
    if (i > 0 && i < m - 1 && needle[i] != a && needle[i] != z) return i;
    if (j > 0 && j < m - 1 && needle[j] != a && needle[j] != z) return j;
  }
  return m / 2;
}

const char* find_tail(const char* hay, size_t n, std::string_view needle) {
  if (n < needle.size()) return nullptr;
  return static_cast<const char*>(memmem(hay, n, needle.data(), needle.size()));
}

#if defined(OBSERVE_SUBSTRING_X86)
// n >= m >= 2. Blocks of 16 candidate starts: the bytes at the first, middle and last offsets
// compared at once; each start where all three match is compared in full.
const char* find_sse2(const char* hay, size_t n, std::string_view needle) {
  const size_t m = needle.size(), mid = middle_probe(needle);
  const char* nd = needle.data();
  const __m128i f = _mm_set1_epi8(nd[0]), c = _mm_set1_epi8(nd[mid]), l = _mm_set1_epi8(nd[m - 1]);
  size_t i = 0;
  for (; i + m - 1 + 16 <= n; i += 16) {
    const __m128i bf = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay + i));
    const __m128i bl = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay + i + m - 1));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(bf, f), _mm_cmpeq_epi8(bl, l))));
    if (mask == 0) continue;
    const __m128i bc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay + i + mid));
    mask &= static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bc, c)));
    for (; mask; mask &= mask - 1) {
      const size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
      if (std::memcmp(hay + at, nd, m) == 0) return hay + at;
    }
  }
  return find_tail(hay + i, n - i, needle);
}

__attribute__((target("avx2"))) const char* find_avx2(const char* hay, size_t n, std::string_view needle) {
  const size_t m = needle.size(), mid = middle_probe(needle);
  const char* nd = needle.data();
  const __m256i f = _mm256_set1_epi8(nd[0]), c = _mm256_set1_epi8(nd[mid]), l = _mm256_set1_epi8(nd[m - 1]);
  size_t i = 0;
  for (; i + m - 1 + 32 <= n; i += 32) {
    const __m256i bf = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay + i));
    const __m256i bl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay + i + m - 1));
    uint32_t mask = static_cast<uint32_t>(
        _mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(bf, f), _mm256_cmpeq_epi8(bl, l))));
    if (mask == 0) continue;
    const __m256i bc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay + i + mid));
    mask &= static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(bc, c)));
    for (; mask; mask &= mask - 1) {
      const size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
      if (std::memcmp(hay + at, nd, m) == 0) return hay + at;
    }
  }
  return find_tail(hay + i, n - i, needle);
}

using FindFn = const char* (*)(const char*, size_t, std::string_view);
FindFn pick() { return __builtin_cpu_supports("avx2") ? find_avx2 : find_sse2; }
#endif

}  // namespace

const char* find_substring(const char* hay, size_t n, std::string_view needle) {
  const size_t m = needle.size();
  if (m == 0) return hay;
  if (m > n) return nullptr;
  if (m == 1) return static_cast<const char*>(std::memchr(hay, static_cast<unsigned char>(needle[0]), n));
  // Long needles: memmem's linear bound (the candidate checks cost up to m bytes each).
  if (m > kMaxSimdNeedle) return find_tail(hay, n, needle);
#if defined(OBSERVE_SUBSTRING_X86)
  static const FindFn fn = pick();
  return fn(hay, n, needle);
#else
  return find_tail(hay, n, needle);
#endif
}

}  // namespace observe::codec
