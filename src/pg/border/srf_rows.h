// Rows of (time timestamptz, text, float8) into a materialized set-returning function's
// tuplestore, from C++: every PostgreSQL call runs under pg_guard.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pg/border/pg_headers.h"

namespace observe::pg {

class SrfRows {
 public:
  explicit SrfRows(FunctionCallInfo fcinfo);
  // t_ms: ms since the Unix epoch; a null text or value pointer is SQL NULL.
  void add(int64_t t_ms, const std::string* text, const double* value);

  // Many rows whose texts repeat (a range query's series names): set_texts makes each text
  // one datum, and add_rows puts a batch of rows under one guard, so a row costs a
  // tuplestore append only.
  struct Row {
    int64_t t_ms;
    size_t text;  // index into the texts given to set_texts
    double value;
  };
  void set_texts(const std::vector<std::string>& texts);
  // Sizes the tuplestore to keep `rows` rows whose texts total `text_bytes` in memory: the
  // result is already held by the engine (bounded by observe.promql_max_samples), and a
  // tuplestore limited to work_mem would write the rest to a temporary file and read it back.
  void expect(size_t rows, size_t text_bytes);
  void add_rows(const std::vector<Row>& rows);

 private:
  FunctionCallInfo fcinfo_;
  Datum* texts_ = nullptr;  // palloc'd in the function's memory context
};

}  // namespace observe::pg
