// The conformance runner's SQL mode: samples are written with multi-row INSERTs (or COPY)
// into a fresh observe_ts table per file and per `clear`, queries go through observe.promql / observe.promql_range
// with that table as `source`, and the rows are turned back into a Value by the row shapes
// of src/pg/promql_functions.cpp; its NOTICEs are the result's annotations.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "backend.h"
#include "sql_session.h"

namespace observe::promql::conformance {

class SqlBackend : public Backend {
 public:
  // Connects, creates a scratch schema and sets max samples to the upstream test engine's
  // 10,000. Throws std::runtime_error when the server is unreachable or lacks pg_observe.
  // copy: load with COPY (the access method's multi-insert path) instead of INSERT; staleness
  // markers are INSERTed either way (their NaN payload has no text form).
  SqlBackend(const std::string& conninfo, bool copy);
  ~SqlBackend() override;  // drops the scratch schema

  void clear() override;
  void add(const Labels& series, int64_t t_ms, double v) override;
  Value instant(const std::string* text, const NodePtr& expr, int64_t t_ms) override;
  Value range(const std::string* text, const NodePtr& expr, int64_t start_ms, int64_t end_ms,
              int64_t step_ms) override;
  // observe.promql raises a result's annotations as NOTICEs with Prometheus's text.
  bool has_annotations() const override { return true; }

 private:
  void flush();  // writes the buffered samples before a query reads the table
  void take_annotations(Value* v);  // the NOTICEs of the last query
  std::vector<observe::conformance::SqlRow> query(const char* sql, const std::vector<std::string>& params);

  observe::conformance::SqlSession sql_;
  std::string schema_, table_;
  int tables_ = 0;
  struct Pending {
    Labels series;
    int64_t t;
    double v;
  };
  bool copy_;
  std::vector<Pending> pending_;
};

}  // namespace observe::promql::conformance
