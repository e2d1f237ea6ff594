#include "core/codec/token_filter.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/codec/byte_io.h"

namespace observe::codec {
namespace {

constexpr unsigned kMaxProbes = 7;
constexpr uint8_t kFolded = 0x80;

inline uint8_t fold(uint8_t c) { return static_cast<unsigned>(c - 'A') < 26u ? c | 0x20 : c; }

inline uint32_t trigram(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16;
}
inline uint32_t trigram_folded(const char* p) {
  return static_cast<uint32_t>(fold(p[0])) | static_cast<uint32_t>(fold(p[1])) << 8 |
         static_cast<uint32_t>(fold(p[2])) << 16;
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

constexpr size_t kSmallLimit = 1u << 16;

TokenFilterBuilder::TokenFilterBuilder(TokenFilterOptions options) : options_(options) {}

void TokenFilterBuilder::add_trigram(uint32_t t) {
  if (seen_.empty()) {
    small_.push_back(t);
    if (small_.size() < kSmallLimit) return;
    seen_.assign((size_t{1} << 24) / 64, 0);
    for (uint32_t s : small_) seen_[s / 64] |= uint64_t{1} << (s % 64);
    small_.clear();
    small_.shrink_to_fit();
    count_ = 0;
    for (uint64_t w : seen_) count_ += static_cast<size_t>(__builtin_popcountll(w));
    return;
  }
  uint64_t& w = seen_[t / 64];
  uint64_t bit = uint64_t{1} << (t % 64);
  count_ += !(w & bit);
  w |= bit;
}

void TokenFilterBuilder::add(std::string_view line) {
  const char* p = line.data();
  const size_t n = line.size();
  size_t i = 0;
  for (; i + 3 <= n && seen_.empty(); ++i)
    add_trigram(options_.fold_case ? trigram_folded(p + i) : trigram(p + i));
  if (i + 3 > n) return;
  // The bitmap exists: set bits in a loop of its own, the case choice and the bitmap check out
  // of it (a COPY of log lines runs this on every byte).
  uint64_t* words = seen_.data();
  size_t count = count_;
  auto set = [&](uint32_t t) {
    uint64_t& w = words[t / 64];
    uint64_t bit = uint64_t{1} << (t % 64);
    count += !(w & bit);
    w |= bit;
  };
  if (options_.fold_case) {
    for (; i + 3 <= n; ++i) set(trigram_folded(p + i));
  } else {
    for (; i + 3 <= n; ++i) set(trigram(p + i));
  }
  count_ = count;
}

template <typename F>
void TokenFilterBuilder::for_each_distinct(F&& f) const {
  if (seen_.empty()) {
    std::vector<uint32_t> t = small_;
    std::sort(t.begin(), t.end());
    t.erase(std::unique(t.begin(), t.end()), t.end());
    for (uint32_t x : t) f(x);
    return;
  }
  for (size_t wi = 0; wi < seen_.size(); ++wi)
    for (uint64_t w = seen_[wi]; w; w &= w - 1)
      f(static_cast<uint32_t>(wi * 64 + static_cast<size_t>(__builtin_ctzll(w))));
}

size_t TokenFilterBuilder::distinct_trigrams() const {
  if (!seen_.empty()) return count_;
  size_t n = 0;
  for_each_distinct([&](uint32_t) { ++n; });
  return n;
}

std::string TokenFilterBuilder::finish(size_t max_bytes) const {
  size_t count = distinct_trigrams();
  if (count == 0) return std::string();
  double bits_wanted = std::max(1.0, options_.bits_per_trigram) * static_cast<double>(count);
  size_t words = static_cast<size_t>(std::ceil(bits_wanted / 64));
  if (max_bytes != SIZE_MAX) words = std::min(words, std::max<size_t>(1, (max_bytes - std::min<size_t>(max_bytes, 1)) / 8));
  words = std::max<size_t>(words, 1);
  const uint64_t nbits = words * 64;
  // Optimal probes for this many bits a trigram: k = ln 2 * m / n.
  double per = static_cast<double>(nbits) / static_cast<double>(count);
  unsigned k = static_cast<unsigned>(std::lround(per * 0.6931));
  k = std::max(1u, std::min(kMaxProbes, k));
  std::vector<uint64_t> bits(words, 0);
  for_each_distinct([&](uint32_t tri) {
    probes(tri, nbits, k, [&](uint64_t b) { bits[b / 64] |= uint64_t{1} << (b % 64); });
  });
  std::string out;
  put_u8(out, static_cast<uint8_t>(k | (options_.fold_case ? kFolded : 0)));
  for (uint64_t w : bits) put_u64le(out, w);
  return out;
}

void token_filter_check(std::string_view filter) {
  if (filter.empty()) return;
  unsigned k = static_cast<uint8_t>(filter[0]) & ~kFolded;
  if (k == 0 || k > 16 || (filter.size() - 1) % 8 != 0 || filter.size() < 9)
    corrupt("token filter");
}

bool token_filter_may_contain(std::string_view filter, std::string_view needle,
                              bool case_insensitive) {
  if (filter.empty() || needle.size() < 3) return true;
  token_filter_check(filter);
  bool folded = static_cast<uint8_t>(filter[0]) & kFolded;
  if (case_insensitive && !folded) return true;
  unsigned k = static_cast<uint8_t>(filter[0]) & ~kFolded;
  const char* bits = filter.data() + 1;
  const uint64_t nbits = (filter.size() - 1) * 8;
  for (size_t i = 0; i + 3 <= needle.size(); ++i) {
    uint32_t t = folded ? trigram_folded(needle.data() + i) : trigram(needle.data() + i);
    bool all = true;
    probes(t, nbits, k, [&](uint64_t b) {
      uint8_t byte = static_cast<uint8_t>(bits[b / 8]);  // little-endian words: byte b/8, bit b%8
      if (!(byte >> (b % 8) & 1)) all = false;
    });
    if (!all) return false;
  }
  return true;
}

}  // namespace observe::codec
