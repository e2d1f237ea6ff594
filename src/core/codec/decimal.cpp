#include "core/codec/decimal.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "core/codec/integer.h"

namespace observe::codec {
namespace {

constexpr int kMaxScale = 18;                        // 10^18 is exact in a double
constexpr double kMaxMantissa = 9007199254740992.0;  // 2^53: integers exact in a double

constexpr double kPow10[kMaxScale + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                          1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                          1e14, 1e15, 1e16, 1e17, 1e18};

inline double from_bits(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}
inline uint64_t to_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

inline double scaled(int64_t m, int k) {
  return k == 0 ? static_cast<double>(m) : static_cast<double>(m) / kPow10[k];
}

// The mantissa of bits at scale k and the residual bits - bits(m / 10^k), if
// the value is finite and the mantissa fits.
inline bool mantissa_at(uint64_t bits, int k, int64_t* m, int64_t* residual) {
  double s = from_bits(bits) * kPow10[k];
  if (!(std::fabs(s) < kMaxMantissa)) return false;  // also rejects NaN/Inf
  int64_t r = static_cast<int64_t>(std::llround(s));
  *m = r;
  *residual = static_cast<int64_t>(bits - to_bits(scaled(r, k)));
  return true;
}

inline bool fits(uint64_t bits, int k, uint64_t tol) {
  int64_t m, res;
  if (!mantissa_at(bits, k, &m, &res)) return false;
  uint64_t mag = res < 0 ? 0 - static_cast<uint64_t>(res) : static_cast<uint64_t>(res);
  return mag <= tol;
}

}  // namespace

bool decimal_encode(const uint64_t* v, size_t n, std::string& out, uint64_t tol,
                    size_t* misfits_out) {
  // The scale is the largest of the smallest per-value scales: a value that is
  // a k-decimal stays one at every larger scale while its mantissa fits.
  int scale = 0;
  size_t misfits = 0;
  const size_t max_misfits = n / 8;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && v[i] == v[i - 1]) continue;
    if (fits(v[i], scale, tol)) continue;
    int own = -1;
    for (int j = scale + 1; j <= kMaxScale; ++j) {
      if (fits(v[i], j, tol)) {
        own = j;
        break;
      }
    }
    if (own < 0) {
      if (++misfits > max_misfits) return false;
      continue;
    }
    scale = own;
  }
  std::vector<int64_t> mant(n), resid(n);
  std::vector<uint32_t> exc_pos;
  std::vector<uint64_t> exc_bits;
  int64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t m, r;
    if (i > 0 && v[i] == v[i - 1] && !(exc_pos.size() && exc_pos.back() == i - 1)) {
      mant[i] = mant[i - 1];
      resid[i] = resid[i - 1];
    } else if (mantissa_at(v[i], scale, &m, &r)) {
      mant[i] = prev = m;
      resid[i] = r;
    } else {
      mant[i] = prev;  // keeps the delta stream flat across exceptions
      resid[i] = 0;
      exc_pos.push_back(static_cast<uint32_t>(i));
      exc_bits.push_back(v[i]);
    }
  }
  if (exc_pos.size() > max_misfits) return false;
  if (misfits_out) *misfits_out = misfits;
  put_u8(out, static_cast<uint8_t>(scale));
  encode_ints(mant.data(), n, out);
  encode_ints(resid.data(), n, out);
  put_varint(out, exc_pos.size());
  uint32_t last = 0;
  for (size_t j = 0; j < exc_pos.size(); ++j) {
    put_varint(out, exc_pos[j] - last);
    last = exc_pos[j];
    put_float_varint(out, exc_bits[j]);
  }
  return true;
}

void decimal_decode(ByteReader& in, size_t n, uint64_t* out) {
  int scale = in.u8();
  if (scale > kMaxScale) corrupt("decimal scale");
  std::vector<int64_t> mant(n);
  decode_ints(in, n, mant.data());
  // Residuals are decoded straight into out and the scaled mantissas added.
  decode_ints(in, n, reinterpret_cast<int64_t*>(out));
  if (scale == 0) {
    for (size_t i = 0; i < n; ++i) out[i] += to_bits(static_cast<double>(mant[i]));
  } else {
    const double p = kPow10[scale];
    for (size_t i = 0; i < n; ++i) out[i] += to_bits(static_cast<double>(mant[i]) / p);
  }
  size_t ne = in.count(n);
  size_t pos = 0;
  for (size_t j = 0; j < ne; ++j) {
    uint64_t gap = in.varint();
    if (gap > n || (j > 0 && gap == 0) || pos + gap >= n) corrupt("decimal exception position");
    pos += gap;
    out[pos] = get_float_varint(in);
  }
}

}  // namespace observe::codec
