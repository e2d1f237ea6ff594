// observe.delete_logs(selector, start_time, end_time, line_filter, target): removes the lines
// that the LogQL log query `selector line_filter` returns between start_time and end_time (both
// included, as Loki's delete API counts them), by rewriting the chunks that hold them
// (engine/row_delete.h) in the calling transaction. The GDPR request: once it commits no query
// returns the lines, and VACUUM (autovacuum) of observe._ts_chunks frees their bytes.
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/logql/parser.h"
#include "core/logql/pipeline.h"
#include "pg/border/border.h"
#include "pg/border/write_check.h"
#include "pg/engine/layout.h"
#include "pg/engine/profile.h"
#include "pg/engine/row_delete.h"
#include "pg/engine/series.h"
#include "pg/log/log_store_impl.h"

extern "C" {
#include "access/table.h"
#include "utils/acl.h"
#include "utils/builtins.h"
}

namespace {

using observe::Error;
using observe::ErrorKind;
namespace logql = observe::logql;

// The leading line filters `|= "a" or "b"`: a chunk whose token filter rules out every operand
// of one holds no line to delete.
std::vector<observe::pg::TsContainsTest> contains_tests(const logql::LogSelector& sel, int line_col) {
  std::vector<observe::pg::TsContainsTest> tests;
  for (const logql::Stage& st : sel.stages) {
    if (st.kind != logql::StageKind::kLineFilter) break;
    observe::pg::TsContainsTest t;
    if (observe::pg::log_contains_test(st.line_filter, line_col, &t)) tests.push_back(std::move(t));
  }
  return tests;
}

bool only_line_filters(const logql::LogSelector& sel) {
  for (const logql::Stage& st : sel.stages)
    if (st.kind != logql::StageKind::kLineFilter) return false;
  return true;
}

// Clears drop[r] for the window's rows the query would not return.
class LineChooser {
 public:
  LineChooser(const logql::LogSelector& sel, const observe::pg::LogsShape& shape,
              std::shared_ptr<observe::pg::SeriesDict> dict)
      : sel_(sel), shape_(shape), dict_(std::move(dict)), pipeline_(sel.stages), simple_(only_line_filters(sel)) {}

  void operator()(int32_t series, const observe::chunk::ChunkData& data, std::vector<bool>& drop) {
    if (sel_.stages.empty()) return;  // every line of the stream in the window
    size_t rows = data.times.size();
    const observe::chunk::Column* lines = column(data, shape_.line_col, rows);
    const observe::chunk::Column* meta = column(data, shape_.metadata_col, rows);
    const observe::pg::SeriesEntry* entry = dict_->get(series);
    observe::Labels none;
    const observe::Labels& stream = entry != nullptr ? entry->labels : none;
    observe::Labels metadata;
    std::string line;
    logql::LabelSet labels;
    for (size_t r = 0; r < rows; r++) {
      if (!drop[r]) continue;
      std::string_view text;
      if (lines != nullptr && !lines->is_null(r)) text = lines->bytes[r];
      if (simple_) {
        for (const logql::Stage& st : sel_.stages)
          if (!logql::line_filter_matches(st.line_filter, text)) {
            drop[r] = false;
            break;
          }
        continue;
      }
      metadata = observe::Labels();
      if (meta != nullptr && !meta->is_null(r) && !observe::pg::log_metadata_labels(meta->bytes[r], &metadata))
        metadata = observe::Labels();
      labels.reset(stream, metadata);
      line.assign(text);
      drop[r] = pipeline_.process(data.times[r], &line, &labels);
    }
  }

 private:
  static const observe::chunk::Column* column(const observe::chunk::ChunkData& data, int col, size_t rows) {
    if (col < 0 || static_cast<size_t>(col) >= data.columns.size()) return nullptr;
    const observe::chunk::Column* c = &data.columns[col];
    return c->bytes.size() == rows ? c : nullptr;
  }

  const logql::LogSelector& sel_;
  const observe::pg::LogsShape& shape_;
  std::shared_ptr<observe::pg::SeriesDict> dict_;
  logql::Pipeline pipeline_;
  bool simple_;
};

int64_t delete_logs(const std::string& query, TimestampTz start, TimestampTz end, Oid target) {
  // Error positions refer to this copy: it must outlive the C++ frames (palloc'd).
  const char* error_text = observe::pg::pg_guard([&] { return pnstrdup(query.data(), query.size()); });
  observe::pg::set_error_query(error_text);
  logql::Query q = logql::parse_query(query);
  if (!q.deferred_error.empty()) throw Error(ErrorKind::kSyntax, q.deferred_error, q.deferred_error_pos);
  observe::pg::set_error_query(nullptr);
  if (!q.is_log)
    throw Error(ErrorKind::kInvalidParameter,
                "observe.delete_logs takes a log query (a stream selector and line filters), not a metric query");
  if (end < start) throw Error(ErrorKind::kInvalidParameter, "end_time must not be before start_time");

  // DELETE and SELECT (the lines are read to choose them), as DELETE ... WHERE line ... needs;
  // self-exclusive and against compaction and retention, not against INSERT or queries.
  Relation rel = observe::pg::open_for_writing(target, ShareUpdateExclusiveLock, ACL_DELETE | ACL_SELECT,
                                               "observe.delete_logs");
  std::shared_ptr<const observe::pg::TsLayout> layout = observe::pg::ts_layout(rel);
  const observe::pg::LogsShape shape = observe::pg::logs_shape(rel, *layout);
  std::shared_ptr<observe::pg::SeriesDict> dict = observe::pg::ts_series_dict(layout->relid, layout->storage_id);

  observe::pg::RowDeleteSpec spec;
  spec.series = dict->match(q.log.matchers);
  spec.min_time = observe::pg::engine_stored_lo(*layout->profile, start);
  spec.max_time = observe::pg::engine_stored_hi(*layout->profile, end);
  spec.contains = contains_tests(q.log, shape.line_col);
  LineChooser chooser(q.log, shape, dict);
  observe::pg::RowDeleteResult result = observe::pg::ts_delete_rows(
      rel, spec, [&](int32_t series, const observe::chunk::ChunkData& data, std::vector<bool>& drop) {
        chooser(series, data, drop);
      });
  observe::pg::pg_guard([rel] { table_close(rel, NoLock); });  // the lock stays to commit
  return result.rows_deleted;
}

}  // namespace

// observe.delete_logs(selector text, start_time timestamptz, end_time timestamptz,
//                     line_filter text, target regclass) RETURNS bigint: the lines deleted.
// NULL start_time / end_time: unbounded; NULL line_filter: every line of the selected streams.
OBSERVE_FUNCTION(observe_delete_logs) {
  if (PG_ARGISNULL(0)) throw Error(ErrorKind::kInvalidParameter, "selector must not be null");
  if (PG_ARGISNULL(4)) throw Error(ErrorKind::kInvalidParameter, "target must not be null");
  text* selector = nullptr;
  text* filter = nullptr;
  observe::pg::pg_guard([&] {
    selector = PG_GETARG_TEXT_PP(0);
    if (!PG_ARGISNULL(3)) filter = PG_GETARG_TEXT_PP(3);
  });
  std::string query(VARDATA_ANY(selector), VARSIZE_ANY_EXHDR(selector));
  if (filter != nullptr) query.append(" ").append(VARDATA_ANY(filter), VARSIZE_ANY_EXHDR(filter));
  TimestampTz start = PG_ARGISNULL(1) ? DT_NOBEGIN : PG_GETARG_TIMESTAMPTZ(1);
  TimestampTz end = PG_ARGISNULL(2) ? DT_NOEND : PG_GETARG_TIMESTAMPTZ(2);
  PG_RETURN_INT64(delete_logs(query, start, end, PG_GETARG_OID(4)));
}
