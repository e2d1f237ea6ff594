#include "core/codec/gorilla.h"

#include "core/codec/bit_stream.h"

namespace observe::codec {

// Control codes after the first value (stored raw):
//   0                     same value
//   10 <bits>             XOR fits the previous leading/trailing window
//   11 <lead:5> <len:6>   new window: leading zeros (capped at 31), meaningful
//                         length (64 stored as 0), then the bits
void gorilla_encode(const uint64_t* v, size_t n, std::string& out) {
  BitWriter w;
  if (n > 0) {
    w.write(v[0], 64);
    unsigned prev_lead = 65, prev_trail = 0;  // 65: no window yet
    for (size_t i = 1; i < n; ++i) {
      uint64_t x = v[i] ^ v[i - 1];
      if (x == 0) {
        w.write(0, 1);
        continue;
      }
      unsigned lead = __builtin_clzll(x);
      unsigned trail = __builtin_ctzll(x);
      if (lead > 31) lead = 31;
      if (prev_lead <= 64 && lead >= prev_lead && trail >= prev_trail) {
        w.write(0b10, 2);
        w.write(x >> prev_trail, 64 - prev_lead - prev_trail);
      } else {
        unsigned len = 64 - lead - trail;
        w.write(0b11, 2);
        w.write(lead, 5);
        w.write(len & 63, 6);
        w.write(x >> trail, len);
        prev_lead = lead;
        prev_trail = trail;
      }
    }
  }
  std::string bits = w.finish();
  put_varint(out, bits.size());
  out += bits;
}

void gorilla_decode(ByteReader& in, size_t n, uint64_t* out) {
  size_t len = in.count(in.remaining());
  const uint8_t* p = in.pos();
  in.bytes(len);
  if (n == 0) return;
  BitReader r(p, len);
  uint64_t cur = r.read(64);
  out[0] = cur;
  unsigned lead = 65, trail = 0;
  for (size_t i = 1; i < n; ++i) {
    if (r.read_bit()) {
      if (r.read_bit()) {
        lead = static_cast<unsigned>(r.read(5));
        unsigned sig = static_cast<unsigned>(r.read(6));
        if (sig == 0) sig = 64;
        if (lead + sig > 64) corrupt("gorilla window");
        trail = 64 - lead - sig;
      } else if (lead > 64) {
        corrupt("gorilla window before first");
      }
      unsigned sig = 64 - lead - trail;
      cur ^= r.read(sig) << trail;
    }
    out[i] = cur;
  }
}

}  // namespace observe::codec
