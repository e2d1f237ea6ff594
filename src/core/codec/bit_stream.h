// MSB-first bit writer/reader for the bit-granular codecs (Gorilla XOR).
// The writer keeps a 64-bit accumulator; the reader checks every read against
// the stream's length, so a corrupt stream throws instead of over-reading.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/codec/byte_io.h"

namespace observe::codec {

class BitWriter {
 public:
  // Appends the low `n` bits of `v`, most significant first. 0 <= n <= 64.
  void write(uint64_t v, unsigned n) {
    if (n == 0) return;
    if (n < 64) v &= (uint64_t{1} << n) - 1;
    unsigned free = 64 - fill_;
    if (n < free) {
      acc_ |= v << (free - n);
      fill_ += n;
    } else {
      unsigned rest = n - free;  // bits that go to the next word
      acc_ |= rest ? (v >> rest) : v;
      flush_word();
      acc_ = rest ? (v << (64 - rest)) : 0;
      fill_ = rest;
    }
  }
  void write_bit(bool b) { write(b ? 1 : 0, 1); }

  size_t bit_count() const { return buf_.size() * 8 + fill_; }

  // The bytes written so far, the last one zero-padded.
  std::string finish() {
    std::string out = buf_;
    for (unsigned i = 0; i < (fill_ + 7) / 8; ++i)
      out.push_back(static_cast<char>(acc_ >> (56 - 8 * i)));
    return out;
  }

 private:
  void flush_word() {
    for (int i = 0; i < 8; ++i) buf_.push_back(static_cast<char>(acc_ >> (56 - 8 * i)));
  }
  std::string buf_;
  uint64_t acc_ = 0;
  unsigned fill_ = 0;  // bits used in acc_, from the top
};

class BitReader {
 public:
  BitReader(const uint8_t* p, size_t n) : p_(p), size_(n), total_bits_(n * 8) {}

  // Reads `n` bits (0..64), most significant first.
  uint64_t read(unsigned n) {
    if (n == 0) return 0;
    if (n > total_bits_ - pos_) corrupt("bit stream truncated");
    if (n > 56) {
      uint64_t hi = read(n - 32);
      return (hi << 32) | read(32);
    }
    size_t byte = pos_ >> 3;
    unsigned shift = pos_ & 7;
    uint64_t w;
    if (byte + 8 <= size_) {
      std::memcpy(&w, p_ + byte, 8);
      w = __builtin_bswap64(w);
    } else {
      w = 0;
      for (size_t i = 0; byte + i < size_; ++i) w |= uint64_t{p_[byte + i]} << (56 - 8 * i);
    }
    pos_ += n;
    return (w << shift) >> (64 - n);
  }
  bool read_bit() { return read(1) != 0; }

  size_t bits_left() const { return total_bits_ - pos_; }

 private:
  const uint8_t* p_;
  size_t size_;
  size_t total_bits_;
  size_t pos_ = 0;
};

}  // namespace observe::codec
