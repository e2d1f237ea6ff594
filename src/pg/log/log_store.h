// The observe_log storage as the other glue uses it (push_loki, the LogQL functions, the Kafka
// worker, the HTTP API): append the lines of a stream and read a table through LogQL's
// LogStore view, without going through SQL text. Implemented in src/pg/log/ on the shared
// engine (src/pg/engine/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/common/labels.h"
#include "core/logql/storage.h"
#include "pg/border/pg_headers.h"

extern "C" {
#include "utils/relcache.h"
#include "utils/snapshot.h"
}

namespace observe::pg {

// Throws observe::Error (kInvalidParameter) unless rel is an observe_log table shaped like
// observe.logs: (time timestamptz, labels jsonb, line text, metadata jsonb).
void log_check_logs_shape(Relation rel);

struct LogPushEntry {
  int64_t ts_ns = 0;              // nanoseconds since the Unix epoch (Loki's unit)
  std::string_view line;          // exact bytes; must be valid UTF-8 (checked, error names the entry)
  const Labels* metadata = nullptr;  // structured metadata; null or empty = SQL NULL
};

// Appends lines of one stream through the same per-transaction write buffer as INSERT. With
// drop_duplicates (the push paths, as Loki does), an entry whose (stream, ts_ns, line) is already
// in the table as the caller's snapshot sees it, buffered by this transaction, or earlier in this
// call, is dropped. Returns the number of lines appended. The caller holds RowExclusiveLock and
// has checked INSERT privilege. lines_checked: the caller has made sure that every line is valid
// UTF-8 without a NUL byte (the Kafka worker checks each message's lines before it groups them).
size_t log_append(Relation rel, const Labels& stream, const LogPushEntry* entries, size_t n,
                  bool drop_duplicates, bool lines_checked = false);

// LogQL's view of such a table as `snapshot` sees it: select() answers from the label index
// without reading lines; scan() reads only the stream's chunks overlapping the range and skips
// chunks whose token filter rules out a handed-down line filter. Valid while rel stays open.
std::unique_ptr<logql::LogStore> log_store_open(Relation rel, Snapshot snapshot);

}  // namespace observe::pg
