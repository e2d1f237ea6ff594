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

// The functions over a range vector that yield one value per series.
enum class RangeFn {
  kNone, kRate, kIncrease, kDelta, kIrate, kIdelta, kChanges, kResets, kDeriv, kPredictLinear,
  kAvg, kSum, kCount, kMin, kMax, kLast, kFirst, kTsLast, kTsFirst, kTsMin, kTsMax,
  kStddev, kStdvar, kPresent, kQuantile, kDoubleExp, kMad,
};
RangeFn range_fn(const std::string& name);

// One series' samples in one window (stale markers removed), with what the function needs.
struct RangeWindow {
  const Sample* p = nullptr;
  size_t n = 0;
  int64_t range_start = 0, range_end = 0;  // the window (rate's extrapolation)
  int64_t t = 0;                           // evaluation time (predict_linear)
  double param0 = 0, param1 = 0;           // scalar arguments: φ, the horizon, sf and tf
  // Optional: the samples just before each counter reset inside the window, in order, so
  // rate need not scan the window; nullptr means scan.
  const Sample* const* reset_prev = nullptr;
  size_t n_resets = 0;
};
// One value of the function over the window; false: no output (n == 0 is not allowed).
bool range_function(RangeFn fn, const RangeWindow& w, double* out);
// The functions whose windows range evaluation computes several at a time, interleaved
// (the same arithmetic per window as range_function, faster on long windows): stddev and
// stdvar_over_time.
inline constexpr size_t kInterleavedWindows = 4;
bool interleaved_range_fn(RangeFn fn);
// k <= kInterleavedWindows windows at once: out[j], ok[j] as range_function gives them.
void range_function_interleaved(RangeFn fn, const RangeWindow* w, size_t k, double* out, bool* ok);

Value label_replace(Evaluator& ev, const Node& n, int64_t t);
Value label_join(Evaluator& ev, const Node& n, int64_t t);
// Labels absent()/absent_over_time() give their output: the selector's equality matchers.
Labels absent_labels(const Node& arg);

Value histogram_quantile(Evaluator& ev, const Node& n, int64_t t);
// The same over all steps of the evaluator's batch (range evaluation).
Matrix range_histogram_quantile(Evaluator& ev, const Node& n);
Value histogram_fraction(Evaluator& ev, const Node& n, int64_t t);
Value histogram_quantiles(Evaluator& ev, const Node& n, int64_t t);

}  // namespace observe::promql
