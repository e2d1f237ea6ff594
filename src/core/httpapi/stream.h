// A query result's response body produced piece by piece while it is being sent, so a large
// query_range answer never exists as one JSON string: the body is the result (already in
// memory, as the engine returns it) plus the pieces not sent yet (the HTTP worker gathers up to
// 1 MiB of them before it decides between one buffer and a chunked stream).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/promql/value.h"

namespace observe::httpapi {

class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Appends the next piece to out; false once the body is complete (nothing appended).
  virtual bool next(std::string& out, size_t piece_bytes) = 0;
};

// {"status":"success","data":{"resultType":...,"result":[...]<data_suffix>}[,"warnings":[...]][,"infos":[...]]}
// exactly as prom_success_body(append_query_data(v), warnings, infos) writes it; Loki's metric
// answers pass data_suffix ",\"stats\":{}" and no annotations.
class QueryResultStream : public BodyStream {
 public:
  QueryResultStream(promql::Value v, std::string data_suffix, bool annotations);
  bool next(std::string& out, size_t piece_bytes) override;

 private:
  promql::Value v_;
  std::string suffix_;
  bool annotations_;
  int stage_ = 0;   // 0: head, 1: elements, 2: tail, 3: done
  size_t index_ = 0;
};

}  // namespace observe::httpapi
