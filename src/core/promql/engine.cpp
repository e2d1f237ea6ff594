// Query entry points: instant and range queries over the evaluator, with the final
// delayed __name__ removal and the label-sorted matrix of range queries.
#include "core/promql/engine.h"

#include <algorithm>
#include <unordered_map>

#include "core/promql/evaluator.h"
#include "core/promql/parser.h"

namespace observe::promql {

namespace {

// Output series by label hash (collisions resolved by comparing the labels).
using SeriesIndex = std::unordered_map<uint64_t, std::vector<size_t>>;

size_t find_series(const SeriesIndex& index, const Matrix& m, const Labels& l) {
  auto it = index.find(l.hash());
  if (it != index.end())
    for (size_t i : it->second)
      if (m[i].metric == l) return i;
  return m.size();
}

// Drops flagged names and merges series that now share a label set (delayed name removal).
Matrix finish_matrix(Matrix m) {
  for (auto& s : m) {
    if (s.drop_name) {
      drop_metric_name(s.metric);
      s.drop_name = false;
    }
  }
  std::sort(m.begin(), m.end(), [](const Series& a, const Series& b) { return a.metric < b.metric; });
  Matrix out;
  for (auto& s : m) {
    if (!out.empty() && out.back().metric == s.metric) {
      auto& dst = out.back().samples;
      dst.insert(dst.end(), s.samples.begin(), s.samples.end());
      std::sort(dst.begin(), dst.end(), [](const Sample& a, const Sample& b) { return a.t < b.t; });
      for (size_t i = 1; i < dst.size(); i++)
        if (dst[i].t == dst[i - 1].t) Evaluator::fail(kDuplicateLabelset);
    } else {
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace

Result instant_query(Queryable& q, const NodePtr& expr, int64_t t_ms, const EngineOptions& opts) {
  resolve_durations(*expr, 0, 0);
  Evaluator ev(q, opts, t_ms, t_ms, 0);
  ev.prefetch(*expr, t_ms, t_ms, 0);
  Value v = ev.eval(*expr, t_ms);
  if (v.type == ValueType::kVector) {
    drop_flagged_names(v.vector);
    check_unique_labelsets(v.vector);
    for (auto& e : v.vector) e.t = t_ms;
  } else if (v.type == ValueType::kMatrix) {
    v.matrix = finish_matrix(std::move(v.matrix));
  }
  v.t = t_ms;
  ev.take_annotations(&v);
  return v;
}

Result range_query(Queryable& q, const NodePtr& expr, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                   const EngineOptions& opts) {
  if (step_ms <= 0) throw Error(ErrorKind::kInvalidParameter, "zero or negative query resolution step widths are not accepted");
  if (end_ms < start_ms) throw Error(ErrorKind::kInvalidParameter, "end timestamp must not be before start time");
  ValueType ty = expr->type();
  if (ty != ValueType::kScalar && ty != ValueType::kVector)
    throw Error(ErrorKind::kInvalidParameter,
                std::string("invalid expression type \"") + value_type_name(ty) + "\" for range query, must be Scalar or instant Vector");
  resolve_durations(*expr, step_ms, end_ms - start_ms);
  Evaluator ev(q, opts, start_ms, end_ms, step_ms);
  SeriesIndex index;
  Matrix out;
  int64_t held = 0;  // result points kept across batches
  // Steps are evaluated in batches, each with its own prefetch and range evaluation
  // (Evaluator::range_matrix). A batch starts as the whole range (one select per selector);
  // when its data and results would exceed max_samples, it is retried at half the size, so
  // the samples held in memory stay within the limit whenever a single step fits.
  int64_t batch_steps = (end_ms - start_ms) / step_ms + 1;
  int64_t ts = start_ms;
  while (ts <= end_ms) {
    int64_t batch_end = std::min(end_ms, ts + (batch_steps - 1) * step_ms);
    Matrix m;
    try {
      ev.prefetch(*expr, ts, batch_end, held);
      ev.begin_batch(ts, batch_end);
      if (ty == ValueType::kScalar) {
        std::vector<double> vals = ev.range_scalar(*expr);
        Series s{Labels(), {}, false};
        for (size_t i = 0; i < vals.size(); i++) s.samples.push_back({ev.batch_time(i), vals[i]});
        ev.hold_samples(static_cast<int64_t>(vals.size()));
        m.push_back(std::move(s));
      } else {
        m = ev.range_matrix(*expr);
      }
      ev.end_batch();
    } catch (const Error& e) {
      ev.end_batch();
      if (e.kind() != ErrorKind::kLimitExceeded || batch_steps == 1) throw;
      batch_steps = (batch_steps + 1) / 2;
      continue;
    }
    for (auto& s : m) {
      held += static_cast<int64_t>(s.samples.size());
      size_t pos = find_series(index, out, s.metric);
      if (pos == out.size()) {
        index[s.metric.hash()].push_back(pos);
        out.push_back(std::move(s));
        continue;
      }
      // Earlier batches' points come first; within a batch series are unique.
      auto& dst = out[pos].samples;
      if (!dst.empty() && !s.samples.empty() && dst.back().t >= s.samples.front().t) Evaluator::fail(kDuplicateLabelset);
      dst.insert(dst.end(), s.samples.begin(), s.samples.end());
    }
    ts = batch_end + step_ms;
  }
  Value r;
  r.type = ValueType::kMatrix;
  r.matrix = finish_matrix(std::move(out));
  r.t = end_ms;
  ev.take_annotations(&r);
  return r;
}

Result instant_query(Queryable& q, std::string_view query, int64_t t_ms, const EngineOptions& opts) {
  return instant_query(q, parse_expr(query), t_ms, opts);
}

Result range_query(Queryable& q, std::string_view query, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                   const EngineOptions& opts) {
  return range_query(q, parse_expr(query), start_ms, end_ms, step_ms, opts);
}

}  // namespace observe::promql
