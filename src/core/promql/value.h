// Values flowing through the evaluator and out of the engine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/labels.h"
#include "core/common/stale.h"
#include "core/promql/ast.h"
#include "core/promql/storage.h"

namespace observe::promql {

// One element of an instant vector. `t` is the evaluation time, except straight out of a
// vector selector where it is the sample's own time (what timestamp() reports).
// `drop_name` implements delayed __name__ removal: the name goes at the end of the query.
struct VectorElement {
  Labels metric;
  double v = 0;
  int64_t t = 0;
  bool drop_name = false;
};
using Vector = std::vector<VectorElement>;

struct Series {
  Labels metric;
  std::vector<Sample> samples;
  bool drop_name = false;
};
using Matrix = std::vector<Series>;

// Result of a query or of evaluating one node at one time.
struct Value {
  ValueType type = ValueType::kNone;
  double scalar = 0;  // kScalar
  std::string str;    // kString
  Vector vector;      // kVector
  Matrix matrix;      // kMatrix
  int64_t t = 0;      // evaluation time (scalar, string, vector)
  // Annotations of a query result, as Prometheus prints them:
  // "PromQL warning: <text> (line:col)" / "PromQL info: <text> (line:col)".
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
};

// IEEE NaN with Prometheus's staleness bit pattern (core/common/stale.h).
using observe::is_stale_nan;
using observe::stale_nan;

}  // namespace observe::promql
