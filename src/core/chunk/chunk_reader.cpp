// The read side: peek(), decode(), decode_samples() and the lazy ChunkReader.
// Columns are decoded only when asked for; their payload lengths in the header
// let every other column be skipped untouched.
#include <algorithm>
#include <cstring>

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

void decode_times(const Header& h, std::vector<int64_t>& times) {
  const size_t rows = h.summary.rows;
  times.resize(rows);
  if (rows == 1 && h.time_payload.empty()) {
    times[0] = h.summary.min_time;
    if (h.summary.max_time != h.summary.min_time) corrupt("time range of a 1-row chunk");
    return;
  }
  ByteReader in(h.time_payload);
  decode_ints(in, rows, times.data(), h.summary.min_time);
  if (!in.empty()) corrupt("trailing bytes in time column");
  // The zone map must describe the data, or scans would skip wrongly.
  for (int64_t t : times)
    if (t < h.summary.min_time || t > h.summary.max_time) corrupt("time outside the header's range");
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

void expand(ByteColumn& v, const std::vector<bool>& nulls) {
  ByteColumn dense;
  dense.swap(v);
  v.reserve(nulls.size(), dense.data_size());
  size_t j = 0;
  for (size_t i = 0; i < nulls.size(); ++i) {
    if (nulls[i])
      v.emplace_back();
    else
      v.push_back(dense[j++]);
  }
}

void decode_column(const Header& h, size_t i, Column& col) {
  const ColumnSummary& s = h.summary.columns[i];
  const size_t rows = h.summary.rows;
  // Reset but keep the buffers' capacity (decode_into reuses a column chunk after chunk).
  col.kind = s.kind;
  col.ints.clear();
  col.floats.clear();
  col.nulls.clear();
  if (s.kind != ColumnKind::kBytes) col.bytes.clear();
  col.log_level = 0;
  col.log_layout = Column().log_layout;
  col.token_filter_fold_case = false;
  col.token_filter_budget = 0;
  col.token_filter = !s.token_filter.empty();  // re-encoding (compaction) keeps the filter
  ByteReader in(h.payloads[i]);
  if (s.null_count > 0) {
    col.nulls = nulls_decode(in, rows);
    size_t count = 0;
    for (bool b : col.nulls) count += b;
    if (count != s.null_count) corrupt("null count differs from the header");
  }
  decode_values(in, s.kind, rows - s.null_count, col);
  if (s.null_count > 0) {
    switch (s.kind) {
      case ColumnKind::kInt64:
      case ColumnKind::kBool: expand(col.ints, col.nulls); break;
      case ColumnKind::kFloat64: expand(col.floats, col.nulls); break;
      case ColumnKind::kBytes: expand(col.bytes, col.nulls); break;
    }
  }
}

}  // namespace

void decode_lines(std::string_view encoded, size_t column, LogLines& out) {
  Header h = parse_header(encoded);
  if (column >= h.summary.columns.size() || h.summary.columns[column].kind != ColumnKind::kBytes)
    throw Error(ErrorKind::kInvalidParameter, "decode_lines: not a bytes column");
  const ColumnSummary& s = h.summary.columns[column];
  ByteReader in(h.payloads[column]);
  if (s.null_count > 0) {
    std::vector<bool> nulls = nulls_decode(in, h.summary.rows);
    size_t count = 0;
    for (bool b : nulls) count += b;
    if (count != s.null_count) corrupt("null count differs from the header");
  }
  detail::decode_lines(in, h.summary.rows - s.null_count, out);
}

void to_log_lines(const ByteColumn& values, LogLines& out) {
  if (values.data_size() > kMaxLogBlockBytes) corrupt("log lines too large");
  out.data.assign(values.data());
  out.ends.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) out.ends[i] = static_cast<uint32_t>(values.end_of(i));
}

struct ChunkReader::Impl {
  Header header;
  bool times_done = false;
  std::vector<int64_t> times;
  std::vector<Column> columns;
  std::vector<bool> columns_done;
};

ChunkReader::ChunkReader(std::string_view encoded) : impl_(std::make_unique<Impl>()) {
  impl_->header = parse_header(encoded);
  const size_t n = impl_->header.payloads.size();
  impl_->columns.resize(n);
  impl_->columns_done.assign(n, false);
  for (size_t i = 0; i < n; ++i) impl_->columns[i].kind = impl_->header.summary.columns[i].kind;
}
ChunkReader::~ChunkReader() = default;
ChunkReader::ChunkReader(ChunkReader&&) noexcept = default;
ChunkReader& ChunkReader::operator=(ChunkReader&&) noexcept = default;

const ChunkSummary& ChunkReader::summary() const { return impl_->header.summary; }

const std::vector<int64_t>& ChunkReader::times() {
  if (!impl_->times_done) {
    decode_times(impl_->header, impl_->times);
    impl_->times_done = true;
  }
  return impl_->times;
}

const Column& ChunkReader::column(size_t i) {
  if (i >= impl_->columns.size())
    throw Error(ErrorKind::kInvalidParameter, "chunk column index out of range");
  if (!impl_->columns_done[i]) {
    decode_column(impl_->header, i, impl_->columns[i]);
    impl_->columns_done[i] = true;
  }
  return impl_->columns[i];
}

bool may_contain(const ColumnSummary& column, std::string_view needle, bool case_insensitive) {
  return token_filter_may_contain(column.token_filter, needle, case_insensitive);
}

ChunkSummary peek(std::string_view encoded) { return parse_header(encoded).summary; }

bool peek_prefix(std::string_view prefix, ChunkSummary* out, size_t* need) {
  return parse_summary_prefix(prefix, out, need);
}

bool peek_filters(std::string_view prefix, std::vector<std::string_view>* filters) {
  return parse_filters_prefix(prefix, filters);
}

bool filter_may_contain(std::string_view token_filter, std::string_view needle, bool case_insensitive) {
  return token_filter_may_contain(token_filter, needle, case_insensitive);
}

ChunkData decode(std::string_view encoded, const std::vector<bool>& wanted_columns) {
  ChunkData out;
  decode_into(encoded, wanted_columns, out);
  return out;
}

void decode_into(std::string_view encoded, const std::vector<bool>& wanted_columns, ChunkData& out) {
  Header h = parse_header(encoded);
  decode_times(h, out.times);
  out.columns.resize(h.payloads.size());
  for (size_t i = 0; i < h.payloads.size(); ++i) {
    bool wanted = wanted_columns.empty() || (i < wanted_columns.size() && wanted_columns[i]);
    if (wanted) {
      decode_column(h, i, out.columns[i]);
    } else {
      Column& c = out.columns[i];
      c.kind = h.summary.columns[i].kind;
      c.ints.clear();
      c.floats.clear();
      c.bytes.clear();
      c.nulls.clear();
      c.token_filter = false;
    }
  }
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
  decode_float_bits(in, rows, bits.data());
  values.resize(rows);
  if (rows) std::memcpy(values.data(), bits.data(), rows * 8);
}

std::pair<size_t, size_t> row_range(const std::vector<int64_t>& sorted_times, int64_t lo, int64_t hi) {
  auto b = std::lower_bound(sorted_times.begin(), sorted_times.end(), lo);
  auto e = std::upper_bound(b, sorted_times.end(), hi);
  return {static_cast<size_t>(b - sorted_times.begin()), static_cast<size_t>(e - sorted_times.begin())};
}

}  // namespace observe::chunk
