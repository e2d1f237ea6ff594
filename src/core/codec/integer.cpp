#include "core/codec/integer.h"

#include <vector>

#include "core/codec/simple8b.h"
#include "core/codec/zstd_block.h"

namespace observe::codec {
namespace {

// Differences are taken modulo 2^64 so that INT64_MIN..INT64_MAX round-trip.
inline uint64_t sub(int64_t a, int64_t b) {
  return static_cast<uint64_t>(a) - static_cast<uint64_t>(b);
}

// Number of leading elements that are kept as varint seeds.
inline size_t seeds(IntTransform t, size_t n) {
  size_t s = t == IntTransform::kDeltaOfDelta ? 2 : (t == IntTransform::kDelta ? 1 : 0);
  return s < n ? s : n;
}

// The transformed sequence as signed values (seeds first).
void transform(IntTransform t, const int64_t* v, size_t n, int64_t* out) {
  if (n == 0) return;
  switch (t) {
    case IntTransform::kRaw:
      for (size_t i = 0; i < n; ++i) out[i] = v[i];
      break;
    case IntTransform::kDelta:
      out[0] = v[0];
      for (size_t i = 1; i < n; ++i) out[i] = static_cast<int64_t>(sub(v[i], v[i - 1]));
      break;
    case IntTransform::kDeltaOfDelta:
      out[0] = v[0];
      if (n > 1) out[1] = static_cast<int64_t>(sub(v[1], v[0]));
      for (size_t i = 2; i < n; ++i)
        out[i] = static_cast<int64_t>(sub(v[i], v[i - 1]) - sub(v[i - 1], v[i - 2]));
      break;
  }
}

// Byte planes are only worth a zstd call for longer, noisier sequences.
constexpr size_t kPlanesMinValues = 64;
constexpr size_t kPlanesMinBytesPerValue = 1;  // simple8b already below 8 bits a value wins

void put_planes(const uint64_t* v, size_t m, std::string& out) {
  uint64_t all = 0;
  for (size_t i = 0; i < m; ++i) all |= v[i];
  unsigned w = 1;
  while (w < 8 && (all >> (8 * w)) != 0) ++w;
  put_u8(out, static_cast<uint8_t>(w));
  // One frame a plane: each gets its own entropy table (the low plane is
  // near-random, the high ones nearly constant).
  std::string plane(m, '\0');
  for (unsigned b = 0; b < w; ++b) {
    for (size_t i = 0; i < m; ++i) plane[i] = static_cast<char>(v[i] >> (8 * b));
    std::string z = zstd_compress(plane, kZstdLevel);
    put_varint(out, z.size());
    out += z;
  }
}

void get_planes(ByteReader& in, size_t m, uint64_t* v) {
  unsigned w = in.u8();
  if (w < 1 || w > 8) corrupt("byte plane width");
  for (size_t i = 0; i < m; ++i) v[i] = 0;
  for (unsigned b = 0; b < w; ++b) {
    size_t zlen = in.count(in.remaining());
    std::string plane = zstd_decompress(in.bytes(zlen), m);
    const uint8_t* q = reinterpret_cast<const uint8_t*>(plane.data());
    for (size_t i = 0; i < m; ++i) v[i] |= uint64_t{q[i]} << (8 * b);
  }
}

void pack(IntTransform t, bool fr, int64_t ref, int64_t base, const int64_t* s, size_t n,
          std::vector<uint64_t>& tmp, std::string& out, bool planes = false) {
  size_t k = seeds(t, n);
  if (k == n) fr = false;  // nothing after the seeds: no reference needed
  size_t m = 0;  // packed values
  if (fr) {
    for (size_t i = k; i < n; ++i) tmp[m++] = static_cast<uint64_t>(s[i]) - static_cast<uint64_t>(ref);
  } else {
    for (size_t i = k; i < n; ++i) tmp[m++] = zigzag(s[i]);
  }
  bool constant = m > 0;
  for (size_t i = 1; i < m && constant; ++i) constant = tmp[i] == tmp[0];
  if (constant) {
    // One value: no reference needed (saves its byte in every regular time column).
    planes = false;
    if (fr) {
      fr = false;
      tmp[0] = zigzag(s[k]);
    }
  }
  put_u8(out, static_cast<uint8_t>(t) | (fr ? kFrameOfReference : 0) |
                  (constant ? kConstantTail : 0) | (planes ? kBytePlanes : 0));
  if (k > 0) put_varint(out, zigzag(static_cast<int64_t>(sub(s[0], base))));
  if (k > 1) put_varint(out, zigzag(s[1]));
  if (fr) put_varint(out, zigzag(ref));
  if (constant)
    put_varint(out, tmp[0]);
  else if (planes)
    put_planes(tmp.data(), m, out);
  else
    simple8b_encode(tmp.data(), m, out);
}

int64_t min_after_seeds(IntTransform t, const int64_t* s, size_t n) {
  size_t k = seeds(t, n);
  if (k >= n) return 0;
  int64_t m = s[k];
  for (size_t i = k + 1; i < n; ++i)
    if (s[i] < m) m = s[i];
  return m;
}

}  // namespace

void encode_ints_with(IntTransform t, bool frame_of_reference, const int64_t* v, size_t n,
                      std::string& out, int64_t base) {
  std::vector<int64_t> s(n);
  std::vector<uint64_t> tmp(n);
  transform(t, v, n, s.data());
  pack(t, frame_of_reference, min_after_seeds(t, s.data(), n), base, s.data(), n, tmp, out);
}

void encode_ints(const int64_t* v, size_t n, std::string& out, int64_t base) {
  std::vector<int64_t> s(n);
  std::vector<uint64_t> tmp(n);
  std::string best, cand;
  IntTransform best_t = IntTransform::kRaw;
  bool best_fr = false;
  int64_t best_ref = 0;
  for (IntTransform t : {IntTransform::kDeltaOfDelta, IntTransform::kDelta, IntTransform::kRaw}) {
    transform(t, v, n, s.data());
    int64_t m = min_after_seeds(t, s.data(), n);
    // With a non-negative minimum, the frame of reference is never larger
    // than zigzag (x - m <= x <= 2x); otherwise both are tried.
    for (int fr = m >= 0 ? 1 : 0; fr < 2; ++fr) {
      cand.clear();
      pack(t, fr == 1, m, base, s.data(), n, tmp, cand);
      if (best.empty() || cand.size() < best.size()) {
        best.swap(cand);
        best_t = t;
        best_fr = fr == 1;
        best_ref = m;
      }
    }
    // A constant tail of zeros after the seeds cannot be beaten by much.
    if (static_cast<uint8_t>(best[0]) & kConstantTail) break;
  }
  // Noisy values: try the winning transform as zstd byte planes.
  if (n >= kPlanesMinValues && best.size() > n * kPlanesMinBytesPerValue) {
    transform(best_t, v, n, s.data());
    cand.clear();
    pack(best_t, best_fr, best_ref, base, s.data(), n, tmp, cand, true);
    if (cand.size() < best.size()) best.swap(cand);
  }
  out += best;
}

void decode_ints(ByteReader& in, size_t n, int64_t* out, int64_t base) {
  uint8_t tag = in.u8();
  if (tag & ~(3 | kFrameOfReference | kConstantTail | kBytePlanes)) corrupt("integer encoding tag");
  if ((tag & kConstantTail) && (tag & kBytePlanes)) corrupt("integer encoding tag");
  const bool fr = tag & kFrameOfReference;
  const uint8_t t = tag & 3;
  if (t > 2) corrupt("integer transform");
  const auto tr = static_cast<IntTransform>(t);
  const size_t k = seeds(tr, n);
  // Work in uint64_t (mod 2^64) in place: it shares size and alignment with int64_t.
  uint64_t* u = reinterpret_cast<uint64_t*>(out);
  if (k > 0) u[0] = static_cast<uint64_t>(unzigzag(in.varint())) + static_cast<uint64_t>(base);
  if (k > 1) u[1] = static_cast<uint64_t>(unzigzag(in.varint()));
  const uint64_t ref = fr ? static_cast<uint64_t>(unzigzag(in.varint())) : 0;
  const size_t m = n - k;
  if (tag & kConstantTail) {
    if (m == 0) corrupt("constant tail without values");
    uint64_t c = in.varint();
    for (size_t i = k; i < n; ++i) u[i] = c;
  } else if (tag & kBytePlanes) {
    get_planes(in, m, u + k);
  } else {
    simple8b_decode(in, m, u + k);
  }
  if (fr) {
    for (size_t i = k; i < n; ++i) u[i] += ref;
  } else {
    for (size_t i = k; i < n; ++i) u[i] = static_cast<uint64_t>(unzigzag(u[i]));
  }
  if (n == 0) return;
  switch (tr) {
    case IntTransform::kRaw:
      break;
    case IntTransform::kDelta: {
      uint64_t acc = u[0];
      for (size_t i = 1; i < n; ++i) u[i] = acc += u[i];
      break;
    }
    case IntTransform::kDeltaOfDelta: {
      if (n < 2) break;
      uint64_t acc = u[0] + u[1];
      uint64_t delta = u[1];
      u[1] = acc;
      for (size_t i = 2; i < n; ++i) {
        delta += u[i];
        u[i] = acc += delta;
      }
      break;
    }
  }
}

}  // namespace observe::codec
