// The LogQL engine's only view of log data: select streams by label matchers, then read a
// stream's entries in a time range, forward or backward. The line filters that lead the
// pipeline are handed down so that storage can skip lines (or whole chunks) that cannot
// match; the engine applies them again, so skipping is an optimisation only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/labels.h"
#include "core/common/matcher.h"
#include "core/logql/ast.h"

namespace observe::logql {

struct LogEntry {
  int64_t ts_ns = 0;
  std::string_view line;
  const Labels* metadata = nullptr;  // structured metadata, may be null
  // The store applied every line filter handed to scan() to this entry exactly (Loki's
  // semantics), so the engine need not test them again; false: they may only have skipped.
  bool filters_applied = false;
};

enum class Direction { kForward, kBackward };

struct StreamRef {
  Labels labels;
  uint64_t id = 0;  // storage's handle of the stream
};

class LogStore {
 public:
  virtual ~LogStore() = default;
  // Streams matching every matcher that may hold entries in [from_ns, to_ns).
  virtual std::vector<StreamRef> select(const Matchers& matchers, int64_t from_ns, int64_t to_ns) = 0;
  // Calls fn for the stream's entries with from_ns <= ts < to_ns, in time order (ties in
  // insertion order; reversed when backward), until fn returns false. Entries failing one
  // of `filters` may be skipped.
  virtual void scan(const StreamRef& stream, int64_t from_ns, int64_t to_ns, Direction dir,
                    const std::vector<const LineFilter*>& filters,
                    const std::function<bool(const LogEntry&)>& fn) = 0;
  // The same entries for a caller that reads only their times and metadata (a count or rate
  // of a stream selector alone): storage may leave every line empty and not decode them.
  virtual void scan_without_lines(const StreamRef& stream, int64_t from_ns, int64_t to_ns, Direction dir,
                                  const std::function<bool(const LogEntry&)>& fn) {
    scan(stream, from_ns, to_ns, dir, {}, fn);
  }
};

// In-memory store for tests and the conformance runner.
class MemoryLogStore : public LogStore {
 public:
  void append(const Labels& stream, int64_t ts_ns, std::string line, Labels metadata = Labels());
  void clear() { streams_.clear(); }
  std::vector<StreamRef> select(const Matchers& matchers, int64_t from_ns, int64_t to_ns) override;
  void scan(const StreamRef& stream, int64_t from_ns, int64_t to_ns, Direction dir,
            const std::vector<const LineFilter*>& filters, const std::function<bool(const LogEntry&)>& fn) override;
  void scan_without_lines(const StreamRef& stream, int64_t from_ns, int64_t to_ns, Direction dir,
                          const std::function<bool(const LogEntry&)>& fn) override;
  // Entries the last scans skipped thanks to the filters handed down (for tests).
  int64_t skipped() const { return skipped_; }

 private:
  struct Entry {
    int64_t ts;
    std::string line;
    Labels metadata;
  };
  struct Stream {
    Labels labels;
    std::vector<Entry> entries;
    bool sorted = true;
  };
  std::vector<Stream> streams_;
  int64_t skipped_ = 0;
};

}  // namespace observe::logql
