// Data access: the prefetch that loads every selector's samples once per batch, and the
// vector selector (lookback, staleness), matrix selector (left-open window) and subquery
// (absolutely aligned inner steps) evaluated from it.
#include <algorithm>
#include <map>

#include "core/promql/evaluator.h"

namespace observe::promql {

namespace {
std::vector<Sample>::const_iterator upper(const std::vector<Sample>& s, int64_t t) {
  return std::upper_bound(s.begin(), s.end(), t, [](int64_t ts, const Sample& x) { return ts < x.t; });
}
}  // namespace

void Evaluator::prefetch_walk(const Node& n, int64_t mint, int64_t maxt, int64_t window_step) {
  auto refs = [&](const Node& sel, int64_t* lo, int64_t* hi) {
    if (sel.at_kind != AtKind::kNone) {
      *lo = *hi = at_time(sel, 0) - sel.offset_ms;
    } else {
      *lo = mint - sel.offset_ms;
      *hi = maxt - sel.offset_ms;
    }
  };
  // A selector read at the references lo, lo + step, ... hi, each over [ref - range + 1, ref].
  auto note = [&](const Node* sel, int64_t lo, int64_t hi, int64_t range) {
    SelectHints h;
    if (window_step > 0 && sel->at_kind == AtKind::kNone && hi > lo) h = SelectHints{lo, window_step, range};
    auto it = ranges_.find(sel);
    if (it == ranges_.end()) {
      ranges_[sel] = {lo - range + 1, hi};
      hints_[sel] = h;
    } else {
      it->second.first = std::min(it->second.first, lo - range + 1);
      it->second.second = std::max(it->second.second, hi);
      hints_[sel] = SelectHints();  // read twice: everything
    }
  };
  int64_t lo, hi;
  switch (n.kind) {
    case NodeKind::kVectorSelector:
      refs(n, &lo, &hi);
      note(&n, lo, hi, opts_.lookback_ms);
      return;
    case NodeKind::kMatrixSelector:
      refs(*n.args[0], &lo, &hi);
      note(n.args[0].get(), lo, hi, n.range_ms);
      return;
    case NodeKind::kSubquery:
      refs(n, &lo, &hi);
      prefetch_walk(*n.args[0], lo - n.range_ms, hi, 0);
      return;
    default:
      for (auto& a : n.args) prefetch_walk(*a, mint, maxt, window_step);
  }
}

void Evaluator::prefetch(const Node& root, int64_t mint, int64_t maxt, int64_t held) {
  ranges_.clear();
  hints_.clear();
  data_.clear();
  subquery_state_.clear();
  loaded_ = 0;
  held_ = held;
  current_ = 0;
  prefetch_walk(root, mint, maxt, step_);
  for (auto& [node, r] : ranges_) {
    check_interrupted();
    auto& d = data_[node];
    d = q_.select(node->matchers, r.first, r.second, hints_[node]);
    for (auto& s : d) loaded_ += static_cast<int64_t>(s.samples.size());
    current_ = loaded_ + held_;
    if (current_ > opts_.max_samples) throw Error(ErrorKind::kLimitExceeded, kTooManySamples);
  }
}

Vector Evaluator::eval_vector_selector(const Node& n, int64_t t) {
  int64_t ref = at_time(n, t) - n.offset_ms;
  Vector out;
  auto it = data_.find(&n);
  if (it == data_.end()) return out;
  for (const auto& s : it->second) {
    auto u = upper(s.samples, ref);
    if (u == s.samples.begin()) continue;
    const Sample& last = *(u - 1);
    if (last.t <= ref - opts_.lookback_ms || is_stale_nan(last.v)) continue;
    out.push_back({s.labels, last.v, last.t, false});
  }
  count_samples(static_cast<int64_t>(out.size()));
  return out;
}

Matrix Evaluator::eval_matrix_selector(const Node& n, int64_t t) {
  const Node& sel = *n.args[0];
  int64_t ref = at_time(sel, t) - sel.offset_ms;
  Matrix out;
  auto it = data_.find(&sel);
  if (it == data_.end()) return out;
  for (const auto& s : it->second) {
    auto hi = upper(s.samples, ref);
    auto lo = upper(s.samples, ref - n.range_ms);  // left-open window
    Series ser{s.labels, {}, false};
    for (auto p = lo; p < hi; ++p)
      if (!is_stale_nan(p->v)) ser.samples.push_back(*p);
    if (ser.samples.empty()) continue;
    count_samples(static_cast<int64_t>(ser.samples.size()));
    out.push_back(std::move(ser));
  }
  return out;
}

Matrix Evaluator::eval_subquery(const Node& n, int64_t t) {
  int64_t ref = at_time(n, t) - n.offset_ms;
  int64_t step = n.step_ms > 0 ? n.step_ms : opts_.default_subquery_step_ms;
  int64_t lo = ref - n.range_ms;
  // First step-aligned timestamp after lo (Go's truncating division, as Prometheus).
  int64_t start = step * (lo / step);
  if (start <= lo) start += step;

  // The inner timeline is kept across outer steps (they only move forward) and extended,
  // as Prometheus evaluates a subquery once over the whole range; each outer step then
  // only slices its window out of it.
  SubqueryState& st = subquery_state_[&n];
  if (st.valid && (start < st.first || start > st.last + step)) st = SubqueryState();
  if (!st.valid) {
    st.valid = true;
    st.first = start;
    st.last = start - step;
  }
  for (int64_t ts = st.last + step; ts <= ref; ts += step) {
    Value v = eval(*n.args[0], ts);
    if (v.type == ValueType::kScalar) {
      v.type = ValueType::kVector;
      v.vector.push_back({Labels(), v.scalar, ts, false});
    }
    for (auto& e : v.vector) {
      auto& candidates = st.index[e.metric.hash()];
      size_t pos = st.series.size();
      for (size_t c : candidates)
        if (st.series[c].metric == e.metric) pos = c;
      if (pos == st.series.size()) {
        candidates.push_back(pos);
        st.series.push_back({e.metric, {}, e.drop_name});
      } else if (!st.series[pos].samples.empty() && st.series[pos].samples.back().t == ts) {
        fail(kDuplicateLabelset);
      }
      st.series[pos].samples.push_back({ts, e.v});
    }
    count_samples(static_cast<int64_t>(v.vector.size()));
    st.last = ts;
  }
  // Forget what no later window can need once it outweighs the window itself.
  if (start - st.first > 2 * (ref - start + step)) {
    for (auto& s : st.series) {
      auto cut = std::lower_bound(s.samples.begin(), s.samples.end(), start,
                                  [](const Sample& x, int64_t ts) { return x.t < ts; });
      s.samples.erase(s.samples.begin(), cut);
    }
    st.first = start;
  }
  Matrix out;
  int64_t points = 0;
  for (const auto& s : st.series) {
    auto b = std::lower_bound(s.samples.begin(), s.samples.end(), start,
                              [](const Sample& x, int64_t ts) { return x.t < ts; });
    auto e = upper(s.samples, ref);
    if (b >= e) continue;
    out.push_back({s.metric, std::vector<Sample>(b, e), s.drop_name});
    points += e - b;
  }
  count_samples(points);
  return out;
}

}  // namespace observe::promql
