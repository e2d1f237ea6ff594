// Range evaluation: a node's values at every step of a batch at once. Prometheus's engine
// evaluates a range query step by step; done that way here, every step allocated vectors
// and copied label sets, and every window of a range function was copied out of the
// samples. Selectors and range functions over selectors instead run series by series with
// a window sliding over the sample array (O(samples + steps) per series, labels copied
// once per series); aggregations, histogram_quantile and operators work on those series
// with groups and match signatures worked out once per series. Everything else falls back
// to step-wise evaluation, reading its vector arguments from range results computed
// beforehand (the cache), so one slow node does not slow its subtree.
//
// Results are identical to step-wise evaluation: per step the same samples are combined in
// the same order. The one freedom: a node's series are ordered by first appearance over the
// batch, not at each step. That shows only where a parent depends on its input order: which
// of tied series topk keeps, limitk, and the last bit of a float sum over groups of an inner
// aggregation whose first members differ between steps; Prometheus's range evaluation leaves
// that order unspecified too (its series come out of a hash map).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>

#include "core/promql/aggregate_impl.h"
#include "core/promql/function_impl.h"
#include "core/promql/quantile.h"
#include "core/promql/strutil.h"

namespace observe::promql {

namespace {

bool native_aggregation(AggOp op) {
  switch (op) {
    case AggOp::kCountValues:
    case AggOp::kLimitRatio:
      return false;
    default:
      return true;
  }
}

// The argument of a range function that is the range vector.
size_t matrix_arg(const Node& n) {
  size_t mi = 0;
  for (size_t i = 0; i < n.args.size(); i++)
    if (n.args[i]->type() == ValueType::kMatrix) mi = i;
  return mi;
}

// The first index from `from` on whose sample is after t: a few steps one by one (dense
// steps move by a sample or two), then a binary search (long steps jump far).
size_t after(const Sample* p, size_t from, size_t n, int64_t t) {
  for (int k = 0; k < 8; k++, from++)
    if (from == n || p[from].t > t) return from;
  return static_cast<size_t>(
      std::upper_bound(p + from, p + n, t, [](int64_t ts, const Sample& x) { return ts < x.t; }) - p);
}

void drop_empty(Matrix* m) {
  m->erase(std::remove_if(m->begin(), m->end(), [](const Series& s) { return s.samples.empty(); }), m->end());
}

}  // namespace

void Evaluator::begin_batch(int64_t start, int64_t end) {
  batch_start_ = start;
  batch_end_ = end;
  cache_.clear();
  check_interrupted();
}

void Evaluator::end_batch() { cache_.clear(); }

bool Evaluator::range_native(const Node& n) const {
  switch (n.kind) {
    case NodeKind::kParen:
      return range_native(*n.args[0]);
    case NodeKind::kVectorSelector:
    case NodeKind::kUnary:
    case NodeKind::kExternal:
      return true;
    case NodeKind::kCall:
      if (n.str == "histogram_quantile") return true;
      return range_fn(n.str) != RangeFn::kNone && unwrap(*n.args[matrix_arg(n)]).kind == NodeKind::kMatrixSelector;
    case NodeKind::kAggregate:
      return native_aggregation(n.agg);
    case NodeKind::kBinary: {
      // One scalar side: a vector result computed point by point. Two vectors: matched
      // once per series pair (range_vector_binop), unless set operators or fill().
      bool ls = n.args[0]->type() == ValueType::kScalar, rs = n.args[1]->type() == ValueType::kScalar;
      if (ls != rs) return true;
      return !ls && !is_set_operator(n.op) && !n.matching.fill_lhs && !n.matching.fill_rhs &&
             n.matching.card != Card::kManyToMany;
    }
    default:
      return false;
  }
}

Matrix Evaluator::range_matrix(const Node& n) {
  if (!range_native(n)) return range_stepwise(n);
  switch (n.kind) {
    case NodeKind::kParen:
      return range_matrix(*n.args[0]);
    case NodeKind::kVectorSelector:
      return range_vector_selector(n);
    case NodeKind::kCall:
      if (n.str == "histogram_quantile") return range_histogram_quantile(*this, n);
      return range_function_call(n);
    case NodeKind::kAggregate:
      return range_aggregate(n);
    case NodeKind::kBinary:
      return range_binary(n);
    case NodeKind::kExternal: {
      Matrix m = n.external->range(batch_start_, batch_end_, step_);
      int64_t points = 0;
      for (auto& s : m) points += static_cast<int64_t>(s.samples.size());
      hold_samples(points);
      return m;
    }
    case NodeKind::kUnary: {
      Matrix m = range_matrix(*n.args[0]);
      if (n.op == BinOp::kSub) {
        for (auto& s : m) {
          for (auto& p : s.samples) p.v = -p.v;
          s.drop_name = true;
        }
      }
      return m;
    }
    default:
      return range_stepwise(n);
  }
}

std::vector<double> Evaluator::range_scalar(const Node& n) {
  std::vector<double> out(batch_steps());
  const Node& u = unwrap(n);
  if (u.kind == NodeKind::kNumber) {
    std::fill(out.begin(), out.end(), u.number);
    return out;
  }
  cache_arguments(n);
  for (size_t i = 0; i < out.size(); i++) {
    reset_step_samples();
    out[i] = eval(n, batch_time(i)).scalar;
  }
  reset_step_samples();
  return out;
}

// The vector-valued arguments below n that range evaluation handles, computed now so that
// the step-wise evaluation of n reads them from the cache.
void Evaluator::cache_arguments(const Node& n) {
  // timestamp() needs the samples' own times, which only eval_vector_selector gives;
  // below a subquery nodes are evaluated at the subquery's own steps.
  if ((n.kind == NodeKind::kCall && n.str == "timestamp") || n.kind == NodeKind::kSubquery) return;
  for (const auto& a : n.args) {
    if (cache_.count(a.get()) != 0) continue;
    if (a->type() == ValueType::kVector && range_native(*a)) {
      cache_matrix(*a, range_matrix(*a));
    } else {
      cache_arguments(*a);
    }
  }
}

void Evaluator::cache_matrix(const Node& n, Matrix m) {
  Cached c;
  c.m = std::move(m);
  c.cursor.assign(c.m.size(), 0);
  c.last_t = INT64_MIN;
  cache_[&n] = std::move(c);
}

Vector Evaluator::cached_vector(Cached& c, int64_t t) {
  if (t < c.last_t) std::fill(c.cursor.begin(), c.cursor.end(), 0);
  c.last_t = t;
  Vector out;
  for (size_t i = 0; i < c.m.size(); i++) {
    const auto& s = c.m[i].samples;
    size_t& k = c.cursor[i];
    while (k < s.size() && s[k].t < t) k++;
    if (k < s.size() && s[k].t == t) out.push_back({c.m[i].metric, s[k].v, t, c.m[i].drop_name});
  }
  count_samples(static_cast<int64_t>(out.size()));
  return out;
}

Matrix Evaluator::range_stepwise(const Node& n) {
  cache_arguments(n);
  Matrix out;
  std::unordered_map<uint64_t, std::vector<size_t>> index;  // label hash -> series
  for (size_t i = 0, steps = batch_steps(); i < steps; i++) {
    int64_t t = batch_time(i);
    check_interrupted();
    reset_step_samples();
    Value v = eval(n, t);
    if (v.type == ValueType::kScalar) v.vector.push_back({Labels(), v.scalar, t, false});
    for (auto& e : v.vector) {
      auto& candidates = index[e.metric.hash()];
      size_t pos = out.size();
      for (size_t c : candidates)
        if (out[c].metric == e.metric) pos = c;
      if (pos == out.size()) {
        candidates.push_back(pos);
        out.push_back({std::move(e.metric), {}, e.drop_name});
      } else if (!out[pos].samples.empty() && out[pos].samples.back().t == t) {
        fail(kDuplicateLabelset);
      }
      out[pos].samples.push_back({t, e.v});
    }
    reset_step_samples();
    hold_samples(static_cast<int64_t>(v.vector.size()));
  }
  return out;
}

Matrix Evaluator::range_vector_selector(const Node& n) {
  Matrix out;
  auto it = data_.find(&n);
  if (it == data_.end()) return out;
  size_t steps = batch_steps();
  for (const auto& s : it->second) {
    check_interrupted();
    const auto& p = s.samples;
    Series ser{s.labels, {}, false};
    size_t j = 0;  // samples at or before the reference time
    for (size_t i = 0; i < steps; i++) {
      int64_t t = batch_time(i);
      int64_t ref = at_time(n, t) - n.offset_ms;
      j = after(p.data(), j, p.size(), ref);
      if (j == 0) continue;
      const Sample& last = p[j - 1];
      if (last.t <= ref - opts_.lookback_ms || is_stale_nan(last.v)) continue;
      ser.samples.push_back({t, last.v});
    }
    if (ser.samples.empty()) continue;
    hold_samples(static_cast<int64_t>(ser.samples.size()));
    out.push_back(std::move(ser));
  }
  return out;
}

Matrix Evaluator::range_function_call(const Node& n) {
  RangeFn fn = range_fn(n.str);
  const Node& ms = unwrap(*n.args[matrix_arg(n)]);
  const Node& sel = *ms.args[0];
  std::vector<double> p0, p1;
  if (fn == RangeFn::kQuantile) {
    p0 = range_scalar(*n.args[0]);
    for (double q : p0)
      if (std::isnan(q) || q < 0 || q > 1)
        warn("quantile value should be between 0 and 1, got " + go_format_g(q), n.args[0]->pos);
  }
  if (fn == RangeFn::kPredictLinear || fn == RangeFn::kDoubleExp) p0 = range_scalar(*n.args[1]);
  if (fn == RangeFn::kDoubleExp) p1 = range_scalar(*n.args[2]);
  bool keeps_name = fn == RangeFn::kLast || fn == RangeFn::kFirst;
  bool counter = fn == RangeFn::kRate || fn == RangeFn::kIncrease;
  bool counts = fn == RangeFn::kChanges || fn == RangeFn::kResets;
  bool interleaved = interleaved_range_fn(fn);

  Matrix out;
  auto it = data_.find(&sel);
  if (it == data_.end()) return out;
  size_t steps = batch_steps();
  std::vector<Sample> unstale;
  std::vector<size_t> reset_at;             // indices of samples below their predecessor
  std::vector<const Sample*> reset_prev;    // ... and those predecessors
  std::vector<uint32_t> events;             // changes/resets: events[k] = events in samples 1..k
  static const Sample* const kNoResets[1] = {nullptr};
  for (const auto& s : it->second) {
    check_interrupted();
    const Sample* p = s.samples.data();
    size_t n_samples = s.samples.size();
    // Range vectors never hold stale markers.
    if (std::any_of(s.samples.begin(), s.samples.end(), [](const Sample& x) { return is_stale_nan(x.v); })) {
      unstale.clear();
      for (const auto& x : s.samples)
        if (!is_stale_nan(x.v)) unstale.push_back(x);
      p = unstale.data();
      n_samples = unstale.size();
    }
    if (counter) {
      reset_at.clear();
      reset_prev.clear();
      for (size_t k = 1; k < n_samples; k++) {
        if (p[k].v < p[k - 1].v) {
          reset_at.push_back(k);
          reset_prev.push_back(&p[k - 1]);
        }
      }
    }
    if (counts) {
      events.assign(n_samples, 0);
      for (size_t k = 1; k < n_samples; k++) {
        bool ev = fn == RangeFn::kChanges
                      ? p[k].v != p[k - 1].v && !(std::isnan(p[k].v) && std::isnan(p[k - 1].v))
                      : p[k].v < p[k - 1].v;
        events[k] = events[k - 1] + (ev ? 1 : 0);
      }
    }
    Series ser{s.labels, {}, !keeps_name};
    size_t lo = 0, hi = 0;  // the window is p[lo, hi): after ref - range, up to ref
    size_t rb = 0, re = 0;  // its resets: reset_at[rb, re)
    std::vector<double> sorted;  // quantile_over_time: the values of p[s_lo, s_hi), sorted
    size_t s_lo = 0, s_hi = 0;
    RangeWindow w;
    // Windows waiting to be computed together (interleaved functions).
    RangeWindow pending[kInterleavedWindows];
    size_t n_pending = 0;
    auto flush = [&] {
      double v[kInterleavedWindows];
      bool ok[kInterleavedWindows];
      range_function_interleaved(fn, pending, n_pending, v, ok);
      for (size_t j = 0; j < n_pending; j++)
        if (ok[j]) ser.samples.push_back({pending[j].t, v[j]});
      n_pending = 0;
    };
    for (size_t i = 0; i < steps; i++) {
      int64_t t = batch_time(i);
      int64_t ref = at_time(sel, t) - sel.offset_ms;
      int64_t left = ref - ms.range_ms;
      hi = after(p, hi, n_samples, ref);
      lo = std::min(after(p, lo, n_samples, left), hi);
      if (lo == hi) continue;
      poll(static_cast<int64_t>(hi - lo));  // long windows at many steps: stay cancelable
      double v;
      if (counts) {
        v = static_cast<double>(events[hi - 1] - events[lo]);
      } else if (fn == RangeFn::kQuantile) {
        // The window's values stay sorted as it slides: one insertion per sample entering,
        // one removal (of a value with the same bits) per sample leaving; sorted afresh when
        // more than a quarter of the window changed (long steps).
        if (lo >= s_hi || 4 * ((lo - s_lo) + (hi - s_hi)) > hi - lo) {
          sorted.clear();
          for (size_t k = lo; k < hi; k++) sorted.push_back(p[k].v);
          std::sort(sorted.begin(), sorted.end(), quantile_order);
          s_lo = lo;
          s_hi = hi;
        }
        for (; s_lo < lo; s_lo++) {
          double x = p[s_lo].v;
          auto range = std::equal_range(sorted.begin(), sorted.end(), x, quantile_order);
          auto e = std::find_if(range.first, range.second, [&](double y) { return std::memcmp(&x, &y, sizeof x) == 0; });
          sorted.erase(e != range.second ? e : range.first);
        }
        for (; s_hi < hi; s_hi++) {
          double x = p[s_hi].v;
          sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), x, quantile_order), x);
        }
        v = quantile_sorted(p0[i], sorted.data(), sorted.size());
      } else {
        w.p = p + lo;
        w.n = hi - lo;
        w.range_start = left;
        w.range_end = ref;
        w.t = t;
        if (!p0.empty()) w.param0 = p0[i];
        if (!p1.empty()) w.param1 = p1[i];
        if (counter) {
          while (rb < reset_at.size() && reset_at[rb] <= lo) rb++;
          if (re < rb) re = rb;
          while (re < reset_at.size() && reset_at[re] < hi) re++;
          w.reset_prev = reset_prev.empty() ? kNoResets : reset_prev.data() + rb;
          w.n_resets = re - rb;
        }
        if (interleaved) {
          pending[n_pending++] = w;
          if (n_pending == kInterleavedWindows) flush();
          continue;
        }
        if (!range_function(fn, w, &v)) continue;
      }
      ser.samples.push_back({t, v});
    }
    if (n_pending > 0) flush();
    if (ser.samples.empty()) continue;
    hold_samples(static_cast<int64_t>(ser.samples.size()));
    out.push_back(std::move(ser));
  }
  return out;
}

Matrix Evaluator::range_aggregate(const Node& n) {
  const Node& arg = *n.args.back();
  std::vector<double> params;
  if (n.args.size() == 2) params = range_scalar(*n.args[0]);
  Matrix in = range_matrix(arg);
  // A group's name flag is per step; with mixed flags among the inputs go step by step.
  for (const auto& s : in) {
    if (s.drop_name != in[0].drop_name) {
      cache_matrix(arg, std::move(in));
      return range_stepwise(n);
    }
  }

  // Groups in order of first appearance among the input series.
  std::vector<size_t> group_of(in.size());
  std::vector<Labels> group_labels;
  {
    std::unordered_map<std::string, size_t> index;
    std::string key;
    for (size_t k = 0; k < in.size(); k++) {
      grouping_key(in[k].metric, n, &key);
      auto [git, inserted] = index.emplace(key, group_labels.size());
      if (inserted) group_labels.push_back(grouping_labels(in[k].metric, n));
      group_of[k] = git->second;
    }
  }
  size_t n_groups = group_labels.size();
  bool selects = n.agg == AggOp::kTopk || n.agg == AggOp::kBottomk || n.agg == AggOp::kLimitk;
  bool drop = !in.empty() && in[0].drop_name;

  Matrix out;
  if (selects) {
    for (const auto& s : in) out.push_back({s.metric, {}, s.drop_name});
  } else {
    for (auto& l : group_labels) out.push_back({std::move(l), {}, drop});
  }
  std::vector<size_t> cursor(in.size(), 0);
  std::vector<AggGroup> acc(n_groups);
  std::vector<char> touched_flag(n_groups, 0);
  std::vector<size_t> touched;
  std::vector<std::vector<size_t>> members(selects ? n_groups : 0);
  std::vector<double> value(in.size());
  int64_t points = 0;
  for (size_t i = 0, steps = batch_steps(); i < steps; i++) {
    int64_t t = batch_time(i);
    double param = params.empty() ? 0 : params[i];
    bool output = aggregate_param_ok(*this, n, param);
    touched.clear();
    size_t present = 0;
    for (size_t k = 0; k < in.size(); k++) {
      const auto& s = in[k].samples;
      size_t& c = cursor[k];
      while (c < s.size() && s[c].t < t) c++;
      if (c == s.size() || s[c].t != t) continue;
      double f = s[c++].v;
      if (!output) continue;
      present++;
      size_t g = group_of[k];
      if (!touched_flag[g]) {
        touched_flag[g] = 1;
        touched.push_back(g);
        AggGroup& a = acc[g];
        a.value = a.mean = a.c = a.count = 0;
        a.incremental_mean = false;
        a.drop_name = false;
        a.values.clear();
        if (selects) members[g].clear();
      }
      if (selects) {
        value[k] = f;
        members[g].push_back(k);
      } else {
        aggregate_add(n.agg, acc[g], f, in[k].drop_name);
      }
    }
    for (size_t g : touched) {
      touched_flag[g] = 0;
      if (!selects) {
        out[g].samples.push_back({t, aggregate_result(n.agg, acc[g], param)});
        points++;
        continue;
      }
      std::vector<size_t>& m = members[g];
      int64_t kk = static_cast<int64_t>(std::min<double>(param, static_cast<double>(present)));
      if (n.agg != AggOp::kLimitk) {
        bool top = n.agg == AggOp::kTopk;
        // NaN always sorts last; ties keep input order.
        std::stable_sort(m.begin(), m.end(), [&](size_t a, size_t b) {
          double x = value[a], y = value[b];
          if (std::isnan(x)) return false;
          if (std::isnan(y)) return true;
          return top ? x > y : x < y;
        });
      }
      if (static_cast<int64_t>(m.size()) > kk) m.resize(static_cast<size_t>(kk));
      for (size_t k : m) out[k].samples.push_back({t, value[k]});
      points += static_cast<int64_t>(m.size());
    }
    count_samples(0);
  }
  drop_empty(&out);
  hold_samples(points);
  return out;
}

Matrix Evaluator::range_binary(const Node& n) {
  if (n.args[0]->type() == ValueType::kVector && n.args[1]->type() == ValueType::kVector) {
    Matrix lhs = range_matrix(*n.args[0]);
    Matrix rhs = range_matrix(*n.args[1]);
    Matrix out;
    if (range_vector_binop(n, lhs, rhs, &out)) {
      int64_t points = 0;
      for (const auto& s : out) points += static_cast<int64_t>(s.samples.size());
      hold_samples(points);
      return out;
    }
    cache_matrix(*n.args[0], std::move(lhs));
    cache_matrix(*n.args[1], std::move(rhs));
    return range_stepwise(n);
  }
  bool scalar_left = n.args[0]->type() == ValueType::kScalar;
  std::vector<double> sv = range_scalar(*n.args[scalar_left ? 0 : 1]);
  Matrix m = range_matrix(*n.args[scalar_left ? 1 : 0]);
  bool cmp = is_comparison(n.op);
  bool drops = !cmp || n.return_bool;  // arithmetic, or a comparison with bool
  for (auto& s : m) {
    size_t w = 0;
    for (const auto& p : s.samples) {
      double l = p.v, r = sv[batch_index(p.t)];
      if (scalar_left) std::swap(l, r);
      bool keep;
      double v = apply_binop(n, l, r, &keep);
      if (cmp && scalar_left) v = r;  // comparisons keep the vector's value
      if (n.return_bool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (keep) s.samples[w++] = {p.t, v};
    }
    s.samples.resize(w);
    if (drops) s.drop_name = true;
  }
  drop_empty(&m);
  return m;
}

}  // namespace observe::promql
