// The write side: encode() and the (time, float64) fast path. Layout: header.h.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/chunk/chunk.h"
#include "core/chunk/column_codec.h"
#include "core/chunk/header.h"
#include "core/codec/byte_io.h"
#include "core/codec/integer.h"
#include "core/codec/null_bitmap.h"
#include "core/codec/token_filter.h"

namespace observe::chunk {

using namespace observe::codec;
using namespace observe::chunk::detail;

namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw Error(ErrorKind::kInvalidParameter, "chunk encode: " + what);
}

void summarize_floats(const double* v, size_t n, const std::vector<bool>* nulls,
                      ColumnSummary& s) {
  s.no_nan = true;
  for (size_t i = 0; i < n; ++i) {
    if (nulls && (*nulls)[i]) continue;
    double x = v[i];
    if (std::isnan(x)) {
      s.no_nan = false;
      continue;
    }
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
    case ColumnKind::kBytes: break;
  }
  if (s.null_count > 0) nulls_encode(col.nulls, e.payload);
  detail::encode_values(col, e.payload);
  // After the payload: the filter's byte budget is a share of it.
  if (col.kind == ColumnKind::kBytes && col.token_filter) {
    TokenFilterOptions o;
    o.fold_case = col.token_filter_fold_case;
    o.version = col.token_filter_version;
    // A small chunk (a stream's tail, a chunk compaction left short) may take up to half its
    // payload, at most 4 KiB: it is cheap to read but counts as a chunk read, and 5 % of it
    // held no token keys (the tail chunks of the nginx log let order-id needles through).
    o.min_bytes = std::min<size_t>(4096, e.payload.size() / 2);
    TokenFilterBuilder b(o);
    for (size_t i = 0; i < rows; ++i)
      if (!(nulls && (*nulls)[i])) b.add(col.bytes[i]);
    size_t budget = SIZE_MAX;
    if (col.token_filter_budget > 0)
      budget = static_cast<size_t>(col.token_filter_budget * static_cast<double>(e.payload.size()));
    s.token_filter = b.finish(budget);
  }
  return e;
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
  if (data.columns.size() > kMaxColumns) invalid("more than kMaxColumns columns");
  std::vector<EncodedColumn> cols;
  cols.reserve(data.columns.size());
  for (const Column& c : data.columns) cols.push_back(encode_column(c, rows));
  return assemble(data.times, cols);
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

}  // namespace observe::chunk
