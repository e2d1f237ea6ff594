// Where the conformance runner loads samples and runs queries: the in-process engine over a
// MemoryStorage, or (sql_backend.h) an observe_ts table queried through observe.promql.
#pragma once

#include <cstdint>
#include <string>

#include "core/common/labels.h"
#include "core/promql/ast.h"
#include "core/promql/value.h"

namespace observe::promql::conformance {

class Backend {
 public:
  virtual ~Backend() = default;
  // Drops all samples (`clear`, and the start of each file).
  virtual void clear() = 0;
  virtual void add(const Labels& series, int64_t t_ms, double v) = 0;
  // `text` is the query as written when set (annotations then carry its positions);
  // otherwise `expr` (perhaps rewritten by the runner) is run. Errors are thrown with the
  // engine's message as what().
  virtual Value instant(const std::string* text, const NodePtr& expr, int64_t t_ms) = 0;
  virtual Value range(const std::string* text, const NodePtr& expr, int64_t start_ms, int64_t end_ms,
                      int64_t step_ms) = 0;
  // False when the backend cannot deliver annotations (the SQL functions return none).
  virtual bool has_annotations() const = 0;
};

}  // namespace observe::promql::conformance
