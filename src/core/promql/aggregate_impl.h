// Internal: the pieces of the aggregation operators shared by the step-wise evaluation
// (aggregations.cpp) and the range evaluation (range_aggregate.cpp).
#pragma once

#include <string>
#include <vector>

#include "core/promql/evaluator.h"

namespace observe::promql {

// One output group of an aggregation at one step.
struct AggGroup {
  Labels labels;
  double value = 0, mean = 0, c = 0, count = 0;
  bool incremental_mean = false;
  bool drop_name = false;
  std::vector<size_t> members;  // for the k-aggregations and quantile
  std::vector<double> values;
};

// The group's identity as a flat string (the labels kept by by/without).
void grouping_key(const Labels& l, const Node& n, std::string* key);
Labels grouping_labels(const Labels& l, const Node& n);
// Checks the parameter (k, φ, ratio) at one step: throws or warns as Prometheus does;
// false when the step has no output (k < 1, ratio 0).
bool aggregate_param_ok(Evaluator& ev, const Node& n, double param);
// Adds one input value to its group (sum, avg, count, min, max, group, stddev, stdvar,
// quantile), in input order: the float results depend on it as in Prometheus.
void aggregate_add(AggOp op, AggGroup& g, double f, bool drop_name);
double aggregate_result(AggOp op, const AggGroup& g, double param);

}  // namespace observe::promql
