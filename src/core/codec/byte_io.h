// Bounds-checked byte-level writer/reader with LEB128 varints and zigzag.
// Every codec reads through ByteReader so corrupt input throws kDataException
// instead of reading out of bounds.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/common/error.h"

namespace observe::codec {

[[noreturn]] inline void corrupt(const char* what) {
  throw Error(ErrorKind::kDataException, std::string("corrupt chunk data: ") + what);
}

// Zigzag maps small negative and positive numbers to small unsigned ones.
inline uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t unzigzag(uint64_t u) {
  return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

inline void put_u8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

inline void put_varint(std::string& out, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

inline void put_u64le(std::string& out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out.append(buf, 8);
}

class ByteReader {
 public:
  ByteReader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  explicit ByteReader(std::string_view s)
      : ByteReader(reinterpret_cast<const uint8_t*>(s.data()), s.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool empty() const { return p_ == end_; }
  const uint8_t* pos() const { return p_; }

  uint8_t u8() {
    if (p_ == end_) corrupt("truncated");
    return *p_++;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) corrupt("truncated varint");
      uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        if (shift == 63 && b > 1) corrupt("varint overflow");
        return v;
      }
    }
    corrupt("varint too long");
  }
  // A varint that counts something of at most `limit`.
  size_t count(uint64_t limit) {
    uint64_t v = varint();
    if (v > limit) corrupt("count out of range");
    return static_cast<size_t>(v);
  }
  uint64_t u64le() {
    if (remaining() < 8) corrupt("truncated");
    uint64_t v;
    std::memcpy(&v, p_, 8);  // the core only targets little-endian hosts
    p_ += 8;
    return v;
  }
  std::string_view bytes(size_t n) {
    if (n > remaining()) corrupt("truncated");
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// A float in a form that is short for "round" values (0, 1, 0.25, 1e3): their
// IEEE bits end in zero bytes, so the byte-swapped word is a small varint.
inline void put_float_varint(std::string& out, uint64_t bits) {
  put_varint(out, __builtin_bswap64(bits));
}
inline uint64_t get_float_varint(ByteReader& in) { return __builtin_bswap64(in.varint()); }

}  // namespace observe::codec
