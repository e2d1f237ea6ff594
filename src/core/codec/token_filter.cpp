#include "core/codec/token_filter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "core/codec/byte_io.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace observe::codec {
namespace {

constexpr unsigned kMaxProbes = 7;      // version 1
constexpr unsigned kMaxProbesV2 = 16;
constexpr uint8_t kFolded = 0x80;
constexpr uint8_t kVersion2 = 0x40;
constexpr uint8_t kVersion3 = 0x20;
constexpr uint8_t kVersion4 = 0x30;  // not a version 1 byte (its probes are 1-16)
constexpr uint8_t kHasTokens = 1;
// Version 3 class flags (byte 2).
constexpr uint8_t kHasText = 1, kHasPairs = 2, kHasDigits = 4;
// Version 4 adds a class (byte 2 flag 8): long pairs.
constexpr uint8_t kHasLongPairs = 8;
constexpr size_t kPairPart = 4;  // bytes of each token in a pair key
// Version 4's long pair keys: the second token's first <= 6 bytes (only for a second token of
// more than kPairPart bytes; shorter ones are whole in the short key already).
constexpr size_t kLongPairPart = 6;
// Version 3 header: u8 0x20 | fold, u8 trigram probes, u8 classes, u8 token probes (0 without
// classes), u32 LE trigram words; then the trigram words and the token words.
constexpr size_t kV3Header = 8;
constexpr size_t kV2Header = 3;

inline void put_u32le(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline uint64_t get_u32(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

inline uint8_t fold(uint8_t c) { return static_cast<unsigned>(c - 'A') < 26u ? c | 0x20 : c; }

// fold() of 8 bytes at once: bit 7 of each byte of `upper` is set where the byte is ASCII
// 'A'..'Z' (its low 7 bits are >= 'A' and <= 'Z' and bit 7 is clear; the sums never carry into
// the next byte), and >> 2 turns it into that byte's 0x20.
inline uint64_t fold8(uint64_t x) {
  constexpr uint64_t k01 = 0x0101010101010101ULL, k80 = k01 * 0x80;
  const uint64_t low7 = x & ~k80;
  const uint64_t ge_a = low7 + k01 * (0x80 - 'A');
  const uint64_t gt_z = low7 + k01 * (0x80 - 'Z' - 1);
  const uint64_t upper = ge_a & ~gt_z & ~x & k80;
  return x | (upper >> 2);
}

inline uint32_t trigram(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16;
}
inline uint32_t trigram_folded(const char* p) {
  return static_cast<uint32_t>(fold(p[0])) | static_cast<uint32_t>(fold(p[1])) << 8 |
         static_cast<uint32_t>(fold(p[2])) << 16;
}

// A trigram of three ASCII bytes (bit 7 clear in each) as 21 bits: its index in the scratch's
// ascii_bits.
inline uint32_t ascii_index(uint32_t t) { return (t & 0x7f) | (t >> 1 & 0x3f80) | (t >> 2 & 0x1fc000); }

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

// Version 2 token keys: a 64-bit hash, never 0 (the empty slot of the builder's set).
enum KeyKind : uint64_t { kWholeKey = 2, kPrefixKey = 3, kSuffixKey = 4, kPairKey = 5, kLongPairKey = 6 };

inline uint64_t load_tail(const char* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

// Bytes already folded if the filter folds. Part of the stored format (version 2): changing
// it makes existing filters exclude chunks that hold the needle.
inline uint64_t key_hash(KeyKind kind, const char* p, size_t n) {
  uint64_t h = mix(kind * 0x9e3779b97f4a7c15ULL ^ n);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) h = mix(h ^ load_tail(p + i, 8));
  if (i < n) h = mix(h ^ load_tail(p + i, n - i));
  return h ? h : 1;
}
// As version 1 hashed trigrams: a filter of trigrams only sets the bits version 1 set.
inline uint64_t trigram_key(uint32_t tri) { return mix(tri); }

struct TokenBytes {
  bool is[256];
  constexpr TokenBytes() : is() {
    for (int c = 0; c < 256; ++c)
      is[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
  }
};
constexpr TokenBytes kTokenBytes;
inline bool token_byte(uint8_t c) { return kTokenBytes.is[c]; }

inline bool all_digits(const char* p, size_t m) {
  for (size_t i = 0; i < m; ++i)
    if (static_cast<unsigned>(static_cast<uint8_t>(p[i]) - '0') > 9u) return false;
  return true;
}

// A pair key: `a` (the first token's last <= 4 bytes), the separator, `b` (the second token's
// first <= 4 bytes). Separators are not token bytes, so the bytes tell the parts apart.
inline uint64_t pair_hash(const char* a, size_t am, char sep, const char* b, size_t bm,
                          KeyKind kind = kPairKey) {
  char buf[kPairPart + 1 + kLongPairPart];
  std::memcpy(buf, a, am);
  buf[am] = sep;
  std::memcpy(buf + am + 1, b, bm);
  return key_hash(kind, buf, am + 1 + bm);
}

inline bool probe_v2(const char* bits, uint64_t nbits, unsigned k, uint64_t h) {
  uint64_t h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
  for (unsigned j = 0; j < k; ++j) {
    uint64_t b = (h1 + j * h2) % nbits;
    if (!(static_cast<uint8_t>(bits[b / 8]) >> (b % 8) & 1)) return false;
  }
  return true;
}

// The largest indexed affix length <= m, or 0.
inline size_t affix_length(size_t m) {
  size_t best = 0;
  for (size_t L : kAffixLengths)
    if (L <= m) best = L;
  return best;
}

}  // namespace

// Token keys are deduplicated by their hash (insert_key); before that, a direct-mapped cache of
// the builder's recent tokens (bytes compared exactly) skips the hashing and the probe of a
// token seen again, which is most of them: log lines repeat their words. Pairs have a cache of
// their own. The caches decide nothing about the filter's bytes (a hit stands for a key already
// in its set), except through the overflow of a set: a set at kMaxTokenKeys is dropped by the
// next insert_key, so the token cache keeps the geometry it always had (the same tokens reach
// insert_key as before) and a pair hit on a full pair set calls insert_key as a miss would.
constexpr size_t kCacheBits = 12;
constexpr size_t kCachedToken = 24;  // longer tokens go to the long-token cache or are hashed every time
constexpr size_t kPairCacheBits = 12;
// Tokens of kCachedToken + 1 to kLongCachedToken bytes: a cache of their own (added after the
// token cache's geometry became part of the format, so a hit on a full set calls insert_key as a
// miss would: see add_tokens). A repeated long token (a hex digest, a padded value) is
// otherwise hashed a word at a time (a serial chain of mix() calls) and looked up in its set on
// every line.
constexpr size_t kLongCacheBits = 10;
constexpr size_t kLongCachedToken = 64;
constexpr size_t kWordCacheBits = 12;

// A token of the line being added: where, its cache words and slot, and its pair with the
// previous token (separator at pair_a) if it has one.
struct TokenFilterBuilder::LineToken {
  uint32_t i, m, slot;
  bool has_pair;
  uint32_t pair_a, pair_shape, pair_slot;
  uint64_t head, mid, tail, pair_parts;
};

struct TokenFilterBuilder::Scratch {
  std::vector<uint64_t> bits;  // 2^24 bits, all zero while in the pool
  // The trigrams of three ASCII bytes again, 7 bits a byte: 2^21 bits (256 KiB, a core's L2
  // cache, where the 2 MiB map is not): add_trigrams tests an all-ASCII word's six trigrams here.
  // A trigram is set in both maps or in neither.
  std::vector<uint64_t> ascii_bits;
  // A token of up to kCachedToken bytes is exactly its length and three words: its first 8
  // bytes (zero-padded), bytes 8-16 (when longer than 16) and its last 8 (when longer than 8).
  struct Slot {
    uint32_t gen;
    uint32_t len;
    uint64_t head, mid, tail;
  };
  std::vector<Slot> tokens;  // valid when gen matches
  // A pair key is exactly its two parts (<= 4 bytes each, zero-padded) and, in `shape`, the
  // separator byte and the parts' lengths.
  struct PairSlot {
    uint32_t gen;
    uint32_t shape;
    uint64_t parts;
  };
  std::vector<PairSlot> pairs;
  // Version 4's long pairs: the first part's bytes, the second's (<= 6), and the shape.
  struct LongPairSlot {
    uint32_t gen;
    uint32_t shape;
    uint64_t a, b;
  };
  std::vector<LongPairSlot> long_pairs;
  // Tokens of 25-64 bytes: the length and the bytes, zero-padded to whole words.
  struct LongTokenSlot {
    uint32_t gen;
    uint32_t len;
    uint64_t words[kLongCachedToken / 8];
  };
  std::vector<LongTokenSlot> long_tokens;
  // A batch of the line's tokens (add_tokens): at most kBatch, whatever the line's length.
  static constexpr size_t kBatch = 256 + 64;
  LineToken batch[kBatch];
  uint32_t batch_ends[kBatch];
  uint32_t gen = 0;
  // Keys of a batch queued for insert_key, in order (add_tokens, key()): a pair, a long pair and
  // a whole token a token at most.
  struct Queued {
    uint64_t h;
    const char* token;  // the whole key's token (its affixes if the key is new), or null
    uint32_t m;
    TokenFilterBuilder::Class c;
  };
  Queued queued[3 * kBatch];
  size_t nqueued = 0;
  // All-ASCII 8-byte words of lines whose six trigrams add_trigrams has found or set in this
  // builder's maps, each or-ed with word_tag (the builder's word_gen in bit 7 of each byte, which
  // an ASCII word has clear): a word seen again costs one probe instead of six tests. The tags
  // are 1-255; the cache is zeroed when they wrap, so a tag names one builder of the pool.
  std::vector<uint64_t> words;
  uint64_t word_tag = 0;
  uint32_t word_gen = 0;
};

namespace {

// A thread's idle scratches (each 2 MiB + ~310 KiB): builders of one thread run one after the
// other (a chunk's columns), so one or two are enough.
constexpr size_t kPoolKeep = 2;
thread_local std::vector<std::unique_ptr<TokenFilterBuilder::Scratch>> t_pool;

// Bit i of out[i / 64]: p[i] is a token byte ([0-9A-Za-z] or >= 0x80). out holds n / 64 + 1
// words; the bits past n are clear.
void token_mask(const char* p, size_t n, uint64_t* out) {
  size_t w = 0;
#if defined(__SSE2__)
  const __m128i c0 = _mm_set1_epi8('0'), c9 = _mm_set1_epi8(9);
  const __m128i c20 = _mm_set1_epi8(0x20), ca = _mm_set1_epi8('a'), c25 = _mm_set1_epi8(25);
  auto block16 = [&](__m128i v) -> uint64_t {
    const __m128i d = _mm_sub_epi8(v, c0);
    const __m128i dig = _mm_cmpeq_epi8(_mm_min_epu8(d, c9), d);  // '0'..'9'
    const __m128i l = _mm_sub_epi8(_mm_or_si128(v, c20), ca);
    const __m128i let = _mm_cmpeq_epi8(_mm_min_epu8(l, c25), l);  // A-Z, a-z
    // Sign bits: the two tests, or the byte itself >= 0x80.
    return static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(dig, let), v)));
  };
  size_t i = 0;
  for (; i + 64 <= n; i += 64, ++w) {
    const __m128i* q = reinterpret_cast<const __m128i*>(p + i);
    out[w] = block16(_mm_loadu_si128(q)) | block16(_mm_loadu_si128(q + 1)) << 16 |
             block16(_mm_loadu_si128(q + 2)) << 32 | block16(_mm_loadu_si128(q + 3)) << 48;
  }
  alignas(16) char tail[64];
  std::memset(tail, 0, sizeof tail);  // 0 is not a token byte
  std::memcpy(tail, p + i, n - i);
  const __m128i* q = reinterpret_cast<const __m128i*>(tail);
  out[w] = block16(_mm_load_si128(q)) | block16(_mm_load_si128(q + 1)) << 16 |
           block16(_mm_load_si128(q + 2)) << 32 | block16(_mm_load_si128(q + 3)) << 48;
#else
  for (size_t i = 0; i < n; i += 64, ++w) {
    uint64_t m = 0;
    const size_t e = std::min<size_t>(64, n - i);
    for (size_t b = 0; b < e; ++b) m |= static_cast<uint64_t>(token_byte(static_cast<uint8_t>(p[i + b]))) << b;
    out[w] = m;
  }
  if (n % 64 == 0) out[w] = 0;
#endif
}

inline uint64_t load_u64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t load_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

TokenFilterBuilder::TokenFilterBuilder(TokenFilterOptions options) : options_(options) {
  std::unique_ptr<Scratch> s;
  if (!t_pool.empty()) {
    s = std::move(t_pool.back());
    t_pool.pop_back();
  } else {
    s = std::make_unique<Scratch>();
    s->bits.assign((size_t{1} << 24) / 64, 0);
    s->ascii_bits.assign((size_t{1} << 21) / 64, 0);
    s->tokens.assign(size_t{1} << kCacheBits, Scratch::Slot{0, 0, 0, 0, 0});
    s->pairs.assign(size_t{1} << kPairCacheBits, Scratch::PairSlot{0, 0, 0});
    s->long_pairs.assign(size_t{1} << kPairCacheBits, Scratch::LongPairSlot{0, 0, 0, 0});
    s->long_tokens.assign(size_t{1} << kLongCacheBits, Scratch::LongTokenSlot{0, 0, {}});
  }
  if (++s->word_gen == 256 || s->words.empty()) {
    s->words.assign(size_t{1} << kWordCacheBits, 0);
    s->word_gen = 1;
  }
  s->word_tag = 0;
  for (unsigned k = 0; k < 8; ++k)
    if (s->word_gen >> k & 1) s->word_tag |= uint64_t{1} << (8 * k + 7);
  if (++s->gen == 0) {  // wrapped: forget every slot
    for (auto& e : s->tokens) e.gen = 0;
    for (auto& e : s->pairs) e.gen = 0;
    for (auto& e : s->long_pairs) e.gen = 0;
    for (auto& e : s->long_tokens) e.gen = 0;
    s->gen = 1;
  }
  scratch_ = s.release();
}

TokenFilterBuilder::~TokenFilterBuilder() {
  std::unique_ptr<Scratch> s(scratch_);
  // Every set bit is in the list (unless it overflowed): clearing their words clears the map.
  if (list_overflow_) {
    std::fill(s->bits.begin(), s->bits.end(), 0);
    std::fill(s->ascii_bits.begin(), s->ascii_bits.end(), 0);
  } else {
    for (uint32_t t : distinct_) {
      s->bits[t / 64] = 0;
      if ((t & 0x808080u) == 0) s->ascii_bits[ascii_index(t) / 64] = 0;
    }
  }
  if (t_pool.size() < kPoolKeep) t_pool.push_back(std::move(s));
}

void TokenFilterBuilder::new_trigram(uint32_t t) {
  scratch_->bits[t / 64] |= uint64_t{1} << (t % 64);
  if ((t & 0x808080u) == 0) {
    const uint32_t a = ascii_index(t);
    scratch_->ascii_bits[a / 64] |= uint64_t{1} << (a % 64);
  }
  ++count_;
  if (list_overflow_) return;
  if (distinct_.size() < kMaxTrigramList) {
    distinct_.push_back(t);
  } else {
    list_overflow_ = true;
    std::vector<uint32_t>().swap(distinct_);
  }
}

// Bytes already folded if the filter folds. A trigram seen before costs one load and test; six
// trigrams come out of one 8-byte load.
void TokenFilterBuilder::add_trigrams(const char* p, size_t n) {
  if (n < 3) return;
  const uint64_t* words = scratch_->bits.data();
  auto test = [&](uint32_t t) {
    if (__builtin_expect(!(words[t / 64] >> (t % 64) & 1), 0)) new_trigram(t);
  };
  const uint64_t* ascii = scratch_->ascii_bits.data();
  uint64_t* seen = scratch_->words.data();
  const uint64_t tag = scratch_->word_tag;
  size_t i = 0;
  for (; i + 8 <= n; i += 6) {
    const uint64_t x = load_u64(p + i);
    if ((x & 0x8080808080808080ULL) == 0) {
      // A word whose trigrams this builder has (their bits are never cleared while it lives).
      uint64_t& w = seen[(x * 0x9e3779b97f4a7c15ULL) >> (64 - kWordCacheBits)];
      if (w == (x | tag)) continue;
      // Eight ASCII bytes: 7 bits each, packed into 56 bits; trigram k is bits [7k, 7k + 21).
      uint64_t y = (x & 0x007f007f007f007fULL) | (x & 0x7f007f007f007f00ULL) >> 1;
      y = (y & 0x00003fff00003fffULL) | (y & 0x3fff00003fff0000ULL) >> 2;
      y = (y & 0x000000000fffffffULL) | (y & 0x0fffffff00000000ULL) >> 4;
      for (unsigned k = 0; k < 6; ++k) {
        const uint32_t a = static_cast<uint32_t>(y >> (7 * k)) & 0x1fffff;
        if (__builtin_expect(!(ascii[a / 64] >> (a % 64) & 1), 0))
          new_trigram(static_cast<uint32_t>(x >> (8 * k)) & 0xffffff);
      }
      w = x | tag;
      continue;
    }
    test(static_cast<uint32_t>(x) & 0xffffff);
    test(static_cast<uint32_t>(x >> 8) & 0xffffff);
    test(static_cast<uint32_t>(x >> 16) & 0xffffff);
    test(static_cast<uint32_t>(x >> 24) & 0xffffff);
    test(static_cast<uint32_t>(x >> 32) & 0xffffff);
    test(static_cast<uint32_t>(x >> 40));
  }
  for (; i + 3 <= n; ++i) test(trigram(p + i));
}

// True if h was not in the class's set yet. Past kMaxTokenKeys the set is dropped for good
// (memory stays bounded; the filter then answers without that class).
bool TokenFilterBuilder::insert_key(uint64_t h, Class c) {
  KeySet& set = sets_[c];
  if (set.overflow) return false;
  std::vector<uint64_t>& keys = set.slots;
  if ((set.count + 1) * 2 > keys.size()) {
    if (set.count >= kMaxTokenKeys) {
      set.overflow = true;
      set.count = 0;
      std::vector<uint64_t>().swap(keys);
      return false;
    }
    std::vector<uint64_t> old;
    old.swap(keys);
    keys.assign(old.empty() ? 1024 : old.size() * 2, 0);
    const size_t mask = keys.size() - 1;
    for (uint64_t x : old)
      if (x) {
        size_t i = x & mask;
        while (keys[i]) i = (i + 1) & mask;
        keys[i] = x;
      }
  }
  const size_t mask = keys.size() - 1;
  size_t i = h & mask;
  while (keys[i]) {
    if (keys[i] == h) return false;
    i = (i + 1) & mask;
  }
  keys[i] = h;
  ++set.count;
  return true;
}

// A token's affix keys (after its whole key was new).
void TokenFilterBuilder::add_affixes(const char* p, size_t m, Class c) {
  for (size_t L : kAffixLengths) {
    if (L >= m) break;
    insert_key(key_hash(kPrefixKey, p, L), c);
    insert_key(key_hash(kSuffixKey, p + m - L, L), c);
  }
}

// insert_key(h, c) now, or queued (add_tokens: defer_) with a prefetch of its slot; `token`, m:
// the token whose affixes follow if h (its whole key) is new.
void TokenFilterBuilder::key(uint64_t h, Class c, const char* token, size_t m) {
  if (!defer_) {
    if (insert_key(h, c) && token != nullptr) add_affixes(token, m, c);
    return;
  }
  const std::vector<uint64_t>& slots = sets_[c].slots;
  if (!slots.empty()) __builtin_prefetch(&slots[h & (slots.size() - 1)]);
  scratch_->queued[scratch_->nqueued++] = Scratch::Queued{h, token, static_cast<uint32_t>(m), c};
}

// A token's keys: whole, and its affixes only the first time (most tokens repeat).
void TokenFilterBuilder::add_token(const char* p, size_t m) {
  const Class c = options_.version >= 3 && all_digits(p, m) ? kDigit : kText;
  key(key_hash(kWholeKey, p, m), c, m > kAffixLengths[0] ? p : nullptr, m);
}

// The low min(m, 8) bytes of a word.
inline uint64_t low_bytes(size_t m) { return m >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * m)) - 1; }

void TokenFilterBuilder::add_pair(const char* p, const LineToken& t) {
  Scratch& s = *scratch_;
  Scratch::PairSlot& e = s.pairs[t.pair_slot];
  if (e.gen == s.gen && e.shape == t.pair_shape && e.parts == t.pair_parts) {
    // The key is in the set already; a full set is dropped on any insert_key, as without the cache.
    if (sets_[kPair].count >= kMaxTokenKeys) insert_key(1, kPair);
    return;
  }
  const size_t am = (t.pair_shape >> 8) & 0xff, bm = t.pair_shape >> 16;
  key(pair_hash(p + t.pair_a - am, am, p[t.pair_a], p + t.i, bm), kPair);
  e.gen = s.gen;
  e.shape = t.pair_shape;
  e.parts = t.pair_parts;
}

// Version 4: the pair's long key (the second token of more than 4 bytes, its first <= 6), through
// a cache of recent long pairs as add_pair's.
void TokenFilterBuilder::add_long_pair(const char* p, const LineToken& t) {
  Scratch& s = *scratch_;
  const size_t am = (t.pair_shape >> 8) & 0xff, bm = std::min<size_t>(t.m, kLongPairPart);
  const uint64_t av = t.pair_parts & 0xffffffffu, bv = load_u64(p + t.i) & low_bytes(bm);
  const uint32_t shape = (t.pair_shape & 0xffffu) | static_cast<uint32_t>(bm) << 16;
  const uint64_t h = (bv ^ (av * 0xc2b2ae3d27d4eb4fULL) ^ (uint64_t{shape} * 0x165667b19e3779f9ULL)) * 0x9e3779b97f4a7c15ULL;
  Scratch::LongPairSlot& e = s.long_pairs[h >> (64 - kPairCacheBits)];
  if (e.gen == s.gen && e.shape == shape && e.a == av && e.b == bv) return;
  key(pair_hash(p + t.pair_a - am, am, p[t.pair_a], p + t.i, bm, kLongPairKey), kLongPair);
  e.gen = s.gen;
  e.shape = shape;
  e.a = av;
  e.b = bv;
}

// Two passes over a batch of a line's tokens (up to 256): the first finds them (bit masks of
// token bytes, of token starts and of token ends) and their cache slots, and prefetches the
// slots; the second probes the caches in the line's order, as one pass did, the slots' memory
// latency overlapped. p has 8 readable bytes before p[0] and 16 after p[n - 1] (add()).
void TokenFilterBuilder::add_tokens(const char* p, size_t n) {
  const bool v2 = options_.version < 3;
  if (v2 && sets_[kAll].overflow) return;
  if (n == 0) return;
  const bool pairs = !v2 && !sets_[kPair].overflow;
  const bool long_pairs = options_.version >= 4 && !sets_[kLongPair].overflow;
  Scratch& s = *scratch_;
  const size_t nw = n / 64 + 1;
  if (mask_.size() < nw) mask_.resize(nw);
  uint64_t* mask = mask_.data();
  token_mask(p, n, mask);
  LineToken* toks = s.batch;
  uint32_t* ends = s.batch_ends;
  size_t prev_i = 0, prev_j = SIZE_MAX - 1;  // the previous token (of this batch or the last)
  // The mask's bits past n are clear, so every token ends. Tokens [0, ne) of the batch are
  // [toks[k].i, ends[k]); toks[ne].i may start an open one.
  size_t ns = 0, ne = 0;
  uint64_t carry = 0;
  for (size_t w = 0; w < nw; ++w) {
    const uint64_t mw = mask[w], before = mw << 1 | carry;
    carry = mw >> 63;
    for (uint64_t st = mw & ~before; st; st &= st - 1)
      toks[ns++].i = static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(st)));
    for (uint64_t en = ~mw & before; en; en &= en - 1)
      ends[ne++] = static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(en)));
    // A word adds at most 32 starts: room for the next one, else run the batch.
    if (ns + 32 <= Scratch::kBatch && w + 1 < nw) continue;
    for (size_t k = 0; k < ne; ++k) {
      LineToken& t = toks[k];
      const size_t i = t.i, j = ends[k], m = j - i;
      t.m = static_cast<uint32_t>(m);
      t.has_pair = false;
      if ((pairs || long_pairs) && prev_j + 1 == i) {
        // The pair of the previous token and this one: the previous token's last <= 4 bytes,
        // the separator, this token's first <= 4 bytes. Only where the first part holds a
        // non-digit: `bb84.7007`, `ders/1000`, `api/v1`. A number followed by a word (`0002
        // HTTP`, `945 UTC`, `049 ms`) or by a number (timestamps, IP addresses) carries the
        // number's entropy into a key no id needle needs: on the nginx access log they were two
        // thirds of the pairs.
        const size_t am = std::min(prev_j - prev_i, kPairPart), bm = std::min(m, kPairPart);
        if (!all_digits(p + prev_j - am, am)) {
          const uint64_t av = load_u32(p + prev_j - 4) >> (8 * (4 - am));  // p[-4, 0) readable
          const uint64_t bv = load_u32(p + i) & low_bytes(bm);
          t.has_pair = true;
          t.pair_a = static_cast<uint32_t>(prev_j);
          t.pair_parts = av | bv << 32;
          t.pair_shape = static_cast<uint32_t>(static_cast<uint8_t>(p[prev_j])) | static_cast<uint32_t>(am) << 8 |
                         static_cast<uint32_t>(bm) << 16;
          const uint64_t h = (t.pair_parts ^ (uint64_t{t.pair_shape} * 0xc2b2ae3d27d4eb4fULL)) * 0x9e3779b97f4a7c15ULL;
          t.pair_slot = static_cast<uint32_t>(h >> (64 - kPairCacheBits));
          __builtin_prefetch(&s.pairs[t.pair_slot]);
        }
      }
      prev_i = i;
      prev_j = j;
      if (m > kLongCachedToken) continue;
      // The cache words: the first min(m, 8) bytes zero-padded; bytes 8-16 if m > 16; the last
      // 8 if m > 8 (loads past the token stay inside the padded line).
      t.head = load_u64(p + i) & low_bytes(m);
      t.tail = m > 8 ? load_u64(p + j - 8) : 0;
      t.mid = m > 16 ? load_u64(p + i + 8) : 0;
      const uint64_t h = (t.head ^ (t.tail * 0xc2b2ae3d27d4eb4fULL) ^ m) * 0x9e3779b97f4a7c15ULL;
      if (m <= kCachedToken) {
        t.slot = static_cast<uint32_t>(h >> (64 - kCacheBits));
        __builtin_prefetch(&s.tokens[t.slot]);
      } else {
        t.slot = static_cast<uint32_t>(h >> (64 - kLongCacheBits));
        __builtin_prefetch(&s.long_tokens[t.slot]);
        __builtin_prefetch(reinterpret_cast<const char*>(&s.long_tokens[t.slot]) + 8 + m - 1);
      }
    }
    // The keys of the batch's cache misses are queued and inserted after the batch, each set's
    // slot prefetched when queued, so that the misses of new keys overlap. The same insert_key
    // calls in the same order, unless a set could fill up within the batch: whether a set at
    // kMaxTokenKeys is dropped depends on the calls after it filled (add_pair), so then each
    // key goes in at once, as does version 2 (its set's overflow ends the line).
    size_t most = 0;
    for (const KeySet& set : sets_) most = std::max(most, set.count);
    defer_ = !v2 && most + 11 * ne < kMaxTokenKeys;
    s.nqueued = 0;
    for (size_t k = 0; k < ne; ++k) {
      const LineToken& t = toks[k];
      if (t.has_pair) {
        add_pair(p, t);
        // Version 4: the same pair with the second token's first <= 6 bytes (`ders/100002`:
        // 4 bytes cannot tell the order ids 100002 and 100023 apart).
        if (long_pairs && t.m > kPairPart) add_long_pair(p, t);
      }
      if (t.m <= kCachedToken) {
        Scratch::Slot& e = s.tokens[t.slot];
        if (e.gen == s.gen && e.len == t.m && e.head == t.head && e.tail == t.tail && e.mid == t.mid) continue;
        add_token(p + t.i, t.m);
        if (v2 && sets_[kAll].overflow) return;
        e.gen = s.gen;
        e.len = t.m;
        e.head = t.head;
        e.mid = t.mid;
        e.tail = t.tail;
      } else if (t.m <= kLongCachedToken) {
        Scratch::LongTokenSlot& e = s.long_tokens[t.slot];
        const size_t nw = (t.m + 7) / 8;
        const char* q = p + t.i;
        bool hit = e.gen == s.gen && e.len == t.m;
        for (size_t w = 0; hit && w + 1 < nw; ++w) hit = e.words[w] == load_u64(q + 8 * w);
        if (hit && e.words[nw - 1] == (load_u64(q + 8 * (nw - 1)) & low_bytes(t.m - 8 * (nw - 1)))) {
          // The token's keys are in their set already. A full set is dropped on any insert_key,
          // as it was when every long token reached insert_key (the cache is newer than the
          // format): the token's class is the one add_token would use.
          if (sets_[kText].count >= kMaxTokenKeys || sets_[kDigit].count >= kMaxTokenKeys) {
            const Class c = !v2 && all_digits(q, t.m) ? kDigit : kText;
            if (sets_[c].count >= kMaxTokenKeys) insert_key(1, c);
            if (v2 && sets_[kAll].overflow) return;
          }
          continue;
        }
        add_token(q, t.m);
        if (v2 && sets_[kAll].overflow) return;
        e.gen = s.gen;
        e.len = t.m;
        for (size_t w = 0; w + 1 < nw; ++w) e.words[w] = load_u64(q + 8 * w);
        e.words[nw - 1] = load_u64(q + 8 * (nw - 1)) & low_bytes(t.m - 8 * (nw - 1));
      } else {
        add_token(p + t.i, t.m);
        if (v2 && sets_[kAll].overflow) return;
      }
    }
    if (defer_) {
      defer_ = false;
      for (size_t q = 0; q < s.nqueued; ++q) {
        const Scratch::Queued& e = s.queued[q];
        if (insert_key(e.h, e.c) && e.token != nullptr) add_affixes(e.token, e.m, e.c);
      }
    }
    if (ns > ne) toks[0].i = toks[ne].i;  // the open token
    ns -= ne;
    ne = 0;
  }
}

void TokenFilterBuilder::add(std::string_view line) {
  const char* p = line.data();
  const size_t n = line.size();
  if (options_.version == 1 && !options_.fold_case) {
    add_trigrams(p, n);
    return;
  }
  // The line (ASCII-folded if the filter folds) into a buffer with 8 zero bytes before it and
  // 16 after it, for the word loads of add_tokens.
  std::vector<char>& buf = line_;
  if (buf.size() < n + 24) buf.resize(n + 24);
  char* f = buf.data() + 8;
  std::memset(buf.data(), 0, 8);
  if (options_.fold_case) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t x;
      std::memcpy(&x, p + i, 8);
      x = fold8(x);
      std::memcpy(f + i, &x, 8);
    }
    for (; i < n; ++i) f[i] = static_cast<char>(fold(static_cast<uint8_t>(p[i])));
  } else if (n) {
    std::memcpy(f, p, n);
  }
  std::memset(f + n, 0, 16);
  add_trigrams(f, n);
  if (options_.version != 1) add_tokens(f, n);
}

template <typename F>
void TokenFilterBuilder::for_each_distinct(F&& f) const {
  if (!list_overflow_) {
    for (uint32_t x : distinct_) f(x);
    return;
  }
  const std::vector<uint64_t>& bits = scratch_->bits;
  for (size_t wi = 0; wi < bits.size(); ++wi)
    for (uint64_t w = bits[wi]; w; w &= w - 1)
      f(static_cast<uint32_t>(wi * 64 + static_cast<size_t>(__builtin_ctzll(w))));
}

size_t TokenFilterBuilder::distinct_trigrams() const { return count_; }

size_t TokenFilterBuilder::distinct_token_keys() const {
  size_t n = 0;
  for (const KeySet& k : sets_) n += k.overflow ? 0 : k.count;
  return n;
}

std::string TokenFilterBuilder::finish_v1(size_t max_bytes) const {
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

std::string TokenFilterBuilder::finish(size_t max_bytes) const {
  if (options_.version == 1) return finish_v1(max_bytes);
  if (options_.version >= 3) return finish_v3(max_bytes);
  size_t tokens = distinct_token_keys();
  const size_t trigrams = distinct_trigrams();
  if (trigrams + tokens == 0) return std::string();
  auto words_for = [&](size_t keys) {
    double bits_wanted = std::max(1.0, options_.bits_per_key) * static_cast<double>(keys);
    size_t w = static_cast<size_t>(std::ceil(bits_wanted / 64));
    if (max_bytes != SIZE_MAX) w = std::min(w, std::max<size_t>(1, (max_bytes - std::min(max_bytes, kV2Header)) / 8));
    return std::max<size_t>(w, 1);
  };
  size_t words = words_for(trigrams + tokens);
  // Squeezed by the budget (small chunks): trigrams alone, as version 1 did (on 1,000 lines of
  // random hex words a 250-byte filter of tokens passed every chunk, one of trigrams 3 of 5).
  if (tokens && trigrams &&
      static_cast<double>(words * 64) < options_.min_bits_per_token_key * static_cast<double>(trigrams + tokens)) {
    tokens = 0;
    words = words_for(trigrams);
  }
  const size_t count = trigrams + tokens;
  const uint64_t nbits = words * 64;
  double per = static_cast<double>(nbits) / static_cast<double>(count);
  unsigned k = static_cast<unsigned>(std::lround(per * 0.6931));
  k = std::max(1u, std::min(kMaxProbesV2, k));
  std::vector<uint64_t> bits(words, 0);
  auto set = [&](uint64_t h) {
    uint64_t h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
    for (unsigned j = 0; j < k; ++j) {
      uint64_t b = (h1 + j * h2) % nbits;
      bits[b / 64] |= uint64_t{1} << (b % 64);
    }
  };
  for_each_distinct([&](uint32_t tri) { set(trigram_key(tri)); });
  if (tokens)
    for (uint64_t h : sets_[kAll].slots)
      if (h) set(h);
  std::string out;
  put_u8(out, static_cast<uint8_t>(kVersion2 | (options_.fold_case ? kFolded : 0)));
  put_u8(out, static_cast<uint8_t>(k));
  put_u8(out, tokens ? kHasTokens : 0);
  for (uint64_t w : bits) put_u64le(out, w);
  return out;
}


// Version 3: two Bloom filters, one of trigrams and one of token keys. Sized at bits_per_key a
// key when the budget allows. Otherwise the trigrams get trigram_bits_squeezed a trigram (a
// needle has many trigrams and most of them are in every chunk of its stream: they tell
// streams apart, not ids, so their false positives matter less), and each class (text tokens,
// pairs, digit tokens) goes into the token filter while every key keeps min_bits_per_key
// bits; what the token filter does not need goes back to the trigrams. A chunk's budget is at
// least min(min_bytes, the ideal size): a small chunk (the tail of a stream) costs little to
// read but counts as a chunk read, and a 75-byte filter passes everything.
std::string TokenFilterBuilder::finish_v3(size_t max_bytes) const {
  const size_t trigrams = distinct_trigrams();
  // The classes in the order they are admitted (version 4: long pairs before digit tokens).
  const bool v4 = options_.version >= 4;
  const int ncls = v4 ? 4 : 3;
  const Class order[4] = {kText, kPair, v4 ? kLongPair : kDigit, kDigit};
  const uint8_t flag_of[4] = {kHasText, kHasPairs, v4 ? kHasLongPairs : kHasDigits, kHasDigits};
  size_t cls[4] = {0, 0, 0, 0};
  for (int c = 0; c < ncls; ++c) cls[c] = sets_[order[c]].overflow ? 0 : sets_[order[c]].count;
  if (trigrams + cls[0] + cls[1] + cls[2] + cls[3] == 0) return std::string();
  const double per_key = std::max(1.0, options_.bits_per_key);
  auto words_of = [&](double keys, double per) { return static_cast<size_t>(std::ceil(per * keys / 64)); };
  const size_t ideal_tri = std::max<size_t>(1, words_of(static_cast<double>(trigrams), per_key));
  const size_t ideal_tok = words_of(static_cast<double>(cls[0] + cls[1] + cls[2] + cls[3]), per_key);
  if (max_bytes != SIZE_MAX) {
    const size_t floor = std::min(options_.min_bytes, kV3Header + 8 * (ideal_tri + ideal_tok));
    max_bytes = std::max(max_bytes, floor);
  }
  const size_t budget = max_bytes == SIZE_MAX ? SIZE_MAX : (max_bytes - std::min(max_bytes, kV3Header)) / 8;
  size_t tri_words = ideal_tri, tok_words = ideal_tok;
  uint8_t flags = 0;
  size_t tok_keys = 0;
  if (tri_words + tok_words <= budget) {
    for (int c = 0; c < ncls; ++c)
      if (cls[c]) flags |= flag_of[c];
    tok_keys = cls[0] + cls[1] + cls[2] + cls[3];
  } else {
    const size_t tri_floor = std::max<size_t>(1, words_of(static_cast<double>(trigrams), options_.trigram_bits_squeezed));
    const double room = budget > tri_floor ? static_cast<double>((budget - tri_floor) * 64) : 0;
    for (int c = 0; c < ncls; ++c) {
      if (cls[c] == 0) continue;
      if (static_cast<double>(tok_keys + cls[c]) * options_.min_bits_per_key > room) continue;
      tok_keys += cls[c];
      flags |= flag_of[c];
    }
    tok_words = tok_keys == 0 ? 0 : std::min(words_of(static_cast<double>(tok_keys), per_key), budget - tri_floor);
    tri_words = std::max<size_t>(1, std::min(ideal_tri, budget - std::min(budget, tok_words)));
  }
  auto probes_for = [&](size_t words, size_t keys) {
    double per = static_cast<double>(words * 64) / static_cast<double>(std::max<size_t>(keys, 1));
    unsigned k = static_cast<unsigned>(std::lround(per * 0.6931));
    return std::max(1u, std::min(kMaxProbesV2, k));
  };
  const unsigned k_tri = probes_for(tri_words, trigrams);
  const unsigned k_tok = tok_words ? probes_for(tok_words, tok_keys) : 0;
  std::vector<uint64_t> bits(tri_words + tok_words, 0);
  auto set = [&](uint64_t* w, uint64_t nbits, unsigned k, uint64_t h) {
    uint64_t h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
    for (unsigned j = 0; j < k; ++j) {
      uint64_t b = (h1 + j * h2) % nbits;
      w[b / 64] |= uint64_t{1} << (b % 64);
    }
  };
  for_each_distinct([&](uint32_t tri) { set(bits.data(), tri_words * 64, k_tri, trigram_key(tri)); });
  for (int c = 0; c < ncls; ++c)
    if (flags & flag_of[c])
      for (uint64_t h : sets_[order[c]].slots)
        if (h) set(bits.data() + tri_words, tok_words * 64, k_tok, h);
  std::string out;
  out.reserve(kV3Header + bits.size() * 8);
  put_u8(out, static_cast<uint8_t>((v4 ? kVersion4 : kVersion3) | (options_.fold_case ? kFolded : 0)));
  put_u8(out, static_cast<uint8_t>(k_tri));
  put_u8(out, flags);
  put_u8(out, static_cast<uint8_t>(k_tok));
  put_u32le(out, static_cast<uint32_t>(tri_words));
  for (uint64_t w : bits) put_u64le(out, w);
  return out;
}

namespace {

bool is_v2(std::string_view filter) { return (static_cast<uint8_t>(filter[0]) & ~kFolded) == kVersion2; }
bool is_v3(std::string_view filter) { return (static_cast<uint8_t>(filter[0]) & ~kFolded) == kVersion3; }
bool is_v4(std::string_view filter) { return (static_cast<uint8_t>(filter[0]) & ~kFolded) == kVersion4; }

}  // namespace

int token_filter_version(std::string_view filter) {
  if (filter.empty()) return 0;
  return is_v4(filter) ? 4 : is_v3(filter) ? 3 : is_v2(filter) ? 2 : 1;
}

unsigned token_filter_classes(std::string_view filter) {
  return filter.size() >= kV3Header && (is_v3(filter) || is_v4(filter)) ? static_cast<uint8_t>(filter[2]) : 0;
}

void token_filter_check(std::string_view filter) {
  if (filter.empty()) return;
  if (is_v3(filter) || is_v4(filter)) {
    const uint8_t known = kHasText | kHasPairs | kHasDigits | (is_v4(filter) ? kHasLongPairs : 0);
    if (filter.size() < kV3Header + 8 || (filter.size() - kV3Header) % 8 != 0) corrupt("token filter");
    const unsigned k_tri = static_cast<uint8_t>(filter[1]), k_tok = static_cast<uint8_t>(filter[3]);
    const uint8_t flags = static_cast<uint8_t>(filter[2]);
    const uint64_t tri_words = get_u32(filter.data() + 4);
    const uint64_t words = (filter.size() - kV3Header) / 8;
    if (k_tri == 0 || k_tri > kMaxProbesV2 || (flags & ~known) != 0 || tri_words == 0 ||
        tri_words > words || (flags == 0) != (k_tok == 0) || k_tok > kMaxProbesV2 || (flags == 0) != (tri_words == words))
      corrupt("token filter");
    return;
  }
  if (is_v2(filter)) {
    if (filter.size() < kV2Header + 8 || (filter.size() - kV2Header) % 8 != 0) corrupt("token filter");
    unsigned k = static_cast<uint8_t>(filter[1]);
    if (k == 0 || k > kMaxProbesV2 || (static_cast<uint8_t>(filter[2]) & ~kHasTokens) != 0) corrupt("token filter");
    return;
  }
  unsigned k = static_cast<uint8_t>(filter[0]) & ~kFolded;
  if (k == 0 || k > 16 || (filter.size() - 1) % 8 != 0 || filter.size() < 9)
    corrupt("token filter");
}

namespace {

bool may_contain_v1(std::string_view filter, std::string_view needle, bool case_insensitive) {
  if (needle.size() < 3) return true;
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

// The needle as a filter of this case folding holds it: its bytes, folded into `buf` when needed.
const char* needle_bytes(std::string_view needle, bool folded, std::string* buf) {
  if (!folded) return needle.data();
  buf->resize(needle.size());
  for (size_t i = 0; i < needle.size(); ++i) (*buf)[i] = static_cast<char>(fold(static_cast<uint8_t>(needle[i])));
  return buf->data();
}

// Calls visit(i, j) for every token run p[i, j) of the needle, in order, while it returns true;
// false when a visit did.
template <typename Visit>
bool for_each_needle_token(const char* p, size_t n, Visit visit) {
  size_t i = 0;
  while (i < n) {
    if (!token_byte(static_cast<uint8_t>(p[i]))) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < n && token_byte(static_cast<uint8_t>(p[j]))) ++j;
    if (!visit(i, j)) return false;
    i = j;
  }
  return true;
}

bool may_contain_v2(std::string_view filter, std::string_view needle, bool case_insensitive) {
  bool folded = static_cast<uint8_t>(filter[0]) & kFolded;
  if (case_insensitive && !folded) return true;
  const unsigned k = static_cast<uint8_t>(filter[1]);
  const bool tokens = static_cast<uint8_t>(filter[2]) & kHasTokens;
  const char* bits = filter.data() + kV2Header;
  const uint64_t nbits = (filter.size() - kV2Header) * 8;
  std::string f;
  const char* p = needle_bytes(needle, folded, &f);
  const size_t n = needle.size();
  // Token keys first: they are the selective ones.
  if (tokens && !for_each_needle_token(p, n, [&](size_t i, size_t j) {
        const size_t m = j - i;
        const bool left = i > 0, right = j < n;  // a separator inside the needle on that side
        if (left && right) {
          // The line's token is exactly this one.
          return probe_v2(bits, nbits, k, key_hash(kWholeKey, p + i, m));
        }
        if (left || right) {
          // left: the start of a token (its prefix); right: the end of a token (its suffix).
          // The token is this run or longer: whole, or its affix of length L < its length.
          size_t L = affix_length(m);
          if (L != 0) {
            const char* a = left ? p + i : p + j - L;
            return probe_v2(bits, nbits, k, key_hash(left ? kPrefixKey : kSuffixKey, a, L)) ||
                   (L == m && probe_v2(bits, nbits, k, key_hash(kWholeKey, a, L)));
          }
        }
        return true;
      }))
    return false;
  for (size_t i = 0; i + 3 <= n; ++i)
    if (!probe_v2(bits, nbits, k, trigram_key(trigram(p + i)))) return false;
  return true;
}


// Version 3: as version 2, each key probed only where its classes are present, and pair keys.
bool may_contain_v3(std::string_view filter, std::string_view needle, bool case_insensitive) {
  bool folded = static_cast<uint8_t>(filter[0]) & kFolded;
  if (case_insensitive && !folded) return true;
  const unsigned k_tri = static_cast<uint8_t>(filter[1]), k_tok = static_cast<uint8_t>(filter[3]);
  const uint8_t flags = static_cast<uint8_t>(filter[2]);
  const bool text = flags & kHasText, pairs = flags & kHasPairs, digits = flags & kHasDigits;
  const bool long_pairs = flags & kHasLongPairs;  // version 4
  const uint64_t tri_words = get_u32(filter.data() + 4);
  const char* tri_bits = filter.data() + kV3Header;
  const char* tok_bits = tri_bits + tri_words * 8;
  const uint64_t tri_nbits = tri_words * 64, tok_nbits = (filter.size() - kV3Header) * 8 - tri_nbits;
  std::string f;
  const char* p = needle_bytes(needle, folded, &f);
  const size_t n = needle.size();
  auto probe = [&](uint64_t h) { return probe_v2(tok_bits, tok_nbits, k_tok, h); };
  size_t prev_i = 0, prev_j = SIZE_MAX - 1;
  if ((text || pairs || digits || long_pairs) && !for_each_needle_token(p, n, [&](size_t i, size_t j) {
        const size_t m = j - i;
        const bool left = i > 0, right = j < n;  // a separator inside the needle on that side
        const bool dig = all_digits(p + i, m);
        if (left && right) {
          // The line's token is exactly this one: its class is known.
          if ((dig ? digits : text) && !probe(key_hash(kWholeKey, p + i, m))) return false;
        } else if (left || right) {
          // A longer line token may hold letters even if this part is all digits.
          size_t L = affix_length(m);
          if (L != 0 && (dig ? digits && text : text)) {
            const char* a = left ? p + i : p + j - L;
            bool ok = probe(key_hash(left ? kPrefixKey : kSuffixKey, a, L)) ||
                      (L == m && probe(key_hash(kWholeKey, a, L)));
            if (!ok) return false;
          }
        }
        if ((pairs || long_pairs) && prev_j + 1 == i) {
          // The previous token ends the line's token at prev_j; this one starts the next.
          const size_t pm = prev_j - prev_i;
          const bool a_known = prev_i > 0 || pm >= kPairPart;
          const bool b_known = right || m >= kPairPart;
          const size_t am = std::min(pm, kPairPart);
          const char* a = p + prev_j - am;
          if (a_known && !all_digits(a, am)) {
            if (pairs && b_known && !probe(pair_hash(a, am, p[prev_j], p + i, std::min(m, kPairPart)))) return false;
            // The line's second token has more than 4 bytes and these are its first <= 6.
            if (long_pairs && (m >= kLongPairPart || (right && m > kPairPart)) &&
                !probe(pair_hash(a, am, p[prev_j], p + i, std::min(m, kLongPairPart), kLongPairKey)))
              return false;
          }
        }
        prev_i = i;
        prev_j = j;
        return true;
      }))
    return false;
  for (size_t i = 0; i + 3 <= n; ++i)
    if (!probe_v2(tri_bits, tri_nbits, k_tri, trigram_key(trigram(p + i)))) return false;
  return true;
}

}  // namespace

bool token_filter_may_contain(std::string_view filter, std::string_view needle,
                              bool case_insensitive) {
  if (filter.empty()) return true;
  token_filter_check(filter);
  if (is_v3(filter) || is_v4(filter)) return may_contain_v3(filter, needle, case_insensitive);
  if (is_v2(filter)) return may_contain_v2(filter, needle, case_insensitive);
  return may_contain_v1(filter, needle, case_insensitive);
}

}  // namespace observe::codec
