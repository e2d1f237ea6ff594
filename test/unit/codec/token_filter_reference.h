// The token filter builder as it was before the single-pass rewrite (commit 48a0ed7,
// src/core/codec/token_filter.{h,cpp}), kept verbatim (namespace renamed, query side left
// out) as the reference the new builder's bytes are compared with: the filter's format and
// its keys are stored, so the rewrite must produce the same bytes for the same lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace observe::codec::reference {

struct TokenFilterOptions {
  bool fold_case = false;         // ASCII A-Z as a-z, in the filter and the needles
  double bits_per_trigram = 10;   // version 1 only
  double bits_per_key = 16;       // version 2, before the byte budget of finish()
  // Version 2: when the byte budget leaves fewer bits a key than this with the token keys,
  // the filter holds the trigrams only (a crowded filter of tokens passes more chunks than
  // a roomy one of trigrams: see finish()).
  double min_bits_per_token_key = 6;
  // Version 3: a key class goes into the token filter only if every token key then keeps this
  // many bits (Bloom false positives ~2 % a key at 8 bits, ~0.5 % at 11).
  double min_bits_per_key = 8;
  // Version 3: bits a trigram when the budget cannot give every key bits_per_key.
  double trigram_bits_squeezed = 3;
  // Version 3: a filter may take at least min(this, its size at bits_per_key a key) bytes,
  // whatever the budget of finish(): see finish_v3(). 0: the budget only.
  size_t min_bytes = 1024;  // the log chunks: min(4 KiB, half the payload), chunk_format.cpp
  int version = 3;                // 1, 2: the old layouts (tests of old chunks)
};

// Token prefix/suffix lengths indexed (a needle's edge token of length m uses the
// largest L <= m; shorter edge tokens have their trigrams only). No 4: on the log
// recording, 4-byte affixes of numbers doubled the keys of a chunk and, the filter being
// at its byte budget, let `orders/100002` through 13 chunks of 177 instead of 4.
inline constexpr size_t kAffixLengths[] = {6, 8, 12, 16};  // as the builder under test

class TokenFilterBuilder {
 public:
  explicit TokenFilterBuilder(TokenFilterOptions options = {});
  ~TokenFilterBuilder();
  TokenFilterBuilder(const TokenFilterBuilder&) = delete;
  TokenFilterBuilder& operator=(const TokenFilterBuilder&) = delete;
  void add(std::string_view line);
  size_t distinct_trigrams() const;
  // Distinct token keys (whole tokens, prefixes, suffixes); 0 with version 1 or
  // once there were more than kMaxTokenKeys (the filter then holds trigrams only).
  size_t distinct_token_keys() const;
  // Version 3: distinct keys of each class (text tokens, pairs, digit tokens).
  size_t distinct_text_keys() const { return sets_[kText].overflow ? 0 : sets_[kText].count; }
  size_t distinct_pair_keys() const { return sets_[kPair].overflow ? 0 : sets_[kPair].count; }
  size_t distinct_digit_keys() const { return sets_[kDigit].overflow ? 0 : sets_[kDigit].count; }
  static constexpr size_t kMaxTokenKeys = size_t{1} << 20;
  // Version 2 layout: u8 0x40 (| 0x80 if case-folded) | u8 probes | u8 flags
  // (1: token keys present) | the bit array (a multiple of 8 bytes, little-endian
  // words). Version 3: u8 0x20 (| 0x80) | u8 trigram probes | u8 classes (1: text tokens,
  // 2: pairs, 4: digit tokens) | u8 token probes (0 without classes) | u32 LE trigram words |
  // the trigram bit array | the token bit array. At most max(16, max_bytes, the min_bytes
  // floor) bytes; empty if no key was added.
  std::string finish(size_t max_bytes = SIZE_MAX) const;

  struct Scratch;  // per-thread reusable working memory (token_filter.cpp)

 private:
  void add_trigrams(const char* p, size_t n, bool fold);
  void add_tokens(const char* p, size_t n);
  void add_token(const char* p, size_t m);
  void add_pair(const char* a, size_t am, char sep, const char* b, size_t bm);
  enum Class { kText = 0, kPair = 1, kDigit = 2, kAll = 0 };  // version 2: one set, kAll
  struct KeySet {
    std::vector<uint64_t> slots;  // open addressing, 0 = empty
    size_t count = 0;
    bool overflow = false;
  };
  bool insert_key(uint64_t h, Class c = kAll);
  template <typename F>
  void for_each_distinct(F&& f) const;
  std::string finish_v1(size_t max_bytes) const;
  std::string finish_v3(size_t max_bytes) const;

  TokenFilterOptions options_;
  // Distinct trigrams: one bit per possible trigram (2 MiB) plus the list of those set, in a
  // scratch reused by the builders of a thread (clearing only the bits its list names), so a
  // chunk neither zeroes, faults in nor scans 2 MiB, nor sorts. Past kMaxTrigramList distinct
  // trigrams the list is dropped and finish() scans the bitmap: memory stays bounded.
  Scratch* scratch_ = nullptr;
  std::vector<uint32_t> distinct_;
  size_t count_ = 0;
  bool list_overflow_ = false;
  static constexpr size_t kMaxTrigramList = size_t{1} << 20;
  // Distinct token key hashes by class (version 2: all in sets_[kAll]), at most
  // kMaxTokenKeys each; a set past it is dropped and its class left out of the filter.
  KeySet sets_[3];
  std::string folded_;  // scratch
};

}  // namespace observe::codec::reference
