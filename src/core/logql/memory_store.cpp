#include <algorithm>

#include "core/logql/pipeline.h"
#include "core/logql/storage.h"

namespace observe::logql {

void MemoryLogStore::append(const Labels& stream, int64_t ts_ns, std::string line, Labels metadata) {
  auto it = std::find_if(streams_.begin(), streams_.end(), [&](const Stream& s) { return s.labels == stream; });
  if (it == streams_.end()) {
    streams_.push_back(Stream{stream, {}, true});
    it = streams_.end() - 1;
  }
  if (!it->entries.empty() && it->entries.back().ts > ts_ns) it->sorted = false;
  it->entries.push_back(Entry{ts_ns, std::move(line), std::move(metadata)});
}

std::vector<StreamRef> MemoryLogStore::select(const Matchers& matchers, int64_t from_ns, int64_t to_ns) {
  std::vector<StreamRef> out;
  for (size_t i = 0; i < streams_.size(); i++) {
    Stream& s = streams_[i];
    if (!matches_all(matchers, s.labels)) continue;
    if (!s.sorted) {
      std::stable_sort(s.entries.begin(), s.entries.end(), [](const Entry& a, const Entry& b) { return a.ts < b.ts; });
      s.sorted = true;
    }
    auto lo = std::lower_bound(s.entries.begin(), s.entries.end(), from_ns, [](const Entry& e, int64_t t) { return e.ts < t; });
    if (lo == s.entries.end() || lo->ts >= to_ns) continue;
    out.push_back(StreamRef{s.labels, i});
  }
  return out;
}

void MemoryLogStore::scan(const StreamRef& ref, int64_t from_ns, int64_t to_ns, Direction dir,
                          const std::vector<const LineFilter*>& filters, const std::function<bool(const LogEntry&)>& fn) {
  const Stream& s = streams_[ref.id];
  auto lo = std::lower_bound(s.entries.begin(), s.entries.end(), from_ns, [](const Entry& e, int64_t t) { return e.ts < t; });
  auto hi = std::lower_bound(lo, s.entries.end(), to_ns, [](const Entry& e, int64_t t) { return e.ts < t; });
  auto visit = [&](const Entry& e) {
    for (auto* f : filters) {
      if (!line_filter_matches(*f, e.line)) {
        skipped_++;
        return true;
      }
    }
    // No metadata is given as none, as PgLogStore gives it (the engine's per-stream path).
    LogEntry le{e.ts, e.line, e.metadata.empty() ? nullptr : &e.metadata};
    return fn(le);
  };
  if (dir == Direction::kForward) {
    for (auto it = lo; it != hi; ++it)
      if (!visit(*it)) return;
  } else {
    for (auto it = hi; it != lo;) {
      --it;
      if (!visit(*it)) return;
    }
  }
}

// Every line given empty: a caller that reads lines here is caught by the tests.
void MemoryLogStore::scan_without_lines(const StreamRef& ref, int64_t from_ns, int64_t to_ns, Direction dir,
                                        const std::function<bool(const LogEntry&)>& fn) {
  scan(ref, from_ns, to_ns, dir, {}, [&](const LogEntry& e) {
    LogEntry blank = e;
    blank.line = std::string_view();
    return fn(blank);
  });
}

}  // namespace observe::logql
