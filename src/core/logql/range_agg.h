// A LogQL range aggregation as a PromQL leaf (promql::ExternalVector): reads the selected
// streams through the pipeline, extracts one sample per kept entry (1, the line's bytes, or
// the unwrapped label) and aggregates each series over the window (T-range-offset,
// T-offset] at every step.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/logql/ast.h"
#include "core/logql/storage.h"
#include "core/promql/value.h"

namespace observe::logql {

struct EvalLimits {
  int64_t max_series = 0;         // series a metric query may return; 0: unlimited
  int64_t max_entries_read = 0;   // 0: unlimited
  // Samples a range aggregation may hold for one batch of steps (the engine sets it to PromQL's
  // max_samples): past it the leaf fails with kLimitExceeded and the PromQL range evaluation
  // retries with fewer steps per batch, so memory stays bounded.
  int64_t max_samples = 0;
  std::function<bool()> interrupted;
};

class RangeAggLeaf : public promql::ExternalVector {
 public:
  RangeAggLeaf(std::shared_ptr<RangeAggregation> agg, std::string text) : agg_(std::move(agg)), text_(std::move(text)) {}
  void bind(LogStore* store, const EvalLimits* limits) {
    store_ = store;
    limits_ = limits;
  }
  std::vector<promql::VectorElement> at(int64_t t_ms) override;
  std::vector<promql::Series> range(int64_t start_ms, int64_t end_ms, int64_t step_ms) override;
  std::string text() const override { return text_; }
  const RangeAggregation& aggregation() const { return *agg_; }

 private:
  std::shared_ptr<RangeAggregation> agg_;
  std::string text_;
  LogStore* store_ = nullptr;
  const EvalLimits* limits_ = nullptr;
};

// The leading line filters of a pipeline (before any stage that changes the line), which
// storage may apply to skip entries.
std::vector<const LineFilter*> pushdown_filters(const LogSelector& sel);

// Walks a metric query tree and binds every range aggregation leaf to the store.
void bind_leaves(const promql::Node& n, LogStore* store, const EvalLimits* limits);

}  // namespace observe::logql
