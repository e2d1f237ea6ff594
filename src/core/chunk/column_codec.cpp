#include "core/chunk/column_codec.h"

#include <cstring>
#include <vector>

#include "core/codec/decimal.h"
#include "core/codec/dictionary.h"
#include "core/codec/gorilla.h"
#include "core/codec/integer.h"
#include "core/codec/zstd_block.h"

namespace observe::chunk::detail {

using namespace observe::codec;

namespace {

// zstd is only tried on bodies large enough for its ~10 byte frame overhead
// to possibly pay off.
constexpr size_t kZstdMinBody = 64;
// Raw bytes from which a column with the log-lines codec tries only that codec (see the kBytes
// case of encode_values).
constexpr size_t kLogOnlyBytes = 64 * 1024;
// How far (in ulps) a float may be from a decimal for the noisy decimal path.
constexpr uint64_t kDecimalNoiseUlps = 64;

// Keeps cand in best if it is smaller.
void keep_smaller(std::string& best, std::string& cand) {
  if (best.empty() || cand.size() < best.size()) best.swap(cand);
  cand.clear();
}

// best = [tag][body]; tries [tag|zstd][raw size][frame(body)].
void maybe_zstd(std::string& best, std::string& out) {
  if (best.size() >= kZstdMinBody) {
    std::string_view body(best.data() + 1, best.size() - 1);
    std::string frame = zstd_compress(body);
    std::string z;
    put_u8(z, static_cast<uint8_t>(best[0]) | kZstdFlag);
    put_varint(z, body.size());
    z += frame;
    if (z.size() < best.size()) {
      out += z;
      return;
    }
  }
  out += best;
}

void encode_float_bits_impl(const uint64_t* bits, size_t n, std::string& out) {
  std::string best, cand;
  // Constant (the most common gauge): just the value.
  bool constant = true;
  for (size_t i = 1; i < n && constant; ++i) constant = bits[i] == bits[0];
  if (constant) {
    put_u8(out, kFloatConst);
    if (n > 0) put_float_varint(out, bits[0]);
    return;
  }
  // Exact decimals first; then decimals within a few ulps, for float sums
  // that carry rounding noise (their residuals cost a few bits).
  size_t misfits = n;
  put_u8(cand, kFloatDecimal);
  if (decimal_encode(bits, n, cand, 0, &misfits)) keep_smaller(best, cand);
  cand.clear();
  if (misfits > 0) {
    put_u8(cand, kFloatDecimal);
    if (decimal_encode(bits, n, cand, kDecimalNoiseUlps)) keep_smaller(best, cand);
    cand.clear();
  }
  put_u8(cand, kFloatGorilla);
  gorilla_encode(bits, n, cand);
  keep_smaller(best, cand);
  put_u8(cand, kFloatDict);
  if (dict_encode_u64(bits, n, n / 4 + 1, cand)) keep_smaller(best, cand);
  cand.clear();
  if (best.size() > 1 + 8 * n) {
    put_u8(cand, kFloatRaw);
    for (size_t i = 0; i < n; ++i) put_u64le(cand, bits[i]);
    keep_smaller(best, cand);
  }
  maybe_zstd(best, out);
}

void decode_float_body(uint8_t codec, ByteReader& in, size_t n, uint64_t* out) {
  switch (codec) {
    case kFloatGorilla: gorilla_decode(in, n, out); break;
    case kFloatDecimal: decimal_decode(in, n, out); break;
    case kFloatDict: dict_decode_u64(in, n, out); break;
    case kFloatRaw:
      for (size_t i = 0; i < n; ++i) out[i] = in.u64le();
      break;
    case kFloatConst:
      if (n > 0) {
        uint64_t b = get_float_varint(in);
        for (size_t i = 0; i < n; ++i) out[i] = b;
      }
      break;
    default: corrupt("codec is not a float codec");
  }
}

// Reads the tag; if zstd-wrapped, decompresses the body into `holder` and
// points `in` at it. Returns the plain codec tag.
uint8_t open_payload(ByteReader& in, std::string& holder) {
  uint8_t tag = in.u8();
  if (!(tag & kZstdFlag)) {
    if (tag >= kCodecCount) corrupt("unknown codec");
    return tag;
  }
  tag &= ~kZstdFlag;
  if (tag >= kCodecCount) corrupt("unknown codec");
  size_t raw = in.count(kMaxDecompressed);
  holder = zstd_decompress(in.bytes(in.remaining()), raw);
  in = ByteReader(holder);
  return tag;
}

}  // namespace

void encode_float_bits(const uint64_t* bits, size_t n, std::string& out) {
  encode_float_bits_impl(bits, n, out);
}

void decode_float_bits(ByteReader& in, size_t n, uint64_t* out) {
  std::string holder;
  uint8_t tag = open_payload(in, holder);
  decode_float_body(tag, in, n, out);
  if (!in.empty()) corrupt("trailing bytes in float column");
}

void encode_values(const Column& col, std::string& out) {
  const size_t rows = col.size();
  const bool has_nulls = !col.nulls.empty();
  std::string best, cand;
  switch (col.kind) {
    case ColumnKind::kInt64:
    case ColumnKind::kBool: {
      std::vector<int64_t> v;
      v.reserve(rows);
      for (size_t i = 0; i < rows; ++i) {
        if (has_nulls && col.nulls[i]) continue;
        int64_t x = col.ints[i];
        v.push_back(col.kind == ColumnKind::kBool ? (x != 0) : x);
      }
      put_u8(best, kIntStream);
      encode_ints(v.data(), v.size(), best);
      if (col.kind == ColumnKind::kInt64 && best.size() > 16) {
        put_u8(cand, kIntDict);
        static_assert(sizeof(int64_t) == sizeof(uint64_t));
        if (dict_encode_u64(reinterpret_cast<const uint64_t*>(v.data()), v.size(),
                            v.size() / 4 + 1, cand))
          keep_smaller(best, cand);
        cand.clear();
      }
      maybe_zstd(best, out);
      return;
    }
    case ColumnKind::kFloat64: {
      std::vector<uint64_t> bits;
      bits.reserve(rows);
      for (size_t i = 0; i < rows; ++i) {
        if (has_nulls && col.nulls[i]) continue;
        uint64_t b;
        std::memcpy(&b, &col.floats[i], 8);
        bits.push_back(b);
      }
      encode_float_bits_impl(bits.data(), bits.size(), out);
      return;
    }
    case ColumnKind::kBytes: {
      // Views of the non-null values, in the column's one buffer.
      std::vector<std::string_view> views;
      views.reserve(rows);
      for (size_t i = 0; i < rows; ++i)
        if (!has_nulls || !col.nulls[i]) views.push_back(col.bytes[i]);
      const std::string_view* data = views.data();
      size_t n = views.size();
      if (col.log_level > 0) {
        size_t total = 0;
        for (std::string_view l : views) total += l.size();
        LogLinesOptions o;
        o.level = col.log_level;
        o.layout = col.log_layout;
        put_u8(cand, kBytesLog);
        cand += log_lines_encode(views, o);
        // A large column of log lines: the log-lines codec (zstd over the lines) is what wins;
        // plain or dictionary bytes under zstd level 3 beside it cost a second compression, a
        // hash of every line and copies for a smaller result only on tiny or constant columns.
        if (total >= kLogOnlyBytes) {
          out += cand;
          return;
        }
        put_u8(best, kBytesPlain);
        plain_encode_bytes(data, n, best);
        std::string dict;
        put_u8(dict, kBytesDict);
        if (dict_encode_bytes(data, n, n / 2 + 1, dict)) keep_smaller(best, dict);
        std::string z;
        maybe_zstd(best, z);
        if (cand.size() < z.size()) z.swap(cand);
        out += z;
        return;
      }
      put_u8(best, kBytesPlain);
      plain_encode_bytes(data, n, best);
      put_u8(cand, kBytesDict);
      if (dict_encode_bytes(data, n, n / 2 + 1, cand)) keep_smaller(best, cand);
      cand.clear();
      maybe_zstd(best, out);
      return;
    }
  }
  throw Error(ErrorKind::kInvalidParameter, "unknown column kind");
}

void decode_values(ByteReader& in, ColumnKind kind, size_t count, Column& col) {
  std::string holder;
  uint8_t tag = open_payload(in, holder);
  switch (kind) {
    case ColumnKind::kInt64:
    case ColumnKind::kBool: {
      col.ints.resize(count);
      if (tag == kIntStream) {
        decode_ints(in, count, col.ints.data());
      } else if (tag == kIntDict && kind == ColumnKind::kInt64) {
        dict_decode_u64(in, count, reinterpret_cast<uint64_t*>(col.ints.data()));
      } else {
        corrupt("codec does not match an integer column");
      }
      if (kind == ColumnKind::kBool)
        for (auto& x : col.ints)
          if (x != 0 && x != 1) corrupt("bool value");
      break;
    }
    case ColumnKind::kFloat64: {
      col.floats.resize(count);
      static_assert(sizeof(double) == sizeof(uint64_t));
      std::vector<uint64_t> bits(count);
      decode_float_body(tag, in, count, bits.data());
      if (count) std::memcpy(col.floats.data(), bits.data(), count * 8);
      break;
    }
    case ColumnKind::kBytes: {
      if (tag == kBytesPlain || tag == kBytesDict) {
        std::vector<std::string_view> views(count);  // into `in`'s bytes
        if (tag == kBytesPlain)
          plain_decode_views(in, count, views.data());
        else
          dict_decode_views(in, count, views.data());
        size_t total = 0;
        for (std::string_view v : views) total += v.size();
        col.bytes.clear();
        col.bytes.reserve(count, total);
        for (std::string_view v : views) col.bytes.push_back(v);
      } else if (tag == kBytesLog) {
        LogLines lines;
        lines.data = col.bytes.release_data();  // reused: resized, not zeroed afresh
        log_lines_decode(std::string_view(reinterpret_cast<const char*>(in.pos()), in.remaining()), lines);
        in.bytes(in.remaining());
        if (lines.size() != count) corrupt("log line count");
        col.bytes.assign_concatenated(std::move(lines.data), lines.ends);
      } else {
        corrupt("codec does not match a bytes column");
      }
      break;
    }
    default: corrupt("column kind");
  }
  if (!in.empty()) corrupt("trailing bytes in column");
}

void decode_lines(ByteReader& in, size_t count, LogLines& out) {
  if (!in.empty() && *in.pos() == kBytesLog) {
    in.u8();
    log_lines_decode(std::string_view(reinterpret_cast<const char*>(in.pos()), in.remaining()), out);
    if (out.size() != count) corrupt("log line count");
    return;
  }
  Column col;
  decode_values(in, ColumnKind::kBytes, count, col);
  to_log_lines(col.bytes, out);
}

std::string codec_name(uint8_t tag) {
  static const char* names[kCodecCount] = {"ints",       "int-dict",  "gorilla", "decimal",
                                           "float-dict", "float-raw", "bytes",   "bytes-dict",
                                           "const",      "log-lines"};
  uint8_t plain = tag & ~kZstdFlag;
  std::string s = plain < kCodecCount ? names[plain] : "?";
  if (tag & kZstdFlag) s += "+zstd";
  return s;
}

}  // namespace observe::chunk::detail
