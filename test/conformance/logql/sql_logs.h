// The LogQL runner's SQL mode: the `load`ed lines are written into a fresh observe_log table
// per file and per `clear` (multi-row INSERTs, or COPY), and every eval runs through
// observe.logql_instant / observe.logql_range on it, the rows turned back into the engine's
// Value shapes (test/conformance/sql) to be judged like the in-process engine's answers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/labels.h"
#include "core/promql/value.h"
#include "sql_session.h"

namespace observe::logql::conformance {

class SqlLogs {
 public:
  // Connects and creates a scratch schema; throws std::runtime_error when the server is
  // unreachable or lacks pg_observe.
  SqlLogs(const std::string& conninfo, bool copy);
  ~SqlLogs();  // drops the scratch schema

  void clear();
  void append(const Labels& stream, int64_t ts_ns, const std::string& line, const Labels& metadata);
  // Errors are thrown with the server's primary message (the engine's what()).
  promql::Value instant(const std::string& query, int64_t t_ms);
  promql::Value range(const std::string& query, int64_t start_ms, int64_t end_ms, int64_t step_ms);

 private:
  void flush();  // writes the buffered lines before a query reads the table

  observe::conformance::SqlSession sql_;
  bool copy_;
  std::string schema_, table_;
  int tables_ = 0;
  struct Pending {
    std::string labels_json, metadata_json;  // metadata "" = NULL
    int64_t ts_us;
    std::string line;
  };
  std::vector<Pending> pending_;
};

}  // namespace observe::logql::conformance
