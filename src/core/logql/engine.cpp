#include "core/logql/engine.h"

#include <algorithm>
#include <unordered_map>

#include "core/common/error.h"
#include "core/logql/parser.h"
#include "core/logql/pipeline.h"

namespace observe::logql {

namespace {

// The PromQL engine reads no samples of its own in a LogQL query: every leaf is external.
class NoSamples : public promql::Queryable {
 public:
  using promql::Queryable::select;
  std::vector<promql::SeriesData> select(const Matchers&, int64_t, int64_t) override { return {}; }
};

void check_deferred(const Query& q) {
  if (!q.deferred_error.empty()) throw SyntaxError(q.deferred_error, q.deferred_error_pos);
}

// Loki words a one-to-one matching conflict without the match group.
[[noreturn]] void rethrow_loki_wording(const Error& e) {
  std::string m = e.what();
  size_t a = m.find("found duplicate series for the match group ");
  size_t b = a == std::string::npos ? a : m.find(" on the ", a);
  if (b != std::string::npos) {
    m = m.substr(0, a) + "found duplicate series" + m.substr(b);
    throw Error(e.kind(), m, e.position());
  }
  throw;
}

constexpr char kInstantLogQuery[] =
    "log queries are not supported as an instant query type, please change your query to a range query type";

// Loki's max_query_series counts the series a metric query returns (after its aggregations,
// so `sum(count_over_time({app="x"} | json [1h]))` is one series however many the parser made).
void check_series_limit(const promql::Value& v, const EvalLimits& limits) {
  size_t n = v.type == promql::ValueType::kVector ? v.vector.size()
             : v.type == promql::ValueType::kMatrix ? v.matrix.size() : 0;
  if (limits.max_series > 0 && static_cast<int64_t>(n) > limits.max_series)
    throw Error(ErrorKind::kLimitExceeded,
                "maximum number of series (" + std::to_string(limits.max_series) + ") reached for a single query");
}

}  // namespace

LogResult log_query(LogStore& store, const Query& q, int64_t start_ns, int64_t end_ns, size_t limit, Direction dir,
                    const EngineOptions& opts) {
  if (!q.is_log) throw Error(ErrorKind::kInvalidParameter, "not a log query");
  check_deferred(q);
  struct Hit {
    int64_t ts;
    size_t seq;
    Labels labels;
    std::string line;
  };
  // The answer is the first `limit` hits in `dir` order (ties in discovery order), kept in a
  // heap whose top is the worst kept: memory holds `limit` lines whatever the range, and a
  // stream (scanned in `dir` order) stops as soon as its next entry cannot beat the worst.
  auto before = [dir](const Hit& a, const Hit& b) {
    if (a.ts != b.ts) return dir == Direction::kForward ? a.ts < b.ts : a.ts > b.ts;
    return a.seq < b.seq;
  };
  std::vector<Hit> hits;
  Pipeline pipeline(q.log.stages);
  LabelSet lbs;
  std::string line;
  static const Labels kNoMeta;
  auto filters = pushdown_filters(q.log);
  int64_t read = 0;
  size_t seq = 0;
  for (const StreamRef& s : store.select(q.log.matchers, start_ns, end_ns)) {
    if (!stream_can_pass(q.log.stages, s.labels)) continue;
    store.scan(s, start_ns, end_ns, dir, filters, [&](const LogEntry& e) {
      if (((++read & 4095) == 0) && opts.limits.interrupted && opts.limits.interrupted())
        throw Error(ErrorKind::kCanceled, "query canceled");
      if (opts.limits.max_entries_read > 0 && read > opts.limits.max_entries_read)
        throw Error(ErrorKind::kLimitExceeded, "the query would read too many log entries (max_entries_read = " +
                                                   std::to_string(opts.limits.max_entries_read) + ")");
      bool full = limit > 0 && hits.size() == limit;
      // Equal times lose: this entry's discovery number would be higher.
      if (full && !(dir == Direction::kForward ? e.ts_ns < hits.front().ts : e.ts_ns > hits.front().ts))
        return false;
      lbs.reset(s.labels, e.metadata ? *e.metadata : kNoMeta);
      line.assign(e.line.data(), e.line.size());
      if (!pipeline.process(e.ts_ns, &line, &lbs)) return true;
      if (full) {
        std::pop_heap(hits.begin(), hits.end(), before);
        hits.pop_back();
      }
      hits.push_back(Hit{e.ts_ns, seq++, lbs.result(), line});
      if (limit > 0) std::push_heap(hits.begin(), hits.end(), before);
      return true;
    });
  }
  std::sort(hits.begin(), hits.end(), before);
  LogResult r;
  std::unordered_map<uint64_t, std::vector<size_t>> index;
  for (auto& h : hits) {
    auto& bucket = index[h.labels.hash()];
    size_t pos = r.streams.size();
    for (size_t i : bucket)
      if (r.streams[i].labels == h.labels) pos = i;
    if (pos == r.streams.size()) {
      bucket.push_back(pos);
      r.streams.push_back(LogStreamResult{h.labels, {}});
    }
    r.streams[pos].entries.emplace_back(h.ts, std::move(h.line));
  }
  return r;
}

// The leaves' limits: the caller's, with PromQL's sample budget.
static EvalLimits leaf_limits(const EngineOptions& opts) {
  EvalLimits l = opts.limits;
  if (l.max_samples == 0) l.max_samples = opts.promql.max_samples;
  if (!l.interrupted) l.interrupted = opts.promql.interrupted;
  return l;
}

promql::Value instant_query(LogStore& store, const Query& q, int64_t t_ms, const EngineOptions& opts) {
  if (q.is_log) throw Error(ErrorKind::kInvalidParameter, kInstantLogQuery);
  check_deferred(q);
  EvalLimits limits = leaf_limits(opts);
  bind_leaves(*q.metric, &store, &limits);
  NoSamples none;
  promql::Value v;
  try {
    v = promql::instant_query(none, q.metric, t_ms, opts.promql);
  } catch (const Error& e) {
    rethrow_loki_wording(e);
  }
  check_series_limit(v, opts.limits);
  return v;
}

promql::Value range_query(LogStore& store, const Query& q, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                          const EngineOptions& opts) {
  if (q.is_log) throw Error(ErrorKind::kInvalidParameter, "log queries return streams: use log_query");
  if (q.has_approx_topk) throw Error(ErrorKind::kInvalidParameter, "approx_topk is only supported on instant queries");
  check_deferred(q);
  EvalLimits limits = leaf_limits(opts);
  bind_leaves(*q.metric, &store, &limits);
  NoSamples none;
  promql::Value v;
  try {
    v = promql::range_query(none, q.metric, start_ms, end_ms, step_ms, opts.promql);
  } catch (const Error& e) {
    rethrow_loki_wording(e);
  }
  check_series_limit(v, opts.limits);
  return v;
}

promql::Value instant_query(LogStore& store, std::string_view query, int64_t t_ms, const EngineOptions& opts) {
  return instant_query(store, parse_query(query), t_ms, opts);
}

promql::Value range_query(LogStore& store, std::string_view query, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                          const EngineOptions& opts) {
  return range_query(store, parse_query(query), start_ms, end_ms, step_ms, opts);
}

}  // namespace observe::logql
