#include "core/codec/integer.h"

#include <vector>

#include "core/codec/simple8b.h"

namespace observe::codec {
namespace {

// Differences are taken modulo 2^64 so that INT64_MIN..INT64_MAX round-trip.
inline uint64_t sub(int64_t a, int64_t b) {
  return static_cast<uint64_t>(a) - static_cast<uint64_t>(b);
}

// Number of leading elements that are kept as zigzag seeds (v0, and d1 for dod).
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

void pack(IntTransform t, bool fr, int64_t base, const int64_t* s, size_t n,
          std::vector<uint64_t>& tmp, std::string& out) {
  size_t k = seeds(t, n);
  for (size_t i = 0; i < k; ++i) tmp[i] = zigzag(s[i]);
  if (fr) {
    for (size_t i = k; i < n; ++i) tmp[i] = static_cast<uint64_t>(s[i]) - static_cast<uint64_t>(base);
  } else {
    for (size_t i = k; i < n; ++i) tmp[i] = zigzag(s[i]);
  }
  put_u8(out, static_cast<uint8_t>(t) | (fr ? kFrameOfReference : 0));
  if (fr) put_varint(out, zigzag(base));
  simple8b_encode(tmp.data(), n, out);
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
                      std::string& out) {
  std::vector<int64_t> s(n);
  std::vector<uint64_t> tmp(n);
  transform(t, v, n, s.data());
  pack(t, frame_of_reference, min_after_seeds(t, s.data(), n), s.data(), n, tmp, out);
}

void encode_ints(const int64_t* v, size_t n, std::string& out) {
  std::vector<int64_t> s(n);
  std::vector<uint64_t> tmp(n);
  std::string best, cand;
  for (IntTransform t : {IntTransform::kDeltaOfDelta, IntTransform::kDelta, IntTransform::kRaw}) {
    transform(t, v, n, s.data());
    int64_t m = min_after_seeds(t, s.data(), n);
    // With a non-negative minimum, the frame of reference is never larger
    // than zigzag (x - m <= x <= 2x); otherwise both are tried.
    for (int fr = m >= 0 ? 1 : 0; fr < 2; ++fr) {
      cand.clear();
      pack(t, fr == 1, m, s.data(), n, tmp, cand);
      if (best.empty() || cand.size() < best.size()) best.swap(cand);
    }
    if (best.size() <= 9 + 8) break;  // seeds plus one run: nothing will be smaller
  }
  out += best;
}

void decode_ints(ByteReader& in, size_t n, int64_t* out) {
  uint8_t tag = in.u8();
  bool fr = tag & kFrameOfReference;
  uint8_t t = tag & ~kFrameOfReference;
  if (t > 2) corrupt("integer transform");
  uint64_t base = fr ? static_cast<uint64_t>(unzigzag(in.varint())) : 0;
  // Decode the words in place: uint64_t and int64_t share size and alignment.
  uint64_t* u = reinterpret_cast<uint64_t*>(out);
  simple8b_decode(in, n, u);
  if (n == 0) return;
  const auto tr = static_cast<IntTransform>(t);
  size_t k = seeds(tr, n);
  for (size_t i = 0; i < k; ++i) u[i] = static_cast<uint64_t>(unzigzag(u[i]));
  if (fr) {
    for (size_t i = k; i < n; ++i) u[i] += base;
  } else {
    for (size_t i = k; i < n; ++i) u[i] = static_cast<uint64_t>(unzigzag(u[i]));
  }
  // u now holds the signed transformed values (mod 2^64); undo the transform.
  switch (tr) {
    case IntTransform::kRaw:
      break;
    case IntTransform::kDelta: {
      uint64_t acc = u[0];
      for (size_t i = 1; i < n; ++i) u[i] = acc += u[i];
      break;
    }
    case IntTransform::kDeltaOfDelta: {
      uint64_t acc = u[0];
      uint64_t delta = 0;
      for (size_t i = 1; i < n; ++i) {
        delta += u[i];
        u[i] = acc += delta;
      }
      break;
    }
  }
}

}  // namespace observe::codec
