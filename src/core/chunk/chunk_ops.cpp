#include "core/chunk/chunk_ops.h"

#include <algorithm>
#include <numeric>

#include "core/common/error.h"

namespace observe::chunk {
namespace {

[[noreturn]] void invalid(const char* what) {
  throw Error(ErrorKind::kInvalidParameter, std::string("chunk rows: ") + what);
}

// Applies a row selection (indexes into the old rows) to every vector.
template <typename T>
void gather(std::vector<T>& v, const std::vector<size_t>& rows) {
  if (v.empty()) return;
  std::vector<T> out;
  out.reserve(rows.size());
  for (size_t r : rows) out.push_back(std::move(v[r]));
  v.swap(out);
}

void gather(ByteColumn& v, const std::vector<size_t>& rows) {
  if (v.empty()) return;
  ByteColumn out;
  out.gather_from(v, rows);
  v.swap(out);
}

void gather_bools(std::vector<bool>& v, const std::vector<size_t>& rows) {
  if (v.empty()) return;
  std::vector<bool> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) out[i] = v[rows[i]];
  v.swap(out);
}

void select_rows(ChunkData& d, const std::vector<size_t>& rows) {
  gather(d.times, rows);
  for (Column& c : d.columns) {
    gather(c.ints, rows);
    gather(c.floats, rows);
    gather(c.bytes, rows);
    gather_bools(c.nulls, rows);
  }
}

}  // namespace

void append_rows(ChunkData& dst, const ChunkData& src) {
  if (dst.times.empty() && dst.columns.empty()) {
    dst = src;
    return;
  }
  if (dst.columns.size() != src.columns.size()) invalid("column counts differ");
  const size_t dst_rows = dst.times.size(), src_rows = src.times.size();
  for (size_t i = 0; i < dst.columns.size(); ++i) {
    Column& d = dst.columns[i];
    const Column& s = src.columns[i];
    if (d.kind != s.kind) invalid("column kinds differ");
    if (d.size() != dst_rows || s.size() != src_rows) invalid("column length differs from times");
    if (!s.nulls.empty() || !d.nulls.empty()) {
      d.nulls.resize(dst_rows, false);
      if (s.nulls.empty())
        d.nulls.insert(d.nulls.end(), src_rows, false);
      else
        d.nulls.insert(d.nulls.end(), s.nulls.begin(), s.nulls.end());
    }
    d.ints.insert(d.ints.end(), s.ints.begin(), s.ints.end());
    d.floats.insert(d.floats.end(), s.floats.begin(), s.floats.end());
    d.bytes.append(s.bytes);
    d.token_filter = d.token_filter || s.token_filter;
  }
  dst.times.insert(dst.times.end(), src.times.begin(), src.times.end());
}

bool is_time_sorted(const ChunkData& data) {
  return std::is_sorted(data.times.begin(), data.times.end());
}

void sort_by_time(ChunkData& data) {
  if (is_time_sorted(data)) return;
  std::vector<size_t> order(data.times.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return data.times[a] < data.times[b]; });
  select_rows(data, order);
}

size_t raw_size(const ChunkData& data) {
  size_t total = data.times.size() * 8;
  for (const Column& c : data.columns) {
    const size_t n = c.size();
    for (size_t i = 0; i < n; ++i) {
      if (c.is_null(i)) continue;
      switch (c.kind) {
        case ColumnKind::kInt64:
        case ColumnKind::kFloat64: total += 8; break;
        case ColumnKind::kBool: total += 1; break;
        case ColumnKind::kBytes: total += c.bytes.end_of(i) - c.bytes.begin_of(i); break;
      }
    }
  }
  return total;
}

ChunkData slice_rows(const ChunkData& data, size_t begin, size_t end) {
  const size_t n = data.times.size();
  end = std::min(end, n);
  begin = std::min(begin, end);
  ChunkData out;
  out.times.assign(data.times.begin() + begin, data.times.begin() + end);
  out.columns.reserve(data.columns.size());
  for (const Column& c : data.columns) {
    Column s;
    s.kind = c.kind;
    s.token_filter = c.token_filter;
    auto cut = [&](const auto& v, auto& dst) {
      if (v.size() == n) dst.assign(v.begin() + begin, v.begin() + end);
    };
    cut(c.ints, s.ints);
    cut(c.floats, s.floats);
    if (c.bytes.size() == n) s.bytes.assign(c.bytes, begin, end);
    cut(c.nulls, s.nulls);
    out.columns.push_back(std::move(s));
  }
  return out;
}

}  // namespace observe::chunk
