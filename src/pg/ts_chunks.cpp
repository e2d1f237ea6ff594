#include "pg/ts_chunks.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#include "pg/border.h"
#include "pg/ts_series.h"

namespace observe::pg {

static void append_value(chunk::Column& dst, const chunk::Column& src, size_t row, size_t& var_bytes) {
  bool null = src.is_null(row) || row >= src.size();
  size_t before = dst.size();
  switch (dst.kind) {
    case chunk::ColumnKind::kInt64:
    case chunk::ColumnKind::kBool: dst.ints.push_back(null ? 0 : src.ints[row]); break;
    case chunk::ColumnKind::kFloat64: dst.floats.push_back(null ? 0.0 : src.floats[row]); break;
    case chunk::ColumnKind::kBytes:
      dst.bytes.push_back(null ? std::string() : src.bytes[row]);
      var_bytes += dst.bytes.back().size();
      break;
  }
  if (null && dst.nulls.empty()) dst.nulls.assign(before, false);
  if (!dst.nulls.empty()) dst.nulls.push_back(null);
}

static void append_null(chunk::Column& dst) {
  size_t before = dst.size();
  switch (dst.kind) {
    case chunk::ColumnKind::kInt64:
    case chunk::ColumnKind::kBool: dst.ints.push_back(0); break;
    case chunk::ColumnKind::kFloat64: dst.floats.push_back(0.0); break;
    case chunk::ColumnKind::kBytes: dst.bytes.emplace_back(); break;
  }
  if (dst.nulls.empty()) dst.nulls.assign(before, false);
  dst.nulls.push_back(true);
}

void TsSeriesRows::append_chunk(const chunk::ChunkData& data) {
  size_t n = data.times.size();
  times.insert(times.end(), data.times.begin(), data.times.end());
  for (size_t c = 0; c < cols.size(); c++) {
    bool same = c < data.columns.size() && data.columns[c].kind == cols[c].kind &&
                data.columns[c].size() == n;
    for (size_t r = 0; r < n; r++) {
      if (same)
        append_value(cols[c], data.columns[c], r, var_bytes);
      else
        append_null(cols[c]);  // a column added (or retyped) after the chunk was written
    }
  }
}

void TsSeriesRows::append_rows(const TsSeriesRows& other) {
  chunk::ChunkData view;
  view.times = other.times;
  view.columns = other.cols;
  append_chunk(view);
}

// Reorders rows by time when they are not already in order (the usual case is in order).
static void sort_rows(TsSeriesRows& rows) {
  if (std::is_sorted(rows.times.begin(), rows.times.end())) return;
  std::vector<uint32_t> perm(rows.times.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(),
                   [&](uint32_t a, uint32_t b) { return rows.times[a] < rows.times[b]; });
  auto permute = [&](auto& v) {
    auto copy = v;
    for (size_t i = 0; i < perm.size(); i++) v[i] = std::move(copy[perm[i]]);
  };
  permute(rows.times);
  for (chunk::Column& c : rows.cols) {
    if (!c.ints.empty()) permute(c.ints);
    if (!c.floats.empty()) permute(c.floats);
    if (!c.bytes.empty()) permute(c.bytes);
    if (!c.nulls.empty()) {
      std::vector<bool> copy = c.nulls;
      for (size_t i = 0; i < perm.size(); i++) c.nulls[i] = copy[perm[i]];
    }
  }
}

static chunk::ChunkData slice(const TsSeriesRows& rows, size_t begin, size_t end) {
  chunk::ChunkData d;
  d.times.assign(rows.times.begin() + begin, rows.times.begin() + end);
  d.columns.resize(rows.cols.size());
  for (size_t c = 0; c < rows.cols.size(); c++) {
    const chunk::Column& s = rows.cols[c];
    chunk::Column& o = d.columns[c];
    o.kind = s.kind;
    if (!s.ints.empty()) o.ints.assign(s.ints.begin() + begin, s.ints.begin() + end);
    if (!s.floats.empty()) o.floats.assign(s.floats.begin() + begin, s.floats.begin() + end);
    if (!s.bytes.empty()) o.bytes.assign(s.bytes.begin() + begin, s.bytes.begin() + end);
    if (!s.nulls.empty()) o.nulls.assign(s.nulls.begin() + begin, s.nulls.begin() + end);
  }
  return d;
}

static void insert_chunk(TsChunkSink* sink, int32 series_id, int64 min_time, int64 max_time,
                         int32 rows, int16 level, const char* data, size_t len) {
  bytea* b = static_cast<bytea*>(palloc(VARHDRSZ + len));
  SET_VARSIZE(b, VARHDRSZ + len);
  memcpy(VARDATA(b), data, len);
  Datum values[kChNatts];
  bool nulls[kChNatts] = {false, false, false, false, false, false, false};
  values[kChStorage - 1] = ObjectIdGetDatum(sink->storage_id);
  values[kChSeries - 1] = Int32GetDatum(series_id);
  values[kChMinTime - 1] = Int64GetDatum(min_time);
  values[kChMaxTime - 1] = Int64GetDatum(max_time);
  values[kChRows - 1] = Int32GetDatum(rows);
  values[kChLevel - 1] = Int16GetDatum(level);
  values[kChData - 1] = PointerGetDatum(b);
  ts_writer_queue(&sink->writer, values, nulls, sink->cid);
  pfree(b);
}

void ts_sink_open(TsChunkSink* sink, Oid storage_id, CommandId cid) {
  sink->storage_id = storage_id;
  sink->cid = cid;
  TsInternalOids oids;
  pg_guard([&] {
    ts_internal_oids(&oids, false);
    ts_writer_open(&sink->writer, oids.chunks);
  });
}

void ts_sink_close(TsChunkSink* sink) {
  pg_guard([&] { ts_writer_close(&sink->writer); });
}

void ts_sink_write(TsChunkSink* sink, int32_t series_id, TsSeriesRows& rows) {
  if (rows.rows() == 0) return;
  sort_rows(rows);
  size_t n = rows.rows();
  size_t begin = 0;
  while (begin < n) {
    size_t end = begin;
    size_t bytes = 0;
    while (end < n && end - begin < kChunkTargetRows && bytes < kChunkTargetBytes) {
      for (const chunk::Column& c : rows.cols)
        if (c.kind == chunk::ColumnKind::kBytes) bytes += c.bytes[end].size();
      end++;
    }
    std::string encoded = chunk::encode(slice(rows, begin, end));
    int64 min_time = rows.times[begin], max_time = rows.times[end - 1];
    int32 count = static_cast<int32>(end - begin);
    int16 level = count >= static_cast<int32>(kChunkTargetRows / 2) ? 1 : 0;
    const char* data = encoded.data();
    size_t len = encoded.size();
    pg_guard([&] { insert_chunk(sink, series_id, min_time, max_time, count, level, data, len); });
    begin = end;
  }
}

}  // namespace observe::pg
