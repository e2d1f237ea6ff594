// Internal: helpers shared by the function implementations (functions.cpp,
// range_functions.cpp, label_functions.cpp, histogram_functions.cpp).
#pragma once

#include <string>

#include "core/promql/evaluator.h"

namespace observe::promql {

// The node under any parentheses.
const Node& unwrap(const Node& n);
double scalar_arg(Evaluator& ev, const Node& n, int64_t t);
std::string string_arg(Evaluator& ev, const Node& n, int64_t t);
// An instant vector value at t (every element stamped with t).
Value vector_value(Vector v, int64_t t);

// One value per series for the functions over a range vector; false: no output.
bool range_function(Evaluator& ev, const Node& n, const std::string& name, const Series& s, int64_t t, double* out);

Value label_replace(Evaluator& ev, const Node& n, int64_t t);
Value label_join(Evaluator& ev, const Node& n, int64_t t);
// Labels absent()/absent_over_time() give their output: the selector's equality matchers.
Labels absent_labels(const Node& arg);

Value histogram_quantile(Evaluator& ev, const Node& n, int64_t t);
Value histogram_fraction(Evaluator& ev, const Node& n, int64_t t);
Value histogram_quantiles(Evaluator& ev, const Node& n, int64_t t);

}  // namespace observe::promql
