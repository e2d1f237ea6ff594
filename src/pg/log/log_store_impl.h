// Inside observe_log's glue: the table shape and the LogStore that log_store_open returns
// (log_selftest.cpp reads its chunk counters; log_delete.cpp reads the shape).
#pragma once

#include <vector>

#include "core/codec/log_lines.h"

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/common/labels.h"
#include "core/logql/storage.h"
#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"
#include "pg/engine/scan.h"

namespace observe::pg {

struct TsLayout;
class SeriesDict;

// Attributes (0-based) of a table shaped like observe.logs, and the chunk columns of its line
// and metadata.
struct LogsShape {
  int labels_att = -1, line_att = -1, metadata_att = -1;
  int line_col = -1, metadata_col = -1;
};
// Throws observe::Error unless rel is an observe_log table shaped like observe.logs.
LogsShape logs_shape(Relation rel, const TsLayout& layout);

class PgLogStore : public logql::LogStore {
 public:
  PgLogStore(Relation rel, Snapshot snapshot);
  std::vector<logql::StreamRef> select(const Matchers& matchers, int64_t from_ns, int64_t to_ns) override;
  void scan(const logql::StreamRef& stream, int64_t from_ns, int64_t to_ns, logql::Direction dir,
            const std::vector<const logql::LineFilter*>& filters,
            const std::function<bool(const logql::LogEntry&)>& fn) override;
  // Decodes each chunk's times and metadata only.
  void scan_without_lines(const logql::StreamRef& stream, int64_t from_ns, int64_t to_ns, logql::Direction dir,
                          const std::function<bool(const logql::LogEntry&)>& fn) override;

  // Chunks the scans so far decoded, and skipped by time range or token filter.
  uint64_t chunks_read() const { return chunks_read_; }
  uint64_t chunks_skipped() const { return chunks_skipped_; }

 private:
  Relation rel_;
  Snapshot snapshot_;
  std::shared_ptr<const TsLayout> layout_;
  uint64_t chunks_read_ = 0, chunks_skipped_ = 0;
  std::vector<codec::LogLines> spare_lines_;  // line buffers reused across streams (log_scan.h)
};

}  // namespace observe::pg

namespace observe::pg {

// The token-filter test a `|= "a" or "b"` line filter allows (a chunk whose filter rules out
// every operand holds no matching line); false for other filters (negative, regex, ip(), "").
bool log_contains_test(const logql::LineFilter& f, int line_col, TsContainsTest* out);

// Structured metadata from the stored jsonb image of a row's metadata column: false (and *out
// untouched) when it is not an object of strings (metadata written by SQL with other values).
bool log_metadata_labels(std::string_view jsonb_image, Labels* out);

}  // namespace observe::pg
