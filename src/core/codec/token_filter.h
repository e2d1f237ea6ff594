// A Bloom filter per chunk of log lines, so a line filter (`|= "needle"`,
// LIKE '%needle%') can skip chunks in which no line can contain the needle.
//
// Version 2 held, in one Bloom filter, three kinds of keys:
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
// Version 3 adds pair keys and splits the token keys into classes, so that a
// chunk whose keys do not fit its byte budget drops the least useful class instead of every
// token key (version 2 fell back to trigrams only, which cannot tell ids apart):
//  - text tokens: whole tokens holding a byte other than 0-9, and their affixes;
//  - pairs: two tokens joined by exactly one separator byte (`6b14bb84.7007`,
//    `orders/100002`, `a=b`), keyed by the first token's last <= 4 bytes, the separator and
//    the second token's first <= 4 bytes, where the first part holds a non-digit (a number
//    then a word or a number -- `0002 HTTP`, timestamps, IP addresses -- is left out). A needle spanning a separator is tested as a unit: a chunk holding the token
//    `6b14bb84` (every session of that second) and the number 7007 somewhere else no longer
//    passes `6b14bb84.7007`;
//  - digit tokens: all-digit whole tokens and their affixes (most of the distinct tokens of
//    a chunk of database logs: line numbers, pids, ports, parameters).
// Trigrams are always present, in a Bloom filter of their own; the classes go into a second
// one in the order above while every key keeps at least min_bits_per_key bits (byte 2 of the
// filter says which are present). A needle's key
// is probed only if every class the line's key could be in is present (an edge token of
// digits could be the tail of a text token).
//
// Version 4 (written now): version 3's layout (byte 0 = 0x30) and a fourth class, long pairs
// (flag 8), admitted after pairs and before digit tokens: the pair's second token's first <= 6
// bytes instead of <= 4, written when that token is longer than 4 bytes (`ders/100002`: the
// 4-byte pair `ders/1000` is in every chunk of order ids 1000xx, and a short budget drops the
// digit class first). A needle probes it when its second part is >= 6 bytes, or a whole token of
// 5-6 bytes.
//
// Version 3 (old chunks, still read; written with options.version = 3).
//
// Version 2 (old chunks, still read): trigrams, whole tokens and affixes, no pairs, one class.
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
  // Version 3: a key class goes into the token filter only if every token key then keeps this
  // many bits (Bloom false positives ~2 % a key at 8 bits, ~0.5 % at 11).
  double min_bits_per_key = 8;
  // Version 3: bits a trigram when the budget cannot give every key bits_per_key.
  double trigram_bits_squeezed = 3;
  // Version 3: a filter may take at least min(this, its size at bits_per_key a key) bytes,
  // whatever the budget of finish(): see finish_v3(). 0: the budget only.
  size_t min_bytes = 1024;  // the log chunks: min(4 KiB, half the payload), chunk_format.cpp
  int version = 4;                // 1, 2, 3: the old layouts (tests of old chunks)
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
  // Version 3: distinct keys of each class (text tokens, pairs, digit tokens).
  size_t distinct_text_keys() const { return sets_[kText].overflow ? 0 : sets_[kText].count; }
  size_t distinct_pair_keys() const { return sets_[kPair].overflow ? 0 : sets_[kPair].count; }
  size_t distinct_digit_keys() const { return sets_[kDigit].overflow ? 0 : sets_[kDigit].count; }
  // Version 4: distinct long pair keys.
  size_t distinct_long_pair_keys() const { return sets_[kLongPair].overflow ? 0 : sets_[kLongPair].count; }
  static constexpr size_t kMaxTokenKeys = size_t{1} << 20;
  // Version 4: as version 3 with u8 0x30 and class flag 8 (long pairs).
  // Version 2 layout: u8 0x40 (| 0x80 if case-folded) | u8 probes | u8 flags
  // (1: token keys present) | the bit array (a multiple of 8 bytes, little-endian
  // words). Version 3: u8 0x20 (| 0x80) | u8 trigram probes | u8 classes (1: text tokens,
  // 2: pairs, 4: digit tokens) | u8 token probes (0 without classes) | u32 LE trigram words |
  // the trigram bit array | the token bit array. At most max(16, max_bytes, the min_bytes
  // floor) bytes; empty if no key was added.
  std::string finish(size_t max_bytes = SIZE_MAX) const;

  struct Scratch;    // per-thread reusable working memory (token_filter.cpp)
  struct LineToken;  // a token of the line being added (token_filter.cpp)

 private:
  void add_trigrams(const char* p, size_t n);
  void new_trigram(uint32_t t);
  void add_tokens(const char* p, size_t n);
  void add_token(const char* p, size_t m);
  void add_pair(const char* p, const LineToken& t);
  void add_long_pair(const char* p, const LineToken& t);
  enum Class { kText = 0, kPair = 1, kDigit = 2, kLongPair = 3, kAll = 0 };  // version 2: one set, kAll
  struct KeySet {
    std::vector<uint64_t> slots;  // open addressing, 0 = empty
    size_t count = 0;
    bool overflow = false;
  };
  bool insert_key(uint64_t h, Class c = kAll);
  void add_affixes(const char* p, size_t m, Class c);
  void key(uint64_t h, Class c, const char* token = nullptr, size_t m = 0);
  bool defer_ = false;  // key() queues (add_tokens)
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
  KeySet sets_[4];
  std::vector<char> line_;       // the line being added, folded, padded (add())
  std::vector<uint64_t> mask_;   // its token bytes, one bit a byte (add_tokens())
};

// Throws kDataException if `filter` is malformed (wrong length, bad probe count).
void token_filter_check(std::string_view filter);

// False only if no added line can contain `needle` (compared ignoring ASCII
// case if case_insensitive). Needles shorter than 3 bytes (unless they hold a
// whole token), an empty filter, and a case-insensitive needle against a
// case-sensitive filter exclude nothing.
bool token_filter_may_contain(std::string_view filter, std::string_view needle,
                              bool case_insensitive = false);

// The filter's layout version (1-4; 0 if empty) and, for versions 3 and 4, its class flags.
int token_filter_version(std::string_view filter);
unsigned token_filter_classes(std::string_view filter);

}  // namespace observe::codec
