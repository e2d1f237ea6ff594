// LogQL queries over a LogStore: log queries (streams of entries, limit and direction) and
// metric queries (instant and range), the latter evaluated by the PromQL engine over a tree
// whose leaves are LogQL range aggregations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/logql/ast.h"
#include "core/logql/range_agg.h"
#include "core/logql/storage.h"
#include "core/promql/engine.h"

namespace observe::logql {

struct EngineOptions {
  promql::EngineOptions promql;
  EvalLimits limits;
};

struct LogStreamResult {
  Labels labels;
  std::vector<std::pair<int64_t, std::string>> entries;  // (ts ns, line) in query direction
};

struct LogResult {
  std::vector<LogStreamResult> streams;
};

// Entries with start_ns <= ts < end_ns that pass the pipeline, at most `limit` (0: no
// limit) in total: the first ones in `dir` order across all streams.
LogResult log_query(LogStore& store, const Query& q, int64_t start_ns, int64_t end_ns, size_t limit, Direction dir,
                    const EngineOptions& opts);

// Metric queries. Throws SyntaxError for parse errors, Error otherwise; a log query is
// rejected (Loki's ErrUnsupportedSyntaxForInstantQuery for instant queries).
promql::Value instant_query(LogStore& store, std::string_view query, int64_t t_ms, const EngineOptions& opts);
promql::Value range_query(LogStore& store, std::string_view query, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                          const EngineOptions& opts);
promql::Value instant_query(LogStore& store, const Query& q, int64_t t_ms, const EngineOptions& opts);
promql::Value range_query(LogStore& store, const Query& q, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                          const EngineOptions& opts);

}  // namespace observe::logql
