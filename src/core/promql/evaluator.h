// Internal: the evaluator shared by engine.cpp, functions.cpp, aggregations.cpp and
// binary_ops.cpp. eval() evaluates a node at one timestamp (instant queries, subqueries,
// and the nodes range evaluation does not handle); range_matrix() a node over all steps of
// a range query's batch (range_eval.cpp).
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "core/common/error.h"
#include "core/promql/engine.h"

namespace observe::promql {

inline constexpr char kTooManySamples[] = "query processing would load too many samples into memory in query execution";
inline constexpr char kDuplicateLabelset[] = "vector cannot contain metrics with the same labelset";

class Evaluator {
 public:
  Evaluator(Queryable& q, const EngineOptions& opts, int64_t start, int64_t end, int64_t step)
      : q_(q), opts_(opts), start_(start), end_(end), step_(step) {}

  // Loads from storage, once per selector, every sample that evaluations at times in
  // [mint, maxt] can touch, replacing what an earlier prefetch loaded. The loaded samples
  // count towards max_samples, with the `held` result points: what the query holds in memory.
  void prefetch(const Node& root, int64_t mint, int64_t maxt, int64_t held);
  Value eval(const Node& n, int64_t t);

  // Vector selector at t; element t is the sample's own timestamp.
  Vector eval_vector_selector(const Node& n, int64_t t);

  // Range evaluation (range_eval.cpp): a node's values at every step of a batch at once.
  // Between begin_batch and end_batch, range_matrix gives a vector-valued node's series over
  // the steps [start, end] (points only where it has a value), range_scalar a scalar node's
  // value per step. Selectors, range functions over selectors, the common aggregations and
  // operators with a scalar side run series by series (a sliding window, no per-step
  // allocation); anything else runs step by step, its vector arguments served from the
  // range results computed beforehand.
  void begin_batch(int64_t start, int64_t end);
  void end_batch();
  Matrix range_matrix(const Node& n);
  std::vector<double> range_scalar(const Node& n);
  size_t batch_steps() const { return static_cast<size_t>((batch_end_ - batch_start_) / step_ + 1); }
  int64_t batch_time(size_t i) const { return batch_start_ + static_cast<int64_t>(i) * step_; }
  size_t batch_index(int64_t t) const { return static_cast<size_t>((t - batch_start_) / step_); }

  // Accounts for samples held in memory; throws on the max_samples limit or cancellation.
  void count_samples(int64_t n);
  // Cancellation check every ~4k units of work (samples visited) without counting them as
  // held in memory.
  void poll(int64_t work) {
    polls_ += work + 1;
    if (polls_ >= 4096) {
      polls_ = 0;
      check_interrupted();
    }
  }
  // Points kept until the end of the batch (range results): counted now and at every step.
  void hold_samples(int64_t n) {
    held_ += n;
    count_samples(n);
  }
  // Starts a new step: what stays in memory is the loaded data plus the held points.
  void reset_step_samples() { current_ = loaded_ + held_; }
  int64_t current_samples() const { return current_; }
  void check_interrupted();

  // Records an annotation about the query text at byte offset pos (deduplicated).
  void warn(const std::string& text, int pos) { add_annotation(&warnings_, "PromQL warning: " + text, pos); }
  void info(const std::string& text, int pos) { add_annotation(&infos_, "PromQL info: " + text, pos); }
  void take_annotations(Value* v) {
    v->warnings = warnings_;
    v->infos = infos_;
  }
  bool is_range_query() const { return start_ != end_; }
  int64_t at_time(const Node& n, int64_t t) const;

  int64_t query_start() const { return start_; }
  int64_t query_step() const { return step_; }
  int64_t query_end() const { return end_; }
  const EngineOptions& options() const { return opts_; }

  // An evaluation error caused by the data (duplicate label sets, matching conflicts).
  [[noreturn]] static void fail(const std::string& msg) { throw Error(ErrorKind::kDataException, msg); }
  // An argument that cannot be used (a bad regex, a NaN parameter).
  [[noreturn]] static void invalid(const std::string& msg) { throw Error(ErrorKind::kInvalidParameter, msg); }

 private:
  void add_annotation(std::vector<std::string>* list, const std::string& text, int pos);
  // window_step: the step at which the selectors below n are evaluated (0 inside subqueries,
  // whose inner steps are their own).
  void prefetch_walk(const Node& n, int64_t mint, int64_t maxt, int64_t window_step);
  Matrix eval_matrix_selector(const Node& n, int64_t t);
  Matrix eval_subquery(const Node& n, int64_t t);

  // range_eval.cpp
  bool range_native(const Node& n) const;
  Matrix range_stepwise(const Node& n);
  void cache_arguments(const Node& n);
  Matrix range_vector_selector(const Node& n);
  Matrix range_function_call(const Node& n);
  Matrix range_aggregate(const Node& n);
  Matrix range_binary(const Node& n);
  // A range result consumed step by step: eval() of a cached node reads it at t.
  struct Cached {
    Matrix m;
    std::vector<size_t> cursor;
    int64_t last_t = 0;
  };
  Vector cached_vector(Cached& c, int64_t t);
  void cache_matrix(const Node& n, Matrix m);
  std::unordered_map<const Node*, Cached> cache_;
  int64_t batch_start_ = 0, batch_end_ = -1;
  int64_t held_ = 0;  // points beyond the loaded data that the batch keeps

  Queryable& q_;
  const EngineOptions& opts_;
  int64_t start_, end_, step_;
  int64_t current_ = 0;
  int64_t loaded_ = 0;  // samples returned by the last prefetch
  // A subquery's inner results over the contiguous inner steps [first, last]: consecutive
  // outer steps share most inner steps, whose values only depend on the inner timestamp.
  struct SubqueryState {
    bool valid = false;
    int64_t first = 0, last = 0;
    std::unordered_map<uint64_t, std::vector<size_t>> index;  // label hash -> series
    Matrix series;
  };
  std::unordered_map<const Node*, SubqueryState> subquery_state_;
  int64_t polls_ = 0;
  std::vector<std::string> warnings_, infos_;
  std::string query_;  // for line:col of annotations
 public:
  void set_query_text(std::string q) { query_ = std::move(q); }
  std::unordered_map<const Node*, std::pair<int64_t, int64_t>> ranges_;
  std::unordered_map<const Node*, SelectHints> hints_;  // the windows each selector reads
  std::unordered_map<const Node*, std::vector<SeriesData>> data_;
};

// Implemented in functions.cpp, aggregations.cpp and binary_ops.cpp.
Value eval_call(Evaluator& ev, const Node& n, int64_t t);
Vector eval_aggregate(Evaluator& ev, const Node& n, int64_t t);
Value eval_binary(Evaluator& ev, const Node& n, int64_t t);
// Applies an arithmetic or comparison operator to two floats; for comparisons the value is
// lhs and `keep` tells the outcome.
double apply_binop(BinOp op, double l, double r, bool* keep);
// The same for the operator of node n (kBinary), with its language's rules (zero_divisor_nan).
double apply_binop(const Node& n, double l, double r, bool* keep);
// Vector-vector arithmetic or comparison over all steps of a batch (range evaluation), for
// matchings where no step can fail or collide: each signature on the "one" side belongs to
// one series, on both sides for one-to-one, and all pairs give distinct labels. Returns
// false otherwise (then the step-wise path decides, with its errors).
bool range_vector_binop(const Node& n, const Matrix& lhs, const Matrix& rhs, Matrix* out);

// Checks that no two elements share a label set (names still present).
void check_unique_labelsets(const Vector& v);
// Removes the metric name and with it the metadata labels __type__ and __unit__, as
// Prometheus's DropReserved(IsMetadataLabel) does.
inline void drop_metric_name(Labels& l) {
  l.remove(kMetricNameLabel);
  l.remove("__type__");
  l.remove("__unit__");
}

// Removes __name__ where flagged (delayed name removal).
void drop_flagged_names(Vector& v);

}  // namespace observe::promql
