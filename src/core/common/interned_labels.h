// A label set stored once, its strings shared: every label name and value lives once in a
// process-wide pool (reference-counted: a string leaves the pool with the last set using it),
// and a set is an array of pointers to pool strings. The scrape worker keeps its series this
// way (issue 18): a million series of a thousand targets repeat the same few names, job,
// instance and target values and metric names, which a `Labels` copies per series.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/labels.h"

namespace observe {

class InternedLabels {
 public:
  InternedLabels() = default;
  explicit InternedLabels(const Labels& labels);
  ~InternedLabels();
  InternedLabels(const InternedLabels&) = delete;
  InternedLabels& operator=(const InternedLabels&) = delete;

  size_t size() const { return n_; }
  std::string_view name(size_t i) const { return *strings_[2 * i]; }
  std::string_view value(size_t i) const { return *strings_[2 * i + 1]; }
  // The label set again (a copy).
  Labels labels() const;
  bool operator==(const Labels& labels) const;
  // The order of the label sets themselves (Labels::operator<: pair by pair, name then value,
  // a prefix first), without copying them.
  bool operator<(const InternedLabels& o) const;

  // Distinct strings in the pool (for tests and the worker's memory accounting).
  static size_t pool_size();

 private:
  std::unique_ptr<const std::string*[]> strings_;  // name, value, name, value, ... (pool strings)
  uint32_t n_ = 0;
};

}  // namespace observe
