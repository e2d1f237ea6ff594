// Rows of (time timestamptz, text, float8) into a materialized set-returning function's
// tuplestore, from C++: every PostgreSQL call runs under pg_guard.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pg/pg_headers.h"

namespace observe::pg {

class SrfRows {
 public:
  explicit SrfRows(FunctionCallInfo fcinfo);
  // t_ms: ms since the Unix epoch; a null text or value pointer is SQL NULL.
  void add(int64_t t_ms, const std::string* text, const double* value);

  // Many rows whose texts repeat (a range query's series names): each text becomes one
  // datum, and all rows go in under one guard, so a row costs a tuplestore append only.
  struct Row {
    int64_t t_ms;
    size_t text;  // index into texts
    double value;
  };
  void add_rows(const std::vector<std::string>& texts, const std::vector<Row>& rows);

 private:
  FunctionCallInfo fcinfo_;
};

}  // namespace observe::pg
