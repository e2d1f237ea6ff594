// log_scan.h: a k-way merge over the chunks of one stream. Chunks of a stream are sorted inside
// but may overlap each other in time (out-of-order inserts, L0 batch parts), so the merge holds
// every chunk whose time span covers the current position, and no other.
#include "pg/engine/pg_engine_headers.h"
#include "pg/log/log_scan.h"

#include <algorithm>
#include <cstring>
#include <queue>
#include <string>
#include <string_view>

#include "core/chunk/chunk.h"
#include "core/codec/substring_rows.h"
#include "core/common/error.h"
#include "pg/border/border.h"
#include "pg/border/jsonb_labels.h"
#include "pg/engine/chunks.h"
#include "pg/engine/internal.h"
#include "pg/engine/write_buffer.h"
#include "pg/log/log_store_impl.h"

namespace observe::pg {

namespace {

// A chunk row of the stream, or the stream's part of an L0 batch, overlapping the range.
struct Source {
  int64_t min_time = 0, max_time = 0;
  Datum raw = 0;  // the chunk row's data as stored (toast pointer or inline), copied
  bool batch = false;
  uint32_t begin = 0, end = 0;  // batch: the stream's rows of the batch chunk
  // Once loaded: times, the lines in one buffer (line i of row i; a null line is empty and
  // flagged), the metadata column if any, and the rows in the range that pass the line tests,
  // in time order (stable).
  std::vector<int64_t> times;
  codec::LogLines lines;
  std::vector<bool> line_null;  // empty: no null line
  chunk::Column meta;
  std::vector<uint32_t> rows;
  bool tests_applied = false;  // the line tests decided `rows`
  size_t pos = 0;  // next of `rows` to give (counted from the end when backward)
};

class StreamMerge {
 public:
  StreamMerge(const TsLayout& layout, const LogScanSpec& spec, uint64_t* read, uint64_t* skipped)
      : layout_(layout), spec_(spec), read_(read), skipped_(skipped) {
    wanted_.assign(std::max<size_t>(layout.value_atts.size(), 1), false);
    if (spec.line_col >= 0 && static_cast<size_t>(spec.line_col) < wanted_.size()) wanted_[spec.line_col] = true;
    if (spec.metadata_col >= 0 && static_cast<size_t>(spec.metadata_col) < wanted_.size())
      wanted_[spec.metadata_col] = true;
  }

  void list(Relation rel, Snapshot snapshot, MemoryContext keep, MemoryContext scratch);
  void run(const std::function<bool(const logql::LogEntry&)>& fn, MemoryContext scratch);

 private:
  bool load(Source& s, MemoryContext scratch);
  void decode(Source& s, std::string_view chunk_bytes);
  void line_tests(const Source& s, std::vector<char>& keep) const;
  void release(Source& s);
  codec::LogLines take_buffer();
  int64_t head_time(const Source& s) const {
    return s.times[s.rows[forward() ? s.pos : s.rows.size() - 1 - s.pos]];
  }
  bool forward() const { return spec_.dir == logql::Direction::kForward; }

  const TsLayout& layout_;
  const LogScanSpec& spec_;
  uint64_t *read_, *skipped_;
  std::vector<bool> wanted_;
  std::vector<Source> sources_;  // own chunks by ascending max time, then batch parts
  // Line buffers of released sources, reused: a fresh 4 MiB buffer a chunk was a new mapping
  // zeroed and faulted in page by page (two thirds of a count_over_time's CPU). The caller's
  // (spec.spare_lines, across streams) or this merge's own.
  std::vector<codec::LogLines> own_spare_;
  std::vector<codec::LogLines>& spare_ = spec_.spare_lines != nullptr ? *spec_.spare_lines : own_spare_;
};

// The detoasted bytes of a stored chunk datum, in the current memory context.
std::string_view detoasted(Datum raw) {
  bytea* b = pg_guard([raw] { return ts_chunk_data(raw); });
  return std::string_view(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
}

Datum copy_datum(Datum d, MemoryContext cx) {
  return pg_guard([d, cx] {
    MemoryContext old = MemoryContextSwitchTo(cx);
    Datum c = datumCopy(d, false, -1);
    MemoryContextSwitchTo(old);
    return c;
  });
}

void StreamMerge::list(Relation, Snapshot snapshot, MemoryContext keep, MemoryContext scratch) {
  TsInternalOids oids;
  pg_guard([&oids] { ts_internal_oids(&oids, false); });
  const int64_t lo = spec_.from_ns, hi = spec_.to_ns - 1;
  TsChunkCursor cursor{};
  TsChunkCursor* c = &cursor;
  Oid storage = layout_.storage_id;
  auto open = [&](int32_t series) {
    pg_guard([&] {
      MemoryContext old = MemoryContextSwitchTo(keep);
      ts_chunk_cursor_open(c, oids.chunks, oids.chunks_index, storage, series, lo, snapshot, AccessShareLock);
      MemoryContextSwitchTo(old);
    });
  };
  bool open_now = false;
  try {
    // The stream's own chunks whose max time reaches the range (the index gives them by
    // ascending max time).
    open(spec_.series);
    open_now = true;
    for (;;) {
      TsChunkRow row;
      if (!pg_guard([&] { return ts_chunk_cursor_next(c, &row); })) break;
      if (row.max_time < lo || row.min_time > hi) {
        (*skipped_)++;
        continue;
      }
      Source s;
      s.min_time = row.min_time;
      s.max_time = row.max_time;
      s.raw = copy_datum(row.data, keep);
      sources_.push_back(std::move(s));
    }
    pg_guard([c] { ts_chunk_cursor_close(c, AccessShareLock); });
    open_now = false;
    // Its parts of L0 batches (each batch holds a series once).
    open(kTsBatchSeries);
    open_now = true;
    TsBatch batch;
    for (;;) {
      TsChunkRow row;
      if (!pg_guard([&] { return ts_chunk_cursor_next(c, &row); })) break;
      if (row.min_time > hi) {
        (*skipped_)++;
        continue;
      }
      pg_guard([scratch] { MemoryContextReset(scratch); });
      MemoryContext old = MemoryContextSwitchTo(scratch);
      std::string_view bytes = detoasted(row.data);
      MemoryContextSwitchTo(old);
      ts_batch_parse(bytes, &batch);
      for (const TsBatchEntry& e : batch.entries) {
        if (e.series_id != spec_.series) continue;
        if (e.max_time < lo) break;
        if (e.min_time > hi) {
          (*skipped_)++;
          break;
        }
        Source s;
        s.min_time = e.min_time;
        s.max_time = e.max_time;
        s.batch = true;
        s.begin = e.begin;
        s.end = e.end;
        s.raw = copy_datum(row.data, keep);
        sources_.push_back(std::move(s));
        break;
      }
    }
    pg_guard([c] { ts_chunk_cursor_close(c, AccessShareLock); });
    open_now = false;
  } catch (...) {
    if (open_now) pg_guard([c] { ts_chunk_cursor_close(c, AccessShareLock); });
    throw;
  }
}

// Decodes a source's rows in the range; false if it has none (or its token filter rules it out).
bool StreamMerge::load(Source& s, MemoryContext scratch) {
  pg_guard([scratch] { MemoryContextReset(scratch); });
  // The header slice first: a chunk the token filter rules out is skipped without reading its
  // payload (a needle over a day reads the filters, not the lines).
  if (!s.batch && ts_chunk_header_ruled_out(spec_.contains, s.raw)) {
    (*skipped_)++;
    return false;
  }
  MemoryContext old = MemoryContextSwitchTo(scratch);
  std::string_view bytes;
  try {
    bytes = detoasted(s.raw);
  } catch (...) {
    MemoryContextSwitchTo(old);
    throw;
  }
  MemoryContextSwitchTo(old);
  std::string_view chunk_bytes = bytes;
  if (s.batch) {
    TsBatch batch;
    ts_batch_parse(bytes, &batch);
    chunk_bytes = batch.chunk;
  }
  if (ts_chunk_ruled_out(spec_.contains, chunk_bytes)) {
    (*skipped_)++;
    return false;
  }
  decode(s, chunk_bytes);
  pg_guard([scratch] { MemoryContextReset(scratch); });  // the detoasted bytes are decoded
  (*read_)++;
  const std::vector<int64_t>& times = s.times;
  std::vector<char> keep;
  line_tests(s, keep);
  s.tests_applied = !spec_.line_tests.empty() && keep.size() == times.size();
  s.rows.clear();
  for (size_t r = 0; r < times.size(); r++)
    if (times[r] >= spec_.from_ns && times[r] < spec_.to_ns && (keep.empty() || keep[r]))
      s.rows.push_back(static_cast<uint32_t>(r));
  if (!std::is_sorted(s.rows.begin(), s.rows.end(), [&](uint32_t a, uint32_t b) { return times[a] < times[b]; }))
    std::stable_sort(s.rows.begin(), s.rows.end(), [&](uint32_t a, uint32_t b) { return times[a] < times[b]; });
  s.pos = 0;
  if (s.rows.empty()) {
    release(s);
    return false;
  }
  return true;
}

// Lines straight into one buffer (chunk::decode_lines) when the chunk's line column has no
// null; otherwise (and for L0 batch parts) through the row decoder, copied into the buffer.
void StreamMerge::decode(Source& s, std::string_view chunk_bytes) {
  const int line_col = spec_.line_col, meta_col = spec_.metadata_col;
  chunk::ChunkReader reader(chunk_bytes);
  const chunk::ChunkSummary& sum = reader.summary();
  auto valid = [&](int c) { return c >= 0 && static_cast<size_t>(c) < sum.columns.size(); };
  if (!s.batch) {
    s.times = reader.times();
    const size_t rows = s.times.size();
    s.lines = take_buffer();
    s.line_null.clear();
    bool fast = valid(line_col) && sum.columns[line_col].kind == chunk::ColumnKind::kBytes &&
                sum.columns[line_col].null_count == 0;
    if (fast) {
      chunk::decode_lines(chunk_bytes, static_cast<size_t>(line_col), s.lines);
      if (s.lines.size() != rows) throw Error(ErrorKind::kDataException, "corrupt observe_log chunk (line count)");
    } else if (valid(line_col)) {
      const chunk::Column& c = reader.column(static_cast<size_t>(line_col));
      if (c.kind == chunk::ColumnKind::kBytes && c.bytes.size() == rows) {
        chunk::to_log_lines(c.bytes, s.lines);
        s.line_null = c.nulls;
      }
    }
    s.meta = chunk::Column();
    if (valid(meta_col) && sum.columns[meta_col].null_count < sum.rows) s.meta = reader.column(static_cast<size_t>(meta_col));
    return;
  }
  chunk::ChunkData all = chunk::decode(chunk_bytes, wanted_);
  if (s.end > all.times.size() || s.begin > s.end)
    throw Error(ErrorKind::kDataException, "corrupt observe_ts L0 batch (directory)");
  chunk::ChunkData d = ts_batch_slice(all, s.begin, s.end);
  s.times = std::move(d.times);
  s.lines = take_buffer();
  s.line_null.clear();
  if (static_cast<size_t>(line_col) < d.columns.size()) {
    const chunk::Column& c = d.columns[line_col];
    if (c.kind == chunk::ColumnKind::kBytes && c.bytes.size() == s.times.size()) {
      chunk::to_log_lines(c.bytes, s.lines);
      s.line_null = c.nulls;
    }
  }
  s.meta = static_cast<size_t>(meta_col) < d.columns.size() ? std::move(d.columns[meta_col]) : chunk::Column();
}

// keep[r]: row r passes every line test (left empty when there is none). One memmem pass over
// the chunk's lines a term: a hit marks its line, and the search goes on at the next line.
void StreamMerge::line_tests(const Source& s, std::vector<char>& keep) const {
  keep.clear();
  const size_t n = s.times.size();
  if (spec_.line_tests.empty() || s.lines.size() != n) return;
  keep.assign(n, 1);
  std::vector<uint8_t> hit;
  for (const LogScanSpec::LineTest& t : spec_.line_tests) {
    hit.assign(n, 0);
    for (const std::string& term : t.any_of)
      codec::mark_values_containing(s.lines.data.data(), s.lines.data.size(), s.lines.ends, term, hit.data());
    for (size_t r = 0; r < n; r++) {
      bool null = !s.line_null.empty() && s.line_null[r];
      // A null line is given as empty: it contains no term.
      bool pass = t.negative ? !hit[r] : (hit[r] && !null);
      if (!pass) keep[r] = 0;
    }
  }
}

codec::LogLines StreamMerge::take_buffer() {
  codec::LogLines l;
  if (!spare_.empty()) {
    l = std::move(spare_.back());
    spare_.pop_back();
  }
  // The bytes stay: decoding resizes them, and a shrink or a grow by little zeroes nothing or
  // little (the decoder overwrites every byte).
  l.ends.clear();
  return l;
}

void StreamMerge::release(Source& s) {
  s.times = std::vector<int64_t>();
  if (spare_.size() < 2 && s.lines.data.capacity() <= (size_t{64} << 20)) spare_.push_back(std::move(s.lines));
  s.lines = codec::LogLines();
  s.line_null = std::vector<bool>();
  s.meta = chunk::Column();
  s.rows = std::vector<uint32_t>();
}

void StreamMerge::run(const std::function<bool(const logql::LogEntry&)>& fn, MemoryContext scratch) {
  const bool fwd = forward();
  // Sources in the order the merge reaches them: by first time forward, last time backward;
  // ties in source order.
  std::vector<size_t> pending(sources_.size());
  for (size_t i = 0; i < pending.size(); i++) pending[i] = i;
  std::stable_sort(pending.begin(), pending.end(), [&](size_t a, size_t b) {
    return fwd ? sources_[a].min_time < sources_[b].min_time : sources_[a].max_time > sources_[b].max_time;
  });
  // The heap's top is the source whose head comes next: forward the least (time, source),
  // backward the greatest.
  auto later = [&](size_t a, size_t b) {
    int64_t ta = head_time(sources_[a]), tb = head_time(sources_[b]);
    if (ta != tb) return fwd ? ta > tb : ta < tb;
    return fwd ? a > b : a < b;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
  size_t next = 0;
  Labels metadata;
  for (;;) {
    // Every source that may hold an entry at or before (after, backward) the best head.
    while (next < pending.size()) {
      Source& s = sources_[pending[next]];
      if (!heap.empty()) {
        int64_t top = head_time(sources_[heap.top()]);
        if (fwd ? s.min_time > top : s.max_time < top) break;
      }
      next++;
      if (load(s, scratch)) heap.push(pending[next - 1]);
    }
    if (heap.empty()) return;
    size_t i = heap.top();
    heap.pop();
    Source& s = sources_[i];
    uint32_t r = s.rows[fwd ? s.pos : s.rows.size() - 1 - s.pos];
    s.pos++;

    logql::LogEntry out;
    out.ts_ns = s.times[r];
    out.filters_applied = spec_.line_tests_exact && s.tests_applied;
    size_t rows = s.times.size();
    if (s.lines.size() == rows && (s.line_null.empty() || !s.line_null[r])) out.line = s.lines.line(r);
    const chunk::Column* meta = &s.meta;
    if (meta->kind == chunk::ColumnKind::kBytes && meta->bytes.size() == rows && !meta->is_null(r)) {
      // Metadata written by SQL with non-string values is not structured metadata.
      if (log_metadata_labels(meta->bytes[r], &metadata)) out.metadata = &metadata;
    }
    if (!fn(out)) return;
    if (s.pos < s.rows.size()) {
      heap.push(i);
    } else {
      release(s);  // done with it: free before the merge reads on
    }
  }
}

}  // namespace

void log_scan_stream(Relation rel, Snapshot snapshot, const TsLayout& layout, const LogScanSpec& spec,
                     const std::function<bool(const logql::LogEntry&)>& fn, uint64_t* chunks_read,
                     uint64_t* chunks_skipped) {
  if (spec.to_ns <= spec.from_ns) return;
  if (IsParallelWorker())
    throw Error(ErrorKind::kFeatureNotSupported,
                "observe_log tables cannot be read in a parallel worker: mark functions that read "
                "them PARALLEL RESTRICTED");
  // This transaction's buffered rows, as the snapshot must see them, are written as chunks first.
  CommandId curcid = snapshot != nullptr && IsMVCCSnapshot(snapshot) ? snapshot->curcid : InvalidCommandId;
  ts_buffer_flush_for_read(layout.storage_id, curcid);

  MemoryContext keep = pg_guard([] {
    return AllocSetContextCreate(CurrentMemoryContext, "observe_log stream scan", ALLOCSET_DEFAULT_SIZES);
  });
  MemoryContext scratch = pg_guard([keep] {
    return AllocSetContextCreate(keep, "observe_log chunk", ALLOCSET_DEFAULT_SIZES);
  });
  try {
    StreamMerge merge(layout, spec, chunks_read, chunks_skipped);
    merge.list(rel, snapshot, keep, scratch);
    merge.run(fn, scratch);
  } catch (...) {
    pg_guard([keep] { MemoryContextDelete(keep); });
    throw;
  }
  pg_guard([keep] { MemoryContextDelete(keep); });
}

}  // namespace observe::pg
