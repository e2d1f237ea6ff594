// Chunk layout (all integers LEB128 varints unless noted):
//
//   u8 version | rows | ncols | zigzag(min_time) | max_time - min_time (mod 2^64)
//   | time_len | per column: u8 flags (kind | 4 has_nulls | 8 has_minmax)
//     [null_count] [min, max] len
//   | time payload | column payloads in order
//
// The lengths in the header let decode() skip unwanted columns without
// touching their bytes; the header is small (a few bytes a column), which
// matters at 120-row chunks. Column payload: [null runs if has_nulls]
// [codec tag][body] (column_codec.h).
#include <cmath>
#include <cstring>
#include <limits>

#include "core/chunk/chunk.h"
#include "core/chunk/column_codec.h"
#include "core/codec/byte_io.h"
#include "core/codec/integer.h"
#include "core/codec/null_bitmap.h"

namespace observe::chunk {

using namespace observe::codec;

namespace {

constexpr uint8_t kKindMask = 0x3;
constexpr uint8_t kHasNulls = 0x4;
constexpr uint8_t kHasMinMax = 0x8;

[[noreturn]] void invalid(const std::string& what) {
  throw Error(ErrorKind::kInvalidParameter, "chunk encode: " + what);
}

uint64_t float_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}
double bits_float(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}

struct EncodedColumn {
  ColumnSummary summary;
  std::string payload;
};

void summarize_floats(const double* v, size_t n, const std::vector<bool>* nulls,
                      ColumnSummary& s) {
  for (size_t i = 0; i < n; ++i) {
    if (nulls && (*nulls)[i]) continue;
    double x = v[i];
    if (std::isnan(x)) continue;
    if (!s.has_minmax) {
      s.min_float = s.max_float = x;
      s.has_minmax = true;
    } else {
      if (x < s.min_float) s.min_float = x;
      if (x > s.max_float) s.max_float = x;
    }
  }
}

EncodedColumn encode_column(const Column& col, size_t rows) {
  if (col.size() != rows) invalid("column length differs from the number of times");
  if (!col.nulls.empty() && col.nulls.size() != rows) invalid("null bitmap length");
  EncodedColumn e;
  ColumnSummary& s = e.summary;
  s.kind = col.kind;
  const std::vector<bool>* nulls = col.nulls.empty() ? nullptr : &col.nulls;
  if (nulls)
    for (bool b : col.nulls) s.null_count += b;
  switch (col.kind) {
    case ColumnKind::kInt64:
    case ColumnKind::kBool:
      for (size_t i = 0; i < rows; ++i) {
        if (nulls && (*nulls)[i]) continue;
        int64_t x = col.kind == ColumnKind::kBool ? (col.ints[i] != 0) : col.ints[i];
        if (!s.has_minmax) {
          s.min_int = s.max_int = x;
          s.has_minmax = true;
        } else {
          if (x < s.min_int) s.min_int = x;
          if (x > s.max_int) s.max_int = x;
        }
      }
      break;
    case ColumnKind::kFloat64:
      summarize_floats(col.floats.data(), rows, nulls, s);
      break;
    case ColumnKind::kBytes:
      break;
  }
  if (s.null_count > 0) nulls_encode(col.nulls, e.payload);
  detail::encode_values(col, e.payload);
  return e;
}

std::string assemble(const std::vector<int64_t>& times, const std::vector<EncodedColumn>& cols) {
  const size_t rows = times.size();
  int64_t tmin = 0, tmax = 0;
  if (rows > 0) {
    tmin = tmax = times[0];
    for (int64_t t : times) {
      if (t < tmin) tmin = t;
      if (t > tmax) tmax = t;
    }
  }
  std::string time_payload;
  encode_ints(times.data(), rows, time_payload, tmin);

  std::string out;
  size_t total = time_payload.size();
  for (const auto& c : cols) total += c.payload.size();
  out.reserve(total + 16 + cols.size() * 8);
  put_u8(out, kFormatVersion);
  put_varint(out, rows);
  put_varint(out, cols.size());
  put_varint(out, zigzag(tmin));
  put_varint(out, static_cast<uint64_t>(tmax) - static_cast<uint64_t>(tmin));
  put_varint(out, time_payload.size());
  for (const auto& c : cols) {
    const ColumnSummary& s = c.summary;
    uint8_t flags = static_cast<uint8_t>(s.kind);
    if (s.null_count > 0) flags |= kHasNulls;
    if (s.has_minmax) flags |= kHasMinMax;
    put_u8(out, flags);
    if (s.null_count > 0) put_varint(out, s.null_count);
    if (s.has_minmax) {
      if (s.kind == ColumnKind::kFloat64) {
        put_float_varint(out, float_bits(s.min_float));
        put_float_varint(out, float_bits(s.max_float));
      } else {
        put_varint(out, zigzag(s.min_int));
        put_varint(out, static_cast<uint64_t>(s.max_int) - static_cast<uint64_t>(s.min_int));
      }
    }
    put_varint(out, c.payload.size());
  }
  out += time_payload;
  for (const auto& c : cols) out += c.payload;
  return out;
}

// A parsed header: the summary plus where each payload starts.
struct Header {
  ChunkSummary summary;
  std::string_view time_payload;
  std::vector<std::string_view> payloads;
};

Header parse_header(std::string_view encoded) {
  Header h;
  ChunkSummary& s = h.summary;
  ByteReader in(encoded);
  s.version = in.u8();
  if (s.version != kFormatVersion) corrupt("unknown chunk format version");
  s.rows = static_cast<uint32_t>(in.count(kMaxRows));
  // Each column takes at least 2 header bytes, which bounds the count.
  size_t ncols = in.count(in.remaining() / 2);
  uint64_t zmin = in.varint();
  uint64_t span = in.varint();
  s.min_time = unzigzag(zmin);
  s.max_time = static_cast<int64_t>(static_cast<uint64_t>(s.min_time) + span);
  if (s.max_time < s.min_time) corrupt("time range");
  if (s.rows == 0 && span != 0) corrupt("time range of an empty chunk");
  size_t time_len = in.count(in.remaining());
  std::vector<size_t> lens(ncols);
  s.columns.resize(ncols);
  for (size_t i = 0; i < ncols; ++i) {
    ColumnSummary& c = s.columns[i];
    uint8_t flags = in.u8();
    if (flags & ~(kKindMask | kHasNulls | kHasMinMax)) corrupt("column flags");
    c.kind = static_cast<ColumnKind>(flags & kKindMask);
    if (flags & kHasNulls) {
      c.null_count = static_cast<uint32_t>(in.count(s.rows));
      if (c.null_count == 0) corrupt("null count");
    }
    if (flags & kHasMinMax) {
      if (c.kind == ColumnKind::kBytes || c.null_count == s.rows) corrupt("zone map");
      c.has_minmax = true;
      if (c.kind == ColumnKind::kFloat64) {
        c.min_float = bits_float(get_float_varint(in));
        c.max_float = bits_float(get_float_varint(in));
      } else {
        c.min_int = unzigzag(in.varint());
        c.max_int = static_cast<int64_t>(static_cast<uint64_t>(c.min_int) + in.varint());
      }
    }
    lens[i] = in.count(in.remaining());
  }
  size_t need = time_len;
  for (size_t l : lens) {
    if (l > in.remaining()) corrupt("column length");
    need += l;
    if (need > in.remaining()) corrupt("column lengths exceed the chunk");
  }
  if (need != in.remaining()) corrupt("chunk length");
  h.time_payload = in.bytes(time_len);
  h.payloads.resize(ncols);
  for (size_t i = 0; i < ncols; ++i) h.payloads[i] = in.bytes(lens[i]);
  s.encoded_size = encoded.size();
  return h;
}

void decode_times(const Header& h, std::vector<int64_t>& times) {
  times.resize(h.summary.rows);
  ByteReader in(h.time_payload);
  decode_ints(in, times.size(), times.data(), h.summary.min_time);
  if (!in.empty()) corrupt("trailing bytes in time column");
}

// Spreads dense values over rows, leaving null rows zero/empty.
template <typename T>
void expand(std::vector<T>& v, const std::vector<bool>& nulls) {
  std::vector<T> dense;
  dense.swap(v);
  v.resize(nulls.size());
  size_t j = 0;
  for (size_t i = 0; i < nulls.size(); ++i)
    if (!nulls[i]) v[i] = std::move(dense[j++]);
}

}  // namespace

size_t Column::size() const {
  switch (kind) {
    case ColumnKind::kInt64:
    case ColumnKind::kBool: return ints.size();
    case ColumnKind::kFloat64: return floats.size();
    case ColumnKind::kBytes: return bytes.size();
  }
  return 0;
}

std::string encode(const ChunkData& data) {
  const size_t rows = data.times.size();
  if (rows > kMaxRows) invalid("more than kMaxRows rows");
  std::vector<EncodedColumn> cols;
  cols.reserve(data.columns.size());
  for (const Column& c : data.columns) cols.push_back(encode_column(c, rows));
  return assemble(data.times, cols);
}

ChunkSummary peek(std::string_view encoded) { return parse_header(encoded).summary; }

ChunkData decode(std::string_view encoded, const std::vector<bool>& wanted_columns) {
  Header h = parse_header(encoded);
  ChunkData out;
  decode_times(h, out.times);
  const size_t rows = h.summary.rows;
  out.columns.resize(h.payloads.size());
  for (size_t i = 0; i < h.payloads.size(); ++i) {
    const ColumnSummary& s = h.summary.columns[i];
    Column& col = out.columns[i];
    col.kind = s.kind;
    bool wanted = wanted_columns.empty() || (i < wanted_columns.size() && wanted_columns[i]);
    if (!wanted) continue;
    ByteReader in(h.payloads[i]);
    if (s.null_count > 0) {
      col.nulls = nulls_decode(in, rows);
      size_t count = 0;
      for (bool b : col.nulls) count += b;
      if (count != s.null_count) corrupt("null count differs from the header");
    }
    detail::decode_values(in, s.kind, rows - s.null_count, col);
    if (s.null_count > 0) {
      switch (s.kind) {
        case ColumnKind::kInt64:
        case ColumnKind::kBool: expand(col.ints, col.nulls); break;
        case ColumnKind::kFloat64: expand(col.floats, col.nulls); break;
        case ColumnKind::kBytes: expand(col.bytes, col.nulls); break;
      }
    }
  }
  return out;
}

std::string encode_samples(const std::vector<int64_t>& times, const std::vector<double>& values) {
  const size_t rows = times.size();
  if (values.size() != rows) invalid("values length differs from the number of times");
  if (rows > kMaxRows) invalid("more than kMaxRows rows");
  std::vector<EncodedColumn> cols(1);
  cols[0].summary.kind = ColumnKind::kFloat64;
  summarize_floats(values.data(), rows, nullptr, cols[0].summary);
  std::vector<uint64_t> bits(rows);
  if (rows) std::memcpy(bits.data(), values.data(), rows * 8);
  detail::encode_float_bits(bits.data(), rows, cols[0].payload);
  return assemble(times, cols);
}

void decode_samples(std::string_view encoded, std::vector<int64_t>& times,
                    std::vector<double>& values) {
  Header h = parse_header(encoded);
  if (h.payloads.size() != 1 || h.summary.columns[0].kind != ColumnKind::kFloat64 ||
      h.summary.columns[0].null_count != 0)
    throw Error(ErrorKind::kDataException, "chunk is not of the (time, float64) shape");
  decode_times(h, times);
  const size_t rows = h.summary.rows;
  std::vector<uint64_t> bits(rows);
  ByteReader in(h.payloads[0]);
  detail::decode_float_bits(in, rows, bits.data());
  values.resize(rows);
  if (rows) std::memcpy(values.data(), bits.data(), rows * 8);
}

}  // namespace observe::chunk
