// The PromQL syntax tree. One node struct with a kind tag keeps the parser and the
// evaluator simple; fields not used by a kind stay empty.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/matcher.h"

namespace observe::promql {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };
const char* value_type_name(ValueType t);  // "scalar", "instant vector", "range vector", "string"

enum class NodeKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,  // args[0] is the vector selector carrying offset/@
  kSubquery,        // args[0] is the inner expression
  kParen,
  kUnary,
  kBinary,
  kAggregate,  // args: [param,] expr
  kCall,
  kExternal,  // an instant vector computed outside PromQL (`external`): LogQL's range aggregations
};

enum class BinOp { kAdd, kSub, kMul, kDiv, kMod, kPow, kAtan2, kEql, kNeq, kGtr, kLss, kGte, kLte, kAnd, kOr, kUnless };
bool is_comparison(BinOp op);
bool is_set_operator(BinOp op);
const char* binop_name(BinOp op);

enum class AggOp { kSum, kAvg, kCount, kMin, kMax, kGroup, kStddev, kStdvar, kTopk, kBottomk, kCountValues, kQuantile, kLimitk, kLimitRatio };
const char* aggop_name(AggOp op);

enum class Card { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

enum class AtKind { kNone, kValue, kStart, kEnd };

struct VectorMatching {
  Card card = Card::kOneToOne;
  bool on = false;                    // on(...) given (else ignoring, possibly empty)
  std::vector<std::string> labels;    // on/ignoring labels
  std::vector<std::string> include;   // group_left/right extra labels
  // fill()/fill_left()/fill_right() (experimental): the value a missing side takes.
  std::optional<double> fill_lhs, fill_rhs;
};

// A duration expression (Prometheus's experimental duration arithmetic): `[5m + step()]`,
// `offset (2 * 1m)`. Values are in seconds; they are resolved to milliseconds when the
// query's step and range are known (resolve_durations).
struct DurExpr;
using DurPtr = std::shared_ptr<DurExpr>;
struct DurExpr {
  enum Kind { kNumber, kStep, kRange, kMinOf, kMaxOf, kAdd, kSub, kMul, kDiv, kMod, kPow, kNeg, kParen } kind = kNumber;
  double value = 0;          // kNumber, in seconds
  bool is_duration = false;  // kNumber written as a duration (5m), for printing
  DurPtr lhs, rhs;           // operands; kNeg and kParen use lhs
  int pos = 0;
};

struct Node;
using NodePtr = std::shared_ptr<Node>;

struct VectorElement;
struct Series;

// The values of a kExternal leaf: another language's expression (a LogQL range aggregation)
// evaluated by its own engine, so that PromQL's aggregations, operators and functions run on
// top of it unchanged. Elements and series carry no metric name.
class ExternalVector {
 public:
  virtual ~ExternalVector() = default;
  // The leaf's instant vector at time t.
  virtual std::vector<VectorElement> at(int64_t t) = 0;
  // Its series over the steps start, start+step, ..., end (points only where it has a value).
  virtual std::vector<Series> range(int64_t start, int64_t end, int64_t step) = 0;
  // The leaf's text in the other language (for printing).
  virtual std::string text() const = 0;
};

struct Node {
  NodeKind kind;
  int pos = 0;  // byte offset of the node in the query

  double number = 0;  // kNumber
  std::string str;    // kString value; kCall function name

  // kVectorSelector (offset/@ also on kSubquery)
  std::string metric_name;
  Matchers matchers;
  int64_t offset_ms = 0;
  AtKind at_kind = AtKind::kNone;
  int64_t at_ms = 0;

  int64_t range_ms = 0;  // kMatrixSelector, kSubquery
  int64_t step_ms = 0;   // kSubquery; 0: default step
  // Set instead of the value above when it is written as an expression.
  DurPtr offset_expr, range_expr, step_expr;

  // kUnary (kSub/kAdd), kBinary
  BinOp op = BinOp::kAdd;
  bool return_bool = false;
  VectorMatching matching;
  // LogQL's arithmetic: x / 0 is NaN (Prometheus gives ±Inf).
  bool zero_divisor_nan = false;

  // kAggregate
  AggOp agg = AggOp::kSum;
  bool without = false;
  std::vector<std::string> grouping;

  std::vector<NodePtr> args;

  std::shared_ptr<ExternalVector> external;  // kExternal

  ValueType type() const;
};

}  // namespace observe::promql
