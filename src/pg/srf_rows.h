// Rows of (time timestamptz, text, float8) into a materialized set-returning function's
// tuplestore, from C++: every PostgreSQL call runs under pg_guard.
#pragma once

#include <cstdint>
#include <string>

#include "pg/pg_headers.h"

namespace observe::pg {

class SrfRows {
 public:
  explicit SrfRows(FunctionCallInfo fcinfo);
  // t_ms: ms since the Unix epoch; a null text or value pointer is SQL NULL.
  void add(int64_t t_ms, const std::string* text, const double* value);

 private:
  FunctionCallInfo fcinfo_;
};

}  // namespace observe::pg
