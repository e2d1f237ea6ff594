// The LogStore that log_store_open returns, visible to the glue's own tests
// (log_selftest.cpp reads its chunk counters).
#pragma once

#include <vector>

#include "core/codec/log_lines.h"

#include <cstdint>
#include <memory>
#include <vector>

#include "core/logql/storage.h"
#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

struct TsLayout;
class SeriesDict;

class PgLogStore : public logql::LogStore {
 public:
  PgLogStore(Relation rel, Snapshot snapshot);
  std::vector<logql::StreamRef> select(const Matchers& matchers, int64_t from_ns, int64_t to_ns) override;
  void scan(const logql::StreamRef& stream, int64_t from_ns, int64_t to_ns, logql::Direction dir,
            const std::vector<const logql::LineFilter*>& filters,
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
