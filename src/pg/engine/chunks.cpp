#include "pg/engine/chunks.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#include "core/common/error.h"
#include "pg/border/border.h"
#include "pg/engine/series.h"

namespace observe::pg {

static void append_value(chunk::Column& dst, const chunk::Column& src, size_t row, size_t& var_bytes) {
  bool null = src.is_null(row) || row >= src.size();
  size_t before = dst.size();
  switch (dst.kind) {
    case chunk::ColumnKind::kInt64:
    case chunk::ColumnKind::kBool: dst.ints.push_back(null ? 0 : src.ints[row]); break;
    case chunk::ColumnKind::kFloat64: dst.floats.push_back(null ? 0.0 : src.floats[row]); break;
    case chunk::ColumnKind::kBytes:
      dst.bytes.push_back(null ? std::string_view() : src.bytes[row]);
      var_bytes += dst.bytes.back().size();
      break;
  }
  // A null at row 0 must create the bitmap too (assign(0) leaves it empty, and the null was
  // lost: compaction turned such NULLs into 0).
  if (null || !dst.nulls.empty()) {
    if (dst.nulls.empty()) dst.nulls.assign(before, false);
    dst.nulls.push_back(null);
  }
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

TsSeriesRows ts_empty_rows(const TsLayout& layout) {
  TsSeriesRows rows;
  rows.cols.resize(layout.value_atts.size());
  for (size_t c = 0; c < layout.value_atts.size(); c++) rows.cols[c].kind = layout.attrs[layout.value_atts[c]].kind;
  return rows;
}

void TsSeriesRows::append_chunk(const chunk::ChunkData& data) { append_chunk_rows(data, {}); }

void TsSeriesRows::append_chunk_rows(const chunk::ChunkData& data, const std::vector<bool>& keep) {
  size_t n = data.times.size();
  bool all = keep.empty();
  for (size_t r = 0; r < n; r++)
    if (all || keep[r]) times.push_back(data.times[r]);
  for (size_t c = 0; c < cols.size(); c++) {
    bool same = c < data.columns.size() && data.columns[c].kind == cols[c].kind &&
                data.columns[c].size() == n;
    for (size_t r = 0; r < n; r++) {
      if (!all && !keep[r]) continue;
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
// A batch of a Kafka worker is runs of its partitions interleaved: sorted as (time, row) pairs,
// contiguous keys whose row part keeps equal times in their order (a stable sort by time,
// without a comparison's two indirect loads).
static void sort_rows(TsSeriesRows& rows) {
  if (std::is_sorted(rows.times.begin(), rows.times.end())) return;
  const size_t n = rows.times.size();
  std::vector<std::pair<int64_t, uint32_t>> keyed(n);
  for (size_t i = 0; i < n; i++) keyed[i] = {rows.times[i], static_cast<uint32_t>(i)};
  std::sort(keyed.begin(), keyed.end());
  std::vector<uint32_t> perm(n);
  for (size_t i = 0; i < n; i++) {
    perm[i] = keyed[i].second;
    rows.times[i] = keyed[i].first;
  }
  auto permute = [&](auto& v) {
    auto copy = v;
    for (size_t i = 0; i < perm.size(); i++) v[i] = std::move(copy[perm[i]]);
  };
  for (chunk::Column& c : rows.cols) {
    if (!c.ints.empty()) permute(c.ints);
    if (!c.floats.empty()) permute(c.floats);
    if (!c.bytes.empty() && c.bytes.data_size() > 0) {  // all values empty (a null column): any order
      chunk::ByteColumn sorted;
      sorted.gather_from(c.bytes, perm);
      c.bytes.swap(sorted);
    }
    const bool uniform = !c.nulls.empty() && (std::find(c.nulls.begin(), c.nulls.end(), !c.nulls[0]) == c.nulls.end());
    if (!c.nulls.empty() && !uniform) {
      std::vector<bool> copy = c.nulls;
      for (size_t i = 0; i < perm.size(); i++) c.nulls[i] = copy[perm[i]];
    }
  }
}

static chunk::ChunkData slice_columns(const std::vector<int64_t>& times, const std::vector<chunk::Column>& cols,
                                      size_t begin, size_t end) {
  chunk::ChunkData d;
  d.times.assign(times.begin() + begin, times.begin() + end);
  d.columns.resize(cols.size());
  for (size_t c = 0; c < cols.size(); c++) {
    const chunk::Column& s = cols[c];
    chunk::Column& o = d.columns[c];
    o.kind = s.kind;
    if (!s.ints.empty()) o.ints.assign(s.ints.begin() + begin, s.ints.begin() + end);
    if (!s.floats.empty()) o.floats.assign(s.floats.begin() + begin, s.floats.begin() + end);
    if (!s.bytes.empty()) o.bytes.assign(s.bytes, begin, end);
    if (!s.nulls.empty()) o.nulls.assign(s.nulls.begin() + begin, s.nulls.begin() + end);
  }
  return d;
}

chunk::ChunkData ts_batch_slice(const chunk::ChunkData& data, size_t begin, size_t end) {
  return slice_columns(data.times, data.columns, begin, end);
}

static chunk::ChunkData slice(const TsSeriesRows& rows, size_t begin, size_t end) {
  return slice_columns(rows.times, rows.cols, begin, end);
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

// The zstd level of the log-lines codec in chunks compaction rewrites: on the log recording,
// 4 MiB blocks at level 3 compress ~8x faster than at 9 and 25-35 % larger (docs/performance.md
// "Log writes"); levels 5-8 cost about as much CPU as 9.
constexpr int kTransientLogLevel = 3;

// Encodes rows with the codec options of the table's profile (`transient`: see
// TsChunkSink::fast_transient); *lowered: whether a column's level was lowered.
static std::string encode_with_codecs(const TsLayout& layout, chunk::ChunkData& data, bool transient = false,
                                      bool* lowered = nullptr) {
  for (size_t c = 0; c < data.columns.size() && c < layout.value_atts.size(); c++) {
    layout.profile->column_codec(layout.attrs[layout.value_atts[c]], data.columns[c]);
    if (transient && data.columns[c].log_level > kTransientLogLevel) {
      data.columns[c].log_level = kTransientLogLevel;
      if (lowered != nullptr) *lowered = true;
    }
  }
  return chunk::encode(data);
}

bool ts_chunk_full(const EngineProfile& profile, int32_t rows, int16_t level) {
  if (level == kTsFastLevel) return false;  // to be encoded again at the profile's level
  return static_cast<size_t>(rows) >= profile.chunk_target_rows || (profile.full_by_bytes && level == 1);
}

bool ts_rows_full(const EngineProfile& profile, const TsSeriesRows& rows) {
  return rows.rows() >= profile.chunk_target_rows ||
         (profile.full_by_bytes && rows.var_bytes >= profile.chunk_target_bytes);
}

void ts_sink_open(TsChunkSink* sink, const TsLayout& layout, Oid storage_id, CommandId cid) {
  sink->layout = &layout;
  sink->storage_id = storage_id;
  sink->cid = cid;
  sink->fast_transient = false;
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
  const EngineProfile& profile = *sink->layout->profile;
  size_t n = rows.rows();
  size_t begin = 0;
  while (begin < n) {
    size_t end = begin;
    size_t bytes = 0;
    while (end < n && end - begin < profile.chunk_target_rows && bytes < profile.chunk_target_bytes) {
      for (const chunk::Column& c : rows.cols)
        if (c.kind == chunk::ColumnKind::kBytes) bytes += c.bytes.end_of(end) - c.bytes.begin_of(end);
      end++;
    }
    chunk::ChunkData part = slice(rows, begin, end);
    int64 min_time = rows.times[begin], max_time = rows.times[end - 1];
    int32 count = static_cast<int32>(end - begin);
    int16 level = count >= static_cast<int32>(profile.chunk_target_rows / 2) ||
                          (profile.full_by_bytes && bytes >= profile.chunk_target_bytes / 2)
                      ? 1
                      : 0;
    bool lowered = false;
    std::string encoded = encode_with_codecs(*sink->layout, part, sink->fast_transient, &lowered);
    if (lowered) level = kTsFastLevel;
    const char* data = encoded.data();
    size_t len = encoded.size();
    pg_guard([&] { insert_chunk(sink, series_id, min_time, max_time, count, level, data, len); });
    begin = end;
  }
}

// ---- L0 batches -------------------------------------------------------------------------------

// Writes an L0 batch row as ts_batch_parse reads it: the directory (chunk::BatchDirectoryWriter),
// then the chunk of every series' rows in directory order.
class BatchWriter {
 public:
  BatchWriter(size_t series, int64_t min_time) : dir_(series, min_time) {}
  void add_series(int32_t id, size_t rows, int64_t first_time, int64_t last_time) {
    dir_.add_series(id, rows, first_time, last_time);
  }
  void insert(TsChunkSink* sink, chunk::ChunkData& data, int64 min_time, int64 max_time, size_t rows) {
    std::string& out = dir_.bytes();
    out += encode_with_codecs(*sink->layout, data, sink->fast_transient);
    int32 count = static_cast<int32>(rows);
    const char* bytes = out.data();
    size_t len = out.size();
    pg_guard([&] { insert_chunk(sink, kTsBatchSeries, min_time, max_time, count, kTsBatchLevel, bytes, len); });
  }

 private:
  chunk::BatchDirectoryWriter dir_;
};

void ts_batch_parse(std::string_view bytes, TsBatch* out) {
  chunk::BatchDirectory dir;
  dir.entries = std::move(out->entries);
  chunk::parse_batch_directory(bytes, &dir);
  out->entries = std::move(dir.entries);
  out->chunk = bytes.substr(dir.chunk_offset);
}

// Appends all rows of `rows` (same column kinds) to `out`, nulls included.
static void append_all(chunk::ChunkData& out, const TsSeriesRows& rows) {
  size_t before = out.times.size();
  out.times.insert(out.times.end(), rows.times.begin(), rows.times.end());
  for (size_t c = 0; c < out.columns.size(); c++) {
    chunk::Column& o = out.columns[c];
    const chunk::Column& s = rows.cols[c];
    switch (o.kind) {
      case chunk::ColumnKind::kInt64:
      case chunk::ColumnKind::kBool: o.ints.insert(o.ints.end(), s.ints.begin(), s.ints.end()); break;
      case chunk::ColumnKind::kFloat64: o.floats.insert(o.floats.end(), s.floats.begin(), s.floats.end()); break;
      case chunk::ColumnKind::kBytes: o.bytes.append(s.bytes); break;
    }
    if (!s.nulls.empty()) {
      if (o.nulls.empty()) o.nulls.assign(before, false);
      o.nulls.insert(o.nulls.end(), s.nulls.begin(), s.nulls.end());
    } else if (!o.nulls.empty()) {
      o.nulls.resize(o.nulls.size() + rows.rows(), false);
    }
  }
}

void ts_sink_write_batches(TsChunkSink* sink, const std::vector<std::pair<int32_t, TsSeriesRows*>>& series) {
  size_t i = 0;
  while (i < series.size()) {
    // One batch: series [i, j).
    size_t j = i, rows = 0, var_bytes = 0;
    while (j < series.size() && (j == i || (rows + series[j].second->rows() <= kBatchMaxRows &&
                                            var_bytes < sink->layout->profile->chunk_target_bytes))) {
      TsSeriesRows& r = *series[j].second;
      sort_rows(r);
      rows += r.rows();
      for (const chunk::Column& c : r.cols)
        if (c.kind == chunk::ColumnKind::kBytes)
          var_bytes += c.bytes.data_size();
      j++;
    }
    chunk::ChunkData data;
    data.times.reserve(rows);
    const TsSeriesRows& first = *series[i].second;
    data.columns.resize(first.cols.size());
    for (size_t c = 0; c < first.cols.size(); c++) data.columns[c].kind = first.cols[c].kind;
    int64_t min_time = first.times.front(), max_time = first.times.back();
    for (size_t k = i; k < j; k++) {
      const TsSeriesRows& r = *series[k].second;
      min_time = std::min(min_time, r.times.front());
      max_time = std::max(max_time, r.times.back());
    }
    BatchWriter batch(j - i, min_time);
    for (size_t k = i; k < j; k++) {
      const TsSeriesRows& r = *series[k].second;
      batch.add_series(series[k].first, r.rows(), r.times.front(), r.times.back());
      append_all(data, r);
    }
    batch.insert(sink, data, min_time, max_time, rows);
    i = j;
  }
}

void ts_sink_write_point_batches(TsChunkSink* sink, const std::vector<TsPoint>& points,
                                 const std::vector<std::pair<size_t, size_t>>& runs, const TsLayout& layout) {
  const size_t ncols = layout.value_atts.size();
  const int vcol = layout.attrs[layout.value_att].column;
  size_t i = 0;
  while (i < runs.size()) {
    size_t j = i, rows = 0;
    while (j < runs.size() && (j == i || rows + (runs[j].second - runs[j].first) <= kBatchMaxRows)) {
      rows += runs[j].second - runs[j].first;
      j++;
    }
    chunk::ChunkData data;
    data.times.reserve(rows);
    data.columns.resize(ncols);
    for (size_t c = 0; c < ncols; c++) data.columns[c].kind = layout.attrs[layout.value_atts[c]].kind;
    int64_t min_time = points[runs[i].first].time, max_time = min_time;
    for (size_t k = i; k < j; k++) {
      min_time = std::min(min_time, points[runs[k].first].time);
      max_time = std::max(max_time, points[runs[k].second - 1].time);
    }
    BatchWriter batch(j - i, min_time);
    for (size_t k = i; k < j; k++) {
      const TsPoint* p = points.data() + runs[k].first;
      size_t n = runs[k].second - runs[k].first;
      batch.add_series(p[0].series_id, n, p[0].time, p[n - 1].time);
      for (size_t r = 0; r < n; r++) data.times.push_back(p[r].time);
      for (size_t c = 0; c < ncols; c++) {
        chunk::Column& col = data.columns[c];
        if (static_cast<int>(c) == vcol) {
          for (size_t r = 0; r < n; r++) col.floats.push_back(p[r].value);
          if (!col.nulls.empty()) col.nulls.resize(col.nulls.size() + n, false);
        } else {
          for (size_t r = 0; r < n; r++) append_null(col);
        }
      }
    }
    batch.insert(sink, data, min_time, max_time, rows);
    i = j;
  }
}

}  // namespace observe::pg
