// observe_log's C++ API (log_store.h) on the shared engine: appends through the write buffer
// (with Loki's duplicate dropping for the push paths) and LogQL's LogStore view of a table.
#include "pg/engine/pg_engine_headers.h"
#include "pg/log/log_store.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "pg/border/border.h"
#include "pg/border/jsonb_labels.h"
#include "pg/engine/layout.h"
#include "pg/engine/profile.h"
#include "pg/engine/scan.h"
#include "pg/engine/series.h"
#include "pg/engine/write_buffer.h"
#include "pg/log/log_scan.h"
#include "pg/log/log_store_impl.h"

namespace observe::pg {

LogsShape logs_shape(Relation rel, const TsLayout& layout) {
  std::string name = RelationGetRelationName(rel);
  if (engine_profile(rel) != &log_profile())
    throw Error(ErrorKind::kInvalidParameter, "\"" + name + "\" is not an observe_log table");
  LogsShape s;
  int live = 0;
  for (int i = 0; i < layout.natts; i++) {
    const TsAttr& a = layout.attrs[i];
    if (a.type == InvalidOid) continue;
    live++;
    if (a.name == "labels" && a.type == JSONBOID) s.labels_att = i;
    if (a.name == "line" && a.type == TEXTOID && a.column >= 0) s.line_att = i;
    if (a.name == "metadata" && a.type == JSONBOID && a.column >= 0) s.metadata_att = i;
  }
  const TsAttr& t = layout.attrs[layout.time_att];
  if (live != 4 || t.name != "time" || t.type != TIMESTAMPTZOID || s.labels_att < 0 || s.line_att < 0 ||
      s.metadata_att < 0 || layout.key_atts.size() != 1 || layout.key_atts[0] != s.labels_att)
    throw Error(ErrorKind::kInvalidParameter,
                "\"" + name + "\" is not shaped like observe.logs (time timestamptz, labels jsonb, "
                "line text, metadata jsonb; series key labels)");
  s.line_col = layout.attrs[s.line_att].column;
  s.metadata_col = layout.attrs[s.metadata_att].column;
  return s;
}

namespace {

// The caller's snapshot, seeing also what this transaction wrote in the current command (rows
// of earlier appends that a memory flush already wrote): a copy with curcid past it.
Snapshot snapshot_with_own_rows() {
  return pg_guard([] {
    Snapshot base = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
    auto* copy = static_cast<SnapshotData*>(palloc(sizeof(SnapshotData)));
    *copy = *base;
    copy->curcid = GetCurrentCommandId(false) + 1;
    copy->active_count = 0;
    copy->regd_count = 0;
    copy->copied = true;
    return static_cast<Snapshot>(copy);
  });
}

}  // namespace

void log_check_logs_shape(Relation rel) { (void)logs_shape(rel, *ts_layout(rel)); }

size_t log_append(Relation rel, const Labels& stream, const LogPushEntry* entries, size_t n,
                  bool drop_duplicates, bool lines_checked) {
  std::shared_ptr<const TsLayout> layout = ts_layout(rel);
  const LogsShape shape = logs_shape(rel, *layout);
  for (size_t i = 0; i < n && !lines_checked; i++) {
    std::string_view line = entries[i].line;
    if (!valid_utf8(line) || line.find('\0') != std::string_view::npos)
      throw Error(ErrorKind::kDataException,
                  "entry " + std::to_string(i) + " of stream " + stream.to_string() +
                      ": the line is not valid UTF-8 text");
  }
  if (n == 0) return 0;

  // The stream's series, created as INSERT would create it.
  std::vector<Datum> values(layout->natts, 0);
  std::vector<char> nulls(layout->natts, 1);
  Datum* vp = values.data();
  bool* np = reinterpret_cast<bool*>(nulls.data());
  vp[shape.labels_att] = labels_to_jsonb(stream, true);
  np[shape.labels_att] = false;
  std::string key;
  ts_key_image(*layout, vp, np, key);
  int32_t id = ts_series_dict(layout->relid, layout->storage_id)->lookup_or_create(*layout, key, vp, np);

  // Which entries to keep: not already in the table (as the snapshot sees it, plus this
  // transaction's rows), nor earlier in this call. Only lines at the call's exact times matter.
  std::vector<char> keep(n, 1);
  if (drop_duplicates) {
    std::unordered_map<int64_t, std::vector<std::string>> seen;
    int64_t lo = entries[0].ts_ns, hi = entries[0].ts_ns;
    for (size_t i = 0; i < n; i++) {
      seen.try_emplace(entries[i].ts_ns);
      lo = std::min(lo, entries[i].ts_ns);
      hi = std::max(hi, entries[i].ts_ns);
    }
    auto note = [&](int64_t t, std::string_view line) {
      auto it = seen.find(t);
      if (it != seen.end()) it->second.emplace_back(line);
    };
    TsReadSpec spec;
    spec.all_series = false;
    spec.series = {id};
    spec.stored_time_range = true;
    spec.min_time = lo;
    spec.max_time = hi;
    spec.wanted.assign(layout->natts, false);
    spec.wanted[shape.line_att] = true;
    spec.skip_buffer_flush = true;  // the buffer is read below instead of written
    TsReader reader(rel, snapshot_with_own_rows(), spec);
    int32_t sid;
    const chunk::ChunkData* data;
    while (reader.next_chunk_data(&sid, &data)) {
      if (static_cast<size_t>(shape.line_col) >= data->columns.size()) continue;
      const chunk::Column& lines = data->columns[shape.line_col];
      if (lines.kind != chunk::ColumnKind::kBytes || lines.bytes.size() != data->times.size()) continue;
      for (size_t r = 0; r < data->times.size(); r++)
        if (!lines.is_null(r)) note(data->times[r], lines.bytes[r]);
    }
    reader.close();
    ts_buffer_for_each_pending(layout->storage_id, id, [&](const TsSeriesRows& rows) {
      const chunk::Column& lines = rows.cols[shape.line_col];
      for (size_t r = 0; r < rows.times.size(); r++)
        if (!lines.is_null(r)) note(rows.times[r], lines.bytes[r]);
    });
    for (size_t i = 0; i < n; i++) {
      std::vector<std::string>& at = seen[entries[i].ts_ns];
      if (std::find(at.begin(), at.end(), entries[i].line) != at.end()) {
        keep[i] = 0;
      } else {
        at.emplace_back(entries[i].line);
      }
    }
  }

  std::vector<int64_t> times;
  std::vector<size_t> index;
  for (size_t i = 0; i < n; i++)
    if (keep[i]) {
      times.push_back(entries[i].ts_ns);
      index.push_back(i);
    }
  if (times.empty()) return 0;
  // Lines without structured metadata (the Kafka worker's, most pushes'): their bytes go into
  // the line column's buffer as they are, without a text datum (and a palloc and a guarded
  // call) a row; the metadata column is null, as below.
  bool any_metadata = false;
  for (size_t k = 0; k < index.size() && !any_metadata; k++) {
    const Labels* md = entries[index[k]].metadata;
    any_metadata = md != nullptr && !md->empty();
  }
  if (!any_metadata) {
    std::vector<std::string_view> lines(index.size());
    for (size_t k = 0; k < index.size(); k++) lines[k] = entries[index[k]].line;
    ts_buffer_append_bytes_rows(rel, id, times.size(), times.data(), shape.line_att, lines.data());
    return times.size();
  }
  // Each row's datums in a context of their own, reset row by row (push_value copies them).
  MemoryContext row_cxt = pg_guard([] {
    return AllocSetContextCreate(CurrentMemoryContext, "observe_log append row", ALLOCSET_DEFAULT_SIZES);
  });
  try {
    ts_buffer_append_stored(rel, id, times.size(), times.data(), [&](size_t k, Datum* v, bool* nl) {
      const LogPushEntry& e = entries[index[k]];
      pg_guard([row_cxt] { MemoryContextReset(row_cxt); });
      MemoryContext old = MemoryContextSwitchTo(row_cxt);
      try {
        const char* p = e.line.data();
        int len = static_cast<int>(e.line.size());
        v[shape.line_att] = pg_guard([p, len] { return PointerGetDatum(cstring_to_text_with_len(p, len)); });
        nl[shape.line_att] = false;
        bool has_meta = e.metadata != nullptr && !e.metadata->empty();
        nl[shape.metadata_att] = !has_meta;
        v[shape.metadata_att] = has_meta ? labels_to_jsonb(*e.metadata, true) : Datum(0);
      } catch (...) {
        MemoryContextSwitchTo(old);
        throw;
      }
      MemoryContextSwitchTo(old);
    });
  } catch (...) {
    pg_guard([row_cxt] { MemoryContextDelete(row_cxt); });
    throw;
  }
  pg_guard([row_cxt] { MemoryContextDelete(row_cxt); });
  return times.size();
}

PgLogStore::PgLogStore(Relation rel, Snapshot snapshot) : rel_(rel), snapshot_(snapshot) {
  layout_ = ts_layout(rel);
  (void)logs_shape(rel, *layout_);
}

std::vector<logql::StreamRef> PgLogStore::select(const Matchers& matchers, int64_t, int64_t) {
  // The series dictionary (label index) answers; no chunk is read. Streams whose rows lie
  // outside the range are returned too: their scans read no chunk.
  std::shared_ptr<SeriesDict> dict = ts_series_dict(layout_->relid, layout_->storage_id);
  std::vector<logql::StreamRef> out;
  for (int32_t id : dict->match(matchers)) {
    const SeriesEntry* e = dict->get(id);
    if (e != nullptr) out.push_back(logql::StreamRef{e->labels, static_cast<uint64_t>(id)});
  }
  return out;
}

// What both scans read of a stream: its id, the range, the direction, the metadata column.
static LogScanSpec stream_spec(const logql::StreamRef& stream, int64_t from_ns, int64_t to_ns,
                               logql::Direction dir, const LogsShape& shape) {
  LogScanSpec spec;
  spec.series = static_cast<int32_t>(stream.id);
  spec.from_ns = from_ns;
  spec.to_ns = to_ns;
  spec.dir = dir;
  spec.metadata_col = shape.metadata_col;
  return spec;
}

void PgLogStore::scan(const logql::StreamRef& stream, int64_t from_ns, int64_t to_ns, logql::Direction dir,
                      const std::vector<const logql::LineFilter*>& filters,
                      const std::function<bool(const logql::LogEntry&)>& fn) {
  if (to_ns <= from_ns) return;
  const LogsShape shape = logs_shape(rel_, *layout_);
  LogScanSpec spec = stream_spec(stream, from_ns, to_ns, dir, shape);
  spec.line_col = shape.line_col;
  spec.spare_lines = &spare_lines_;
  // `|= "a" or "b"`: a chunk whose token filter rules out every operand holds no matching line.
  for (const logql::LineFilter* f : filters) {
    TsContainsTest t;
    if (f != nullptr && log_contains_test(*f, shape.line_col, &t)) spec.contains.push_back(std::move(t));
  }
  // The leading `|=` / `!=` filters also drop lines before the engine sees them (one memmem
  // over a chunk's lines instead of a std::string and a find a line). When every filter is a
  // plain `|=` / `!=`, that is exactly the engine's test: it is told not to repeat it.
  spec.line_tests_exact = !filters.empty();
  for (const logql::LineFilter* f : filters) {
    if (f == nullptr || f->terms.empty()) {
      spec.line_tests_exact = false;
      continue;
    }
    // `|~ "a|b"` / `!~ "a|b"` of plain literals test as `|= "a" or "b"` / `!= "a" or "b"`.
    const bool regex = f->op == logql::LineFilterOp::kRegex || f->op == logql::LineFilterOp::kNotRegex;
    if (f->op != logql::LineFilterOp::kContains && f->op != logql::LineFilterOp::kNotContains && !regex) {
      spec.line_tests_exact = false;
      continue;
    }
    LogScanSpec::LineTest t;
    t.negative = f->op == logql::LineFilterOp::kNotContains || f->op == logql::LineFilterOp::kNotRegex;
    bool usable = true;
    for (const logql::LineFilterTerm& term : f->terms) {
      if (regex) {
        if (term.literals.empty()) usable = false;
        t.any_of.insert(t.any_of.end(), term.literals.begin(), term.literals.end());
        continue;
      }
      if (term.ip || term.value.empty()) usable = false;
      t.any_of.push_back(term.value);
    }
    if (usable) spec.line_tests.push_back(std::move(t));
    if (!usable || regex) spec.line_tests_exact = false;
  }
  // Streamed: memory is bounded by the chunks overlapping the current position (log_scan.h).
  log_scan_stream(rel_, snapshot_, *layout_, spec, fn, &chunks_read_, &chunks_skipped_);
}

void PgLogStore::scan_without_lines(const logql::StreamRef& stream, int64_t from_ns, int64_t to_ns,
                                    logql::Direction dir, const std::function<bool(const logql::LogEntry&)>& fn) {
  if (to_ns <= from_ns) return;
  // line_col stays -1: lines not decoded, every entry's line empty.
  LogScanSpec spec = stream_spec(stream, from_ns, to_ns, dir, logs_shape(rel_, *layout_));
  log_scan_stream(rel_, snapshot_, *layout_, spec, fn, &chunks_read_, &chunks_skipped_);
}

bool log_contains_test(const logql::LineFilter& f, int line_col, TsContainsTest* out) {
  if (f.op == logql::LineFilterOp::kRegex && !f.terms.empty()) {
    // `|~ "a|b"` of plain literals: a line matches exactly when it holds one of them.
    out->column = line_col;
    for (const logql::LineFilterTerm& term : f.terms) {
      if (term.literals.empty()) return false;
      out->any_of.insert(out->any_of.end(), term.literals.begin(), term.literals.end());
    }
    return true;
  }
  if (f.op != logql::LineFilterOp::kContains || f.terms.empty()) return false;
  out->column = line_col;
  for (const logql::LineFilterTerm& term : f.terms) {
    if (term.ip || term.value.empty()) return false;
    out->any_of.push_back(term.value);
  }
  return true;
}

std::unique_ptr<logql::LogStore> log_store_open(Relation rel, Snapshot snapshot) {
  return std::make_unique<PgLogStore>(rel, snapshot);
}

}  // namespace observe::pg
