// A Bloom filter per chunk of log lines, so a line filter (`|= "needle"`,
// LIKE '%needle%') can skip chunks in which no line can contain the needle.
//
// Version 2 (written now) holds, in one Bloom filter, three kinds of keys:
//  - the byte trigrams of the lines (any needle of 3+ bytes: all its trigrams);
//  - the whole tokens of the lines (maximal runs of [A-Za-z0-9] and bytes >= 0x80);
//  - the first and last L bytes of every token longer than L, L in kAffixLengths.
// A needle is a substring: its inner tokens (a separator on both sides inside the
// needle) must be whole tokens of a line, its last token a token's prefix and its
// first token a token's suffix; a needle that is one token has only its trigrams.
// Trigrams alone cannot tell `orders/100002` from `orders/100003` (every trigram of
// an id is in every chunk of ids); a whole token or a 6-byte prefix can. Sized from
// the distinct keys at bits_per_key (16: ~0.05% false positives a key), shrunk to
// the byte budget of finish().
//
// Version 1 (old chunks, still read): trigrams only; byte 0 = probes | 0x80 if
// case-folded, then the bit array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace observe::codec {

struct TokenFilterOptions {
  bool fold_case = false;         // ASCII A-Z as a-z, in the filter and the needles
  double bits_per_trigram = 10;   // version 1 only
  double bits_per_key = 16;       // version 2, before the byte budget of finish()
  // Version 2: when the byte budget leaves fewer bits a key than this with the token keys,
  // the filter holds the trigrams only (a crowded filter of tokens passes more chunks than
  // a roomy one of trigrams: see finish()).
  double min_bits_per_token_key = 6;
  int version = 2;                // 1: the old trigram-only layout (tests of old chunks)
};

// Token prefix/suffix lengths indexed (a needle's edge token of length m uses the
// largest L <= m; shorter edge tokens have their trigrams only). No 4: on the log
// recording, 4-byte affixes of numbers doubled the keys of a chunk and, the filter being
// at its byte budget, let `orders/100002` through 13 chunks of 177 instead of 4.
inline constexpr size_t kAffixLengths[] = {6, 8, 12, 16};

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
  static constexpr size_t kMaxTokenKeys = size_t{1} << 20;
  // Version 2 layout: u8 0x40 (| 0x80 if case-folded) | u8 probes | u8 flags
  // (1: token keys present) | the bit array (a multiple of 8 bytes, little-endian
  // words). At most max(11, max_bytes) bytes; empty if no key was added.
  std::string finish(size_t max_bytes = SIZE_MAX) const;

  struct Scratch;  // per-thread reusable working memory (token_filter.cpp)

 private:
  void add_trigrams(const char* p, size_t n, bool fold);
  void add_tokens(const char* p, size_t n);
  void add_token(const char* p, size_t m);
  bool insert_key(uint64_t h);
  template <typename F>
  void for_each_distinct(F&& f) const;
  std::string finish_v1(size_t max_bytes) const;

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
  // Distinct token key hashes: open addressing (0 = empty), at most kMaxTokenKeys.
  std::vector<uint64_t> keys_;
  size_t key_count_ = 0;
  bool keys_overflow_ = false;
  std::string folded_;  // scratch
};

// Throws kDataException if `filter` is malformed (wrong length, bad probe count).
void token_filter_check(std::string_view filter);

// False only if no added line can contain `needle` (compared ignoring ASCII
// case if case_insensitive). Needles shorter than 3 bytes (unless they hold a
// whole token), an empty filter, and a case-insensitive needle against a
// case-sensitive filter exclude nothing.
bool token_filter_may_contain(std::string_view filter, std::string_view needle,
                              bool case_insensitive = false);

}  // namespace observe::codec
