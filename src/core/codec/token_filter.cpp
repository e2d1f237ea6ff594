#include "core/codec/token_filter.h"

#include <algorithm>
#include <cstring>

#include "core/codec/byte_io.h"

namespace observe::codec {
namespace {

constexpr unsigned kProbes = 7;
constexpr size_t kBitsPerTrigram = 10;

inline uint32_t trigram(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16;
}

// A 64-bit finalizer (splitmix64): spreads 24 bits over both 32-bit halves
// used for double hashing.
inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

template <typename F>
void probes(uint32_t tri, uint64_t nbits, unsigned k, F&& f) {
  uint64_t h = mix(tri);
  uint64_t h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
  for (unsigned j = 0; j < k; ++j) f((h1 + j * h2) % nbits);
}

}  // namespace

void TokenFilterBuilder::add(std::string_view line) {
  for (size_t i = 0; i + 3 <= line.size(); ++i) trigrams_.push_back(trigram(line.data() + i));
  // Keep memory bounded on long chunks: dedupe now and then.
  if (trigrams_.size() > (1u << 20)) {
    std::sort(trigrams_.begin(), trigrams_.end());
    trigrams_.erase(std::unique(trigrams_.begin(), trigrams_.end()), trigrams_.end());
  }
}

std::string TokenFilterBuilder::finish() const {
  std::vector<uint32_t> t = trigrams_;
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  if (t.empty()) return std::string();
  size_t words = (t.size() * kBitsPerTrigram + 63) / 64;
  std::vector<uint64_t> bits(words, 0);
  const uint64_t nbits = words * 64;
  for (uint32_t tri : t) probes(tri, nbits, kProbes, [&](uint64_t b) { bits[b / 64] |= uint64_t{1} << (b % 64); });
  std::string out;
  put_u8(out, kProbes);
  for (uint64_t w : bits) put_u64le(out, w);
  return out;
}

void token_filter_check(std::string_view filter) {
  if (filter.empty()) return;
  unsigned k = static_cast<uint8_t>(filter[0]);
  if (k == 0 || k > 16 || (filter.size() - 1) % 8 != 0 || filter.size() < 9)
    corrupt("token filter");
}

bool token_filter_may_contain(std::string_view filter, std::string_view needle) {
  if (filter.empty() || needle.size() < 3) return true;
  token_filter_check(filter);
  unsigned k = static_cast<uint8_t>(filter[0]);
  const char* bits = filter.data() + 1;
  const uint64_t nbits = (filter.size() - 1) * 8;
  for (size_t i = 0; i + 3 <= needle.size(); ++i) {
    bool all = true;
    probes(trigram(needle.data() + i), nbits, k, [&](uint64_t b) {
      uint8_t byte = static_cast<uint8_t>(bits[b / 8]);  // little-endian words: byte b/8, bit b%8
      if (!(byte >> (b % 8) & 1)) all = false;
    });
    if (!all) return false;
  }
  return true;
}

}  // namespace observe::codec
