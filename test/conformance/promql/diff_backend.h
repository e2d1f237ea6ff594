// --diff: every query runs on two backends (the in-process engine and SQL) and must give the
// same answer exactly: same type, labels and order, bit-identical values (NaN equal to NaN,
// the staleness marker only to itself), the same annotations and the same error text. Stricter
// than the corpus's 1e-6 tolerance: a sample the access method lost, added or rounded shows
// up even where an expected result would not notice.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "backend.h"
#include "core/promql/printer.h"

namespace observe::promql::conformance {

class DiffBackend : public Backend {
 public:
  DiffBackend(std::unique_ptr<Backend> a, std::unique_ptr<Backend> b) : a_(std::move(a)), b_(std::move(b)) {}

  void clear() override {
    a_->clear();
    b_->clear();
  }
  void add(const Labels& series, int64_t t, double v) override {
    a_->add(series, t, v);
    b_->add(series, t, v);
  }
  // Both run the same text (SQL can only run text): a tree is printed first, so that
  // annotation positions refer to the same string.
  Value instant(const std::string* text, const NodePtr& expr, int64_t t) override {
    std::string q = text != nullptr ? *text : to_string(*expr);
    return both([&](Backend& x) { return x.instant(&q, expr, t); });
  }
  Value range(const std::string* text, const NodePtr& expr, int64_t start, int64_t end, int64_t step) override {
    std::string q = text != nullptr ? *text : to_string(*expr);
    return both([&](Backend& x) { return x.range(&q, expr, start, end, step); });
  }
  bool has_annotations() const override { return a_->has_annotations() && b_->has_annotations(); }

 private:
  static bool same(double x, double y) {
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y) && is_stale_nan(x) == is_stale_nan(y);
    return std::memcmp(&x, &y, sizeof x) == 0;
  }
  static void sort_matrix(Value& v) {
    std::sort(v.matrix.begin(), v.matrix.end(), [](const Series& p, const Series& q) { return p.metric < q.metric; });
  }
  // "" when equal, else what differs.
  static std::string compare(Value x, Value y) {
    if (x.type != y.type) return "type";
    if (x.type == ValueType::kScalar && !same(x.scalar, y.scalar)) return "scalar";
    if (x.type == ValueType::kString && x.str != y.str) return "string";
    if (x.vector.size() != y.vector.size()) return "vector size";
    for (size_t i = 0; i < x.vector.size(); i++) {
      if (x.vector[i].metric != y.vector[i].metric) return "vector labels/order at " + x.vector[i].metric.to_string();
      if (!same(x.vector[i].v, y.vector[i].v)) return "value of " + x.vector[i].metric.to_string();
    }
    // The SQL rows do not carry the series order of an instant query's matrix: compare by labels.
    sort_matrix(x);
    sort_matrix(y);
    if (x.matrix.size() != y.matrix.size()) return "matrix size";
    for (size_t i = 0; i < x.matrix.size(); i++) {
      const Series &p = x.matrix[i], &q = y.matrix[i];
      if (p.metric != q.metric) return "matrix labels " + p.metric.to_string() + " vs " + q.metric.to_string();
      if (p.samples.size() != q.samples.size()) return "sample count of " + p.metric.to_string();
      for (size_t k = 0; k < p.samples.size(); k++)
        if (p.samples[k].t != q.samples[k].t || !same(p.samples[k].v, q.samples[k].v))
          return "sample " + std::to_string(k) + " of " + p.metric.to_string();
    }
    if (x.warnings != y.warnings) return "warnings";
    if (x.infos != y.infos) return "infos";
    return "";
  }

  template <typename F>
  Value both(F run) {
    Value va, vb;
    std::string ea, eb;
    bool fa = false, fb = false;
    try {
      va = run(*a_);
    } catch (const std::exception& ex) {
      fa = true;
      ea = ex.what();
    }
    try {
      vb = run(*b_);
    } catch (const std::exception& ex) {
      fb = true;
      eb = ex.what();
    }
    if (fa != fb || ea != eb)
      throw std::runtime_error("backends differ: error \"" + ea + "\" vs \"" + eb + "\"");
    if (fa) throw std::runtime_error(ea);
    std::string d = compare(va, vb);
    if (!d.empty()) throw std::runtime_error("backends differ: " + d);
    return va;
  }

  std::unique_ptr<Backend> a_, b_;
};

}  // namespace observe::promql::conformance
