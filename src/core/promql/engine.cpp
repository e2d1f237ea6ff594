#include "core/promql/engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "core/promql/evaluator.h"
#include "core/promql/parser.h"

namespace observe::promql {

namespace {
constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
const char kTooManySamples[] = "query processing would load too many samples into memory in query execution";
const char kDuplicateLabelset[] = "vector cannot contain metrics with the same labelset";

std::vector<Sample>::const_iterator upper(const std::vector<Sample>& s, int64_t t) {
  return std::upper_bound(s.begin(), s.end(), t, [](int64_t ts, const Sample& x) { return ts < x.t; });
}
}  // namespace

double stale_nan() {
  double d;
  std::memcpy(&d, &kStaleNaNBits, sizeof d);
  return d;
}

bool is_stale_nan(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b == kStaleNaNBits;
}

void check_unique_labelsets(const Vector& v) {
  if (v.size() < 2) return;
  std::vector<const Labels*> ls;
  ls.reserve(v.size());
  for (auto& e : v) ls.push_back(&e.metric);
  std::sort(ls.begin(), ls.end(), [](const Labels* a, const Labels* b) { return *a < *b; });
  for (size_t i = 1; i < ls.size(); i++)
    if (*ls[i] == *ls[i - 1]) Evaluator::fail(kDuplicateLabelset);
}

void drop_flagged_names(Vector& v) {
  for (auto& e : v) {
    if (e.drop_name) {
      e.metric.remove(kMetricNameLabel);
      e.drop_name = false;
    }
  }
}

void Evaluator::check_interrupted() {
  if (opts_.interrupted && opts_.interrupted()) throw Error(ErrorKind::kCanceled, "query canceled");
}

void Evaluator::count_samples(int64_t n) {
  current_ += n;
  if (current_ > opts_.max_samples) throw Error(ErrorKind::kLimitExceeded, kTooManySamples);
  polls_ += n + 1;  // +1: loops that produce nothing must still be cancelable
  if (polls_ >= 4096) {
    polls_ = 0;
    check_interrupted();
  }
}

void Evaluator::add_annotation(std::vector<std::string>* list, const std::string& text, int pos) {
  // Prometheus prints 1-based line:column of the position in the query.
  int line = 1, col = 1;
  for (int i = 0; i < pos; i++) {
    if (i < static_cast<int>(query_.size()) && query_[static_cast<size_t>(i)] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  std::string s = text + " (" + std::to_string(line) + ":" + std::to_string(col) + ")";
  if (std::find(list->begin(), list->end(), s) == list->end()) list->push_back(s);
}

int64_t Evaluator::at_time(const Node& n, int64_t t) const {
  switch (n.at_kind) {
    case AtKind::kValue: return n.at_ms;
    case AtKind::kStart: return start_;
    case AtKind::kEnd: return end_;
    default: return t;
  }
}

void Evaluator::prefetch_walk(const Node& n, int64_t mint, int64_t maxt) {
  auto refs = [&](const Node& sel, int64_t* lo, int64_t* hi) {
    if (sel.at_kind != AtKind::kNone) {
      *lo = *hi = at_time(sel, 0) - sel.offset_ms;
    } else {
      *lo = mint - sel.offset_ms;
      *hi = maxt - sel.offset_ms;
    }
  };
  auto note = [&](const Node* sel, int64_t lo, int64_t hi) {
    auto it = ranges_.find(sel);
    if (it == ranges_.end()) {
      ranges_[sel] = {lo, hi};
    } else {
      it->second.first = std::min(it->second.first, lo);
      it->second.second = std::max(it->second.second, hi);
    }
  };
  int64_t lo, hi;
  switch (n.kind) {
    case NodeKind::kVectorSelector:
      refs(n, &lo, &hi);
      note(&n, lo - opts_.lookback_ms + 1, hi);
      return;
    case NodeKind::kMatrixSelector:
      refs(*n.args[0], &lo, &hi);
      note(n.args[0].get(), lo - n.range_ms + 1, hi);
      return;
    case NodeKind::kSubquery:
      refs(n, &lo, &hi);
      prefetch_walk(*n.args[0], lo - n.range_ms, hi);
      return;
    default:
      for (auto& a : n.args) prefetch_walk(*a, mint, maxt);
  }
}

void Evaluator::prefetch(const Node& root, int64_t mint, int64_t maxt, int64_t held) {
  ranges_.clear();
  data_.clear();
  subquery_cache_.clear();
  loaded_ = 0;
  current_ = 0;
  prefetch_walk(root, mint, maxt);
  for (auto& [node, r] : ranges_) {
    check_interrupted();
    auto& d = data_[node];
    d = q_.select(node->matchers, r.first, r.second);
    for (auto& s : d) loaded_ += static_cast<int64_t>(s.samples.size());
    current_ = loaded_ + held;
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
  std::map<Labels, size_t> index;
  Matrix out;
  auto& cache = subquery_cache_[&n];
  cache.erase(cache.begin(), cache.lower_bound(start));  // outer steps only move forward
  for (int64_t ts = start; ts <= ref; ts += step) {
    auto hit = cache.find(ts);
    if (hit == cache.end()) hit = cache.emplace(ts, eval(*n.args[0], ts)).first;
    const Value& v = hit->second;
    if (v.type == ValueType::kScalar) {
      if (out.empty()) out.push_back({Labels(), {}, false});
      out[0].samples.push_back({ts, v.scalar});
      count_samples(1);
      continue;
    }
    for (auto& e : v.vector) {
      auto [pos, inserted] = index.emplace(e.metric, out.size());
      if (inserted) {
        out.push_back({e.metric, {}, e.drop_name});
      } else if (!out[pos->second].samples.empty() && out[pos->second].samples.back().t == ts) {
        fail(kDuplicateLabelset);
      }
      out[pos->second].samples.push_back({ts, e.v});
    }
    count_samples(static_cast<int64_t>(v.vector.size()));
  }
  return out;
}

Value Evaluator::eval(const Node& n, int64_t t) {
  Value r;
  r.t = t;
  switch (n.kind) {
    case NodeKind::kNumber:
      r.type = ValueType::kScalar;
      r.scalar = n.number;
      return r;
    case NodeKind::kString:
      r.type = ValueType::kString;
      r.str = n.str;
      return r;
    case NodeKind::kParen:
      return eval(*n.args[0], t);
    case NodeKind::kVectorSelector:
      r.type = ValueType::kVector;
      r.vector = eval_vector_selector(n, t);
      for (auto& e : r.vector) e.t = t;
      return r;
    case NodeKind::kMatrixSelector:
      r.type = ValueType::kMatrix;
      r.matrix = eval_matrix_selector(n, t);
      return r;
    case NodeKind::kSubquery:
      r.type = ValueType::kMatrix;
      r.matrix = eval_subquery(n, t);
      return r;
    case NodeKind::kUnary: {
      r = eval(*n.args[0], t);
      if (n.op == BinOp::kSub) {
        if (r.type == ValueType::kScalar) {
          r.scalar = -r.scalar;
        } else {
          for (auto& e : r.vector) {
            e.v = -e.v;
            e.drop_name = true;
          }
        }
      }
      return r;
    }
    case NodeKind::kBinary:
      return eval_binary(*this, n, t);
    case NodeKind::kAggregate:
      r.type = ValueType::kVector;
      r.vector = eval_aggregate(*this, n, t);
      return r;
    case NodeKind::kCall:
      return eval_call(*this, n, t);
  }
  return r;
}

namespace {

// Drops flagged names and merges series that now share a label set (delayed name removal).
Matrix finish_matrix(Matrix m) {
  for (auto& s : m) {
    if (s.drop_name) {
      s.metric.remove(kMetricNameLabel);
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
  Evaluator ev(q, opts, start_ms, end_ms, step_ms);
  std::map<Labels, size_t> index;
  Matrix out;
  int64_t held = 0;  // result points kept across steps
  // Steps are evaluated in batches, each with its own prefetch. A batch starts as the whole
  // range (one select per selector); when its data and results would exceed max_samples,
  // its results are rolled back and it is retried at half the size, so the samples held
  // in memory stay within the limit whenever a single step fits.
  int64_t batch_steps = (end_ms - start_ms) / step_ms + 1;
  int64_t ts = start_ms;
  while (ts <= end_ms) {
    int64_t batch_end = std::min(end_ms, ts + (batch_steps - 1) * step_ms);
    int64_t batch_held = held;
    try {
      ev.prefetch(*expr, ts, batch_end, held);
      for (int64_t t = ts; t <= batch_end; t += step_ms) {
        ev.check_interrupted();
        ev.reset_step_samples(batch_held);
        Value v = ev.eval(*expr, t);
        if (v.type == ValueType::kScalar) {
          v.type = ValueType::kVector;
          v.vector.push_back({Labels(), v.scalar, t, false});
        }
        for (auto& e : v.vector) {
          auto [pos, inserted] = index.emplace(e.metric, out.size());
          if (inserted) {
            out.push_back({e.metric, {}, e.drop_name});
          } else if (!out[pos->second].samples.empty() && out[pos->second].samples.back().t == t) {
            Evaluator::fail(kDuplicateLabelset);
          }
          out[pos->second].samples.push_back({t, e.v});
        }
        batch_held += static_cast<int64_t>(v.vector.size());
        ev.reset_step_samples(batch_held);
        ev.count_samples(0);
      }
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kLimitExceeded || batch_steps == 1) throw;
      // Roll back this batch's points and retry with half as many steps.
      Matrix kept;
      index.clear();
      for (auto& s : out) {
        while (!s.samples.empty() && s.samples.back().t >= ts) s.samples.pop_back();
        if (s.samples.empty()) continue;
        index.emplace(s.metric, kept.size());
        kept.push_back(std::move(s));
      }
      out = std::move(kept);
      batch_steps = (batch_steps + 1) / 2;
      continue;
    }
    held = batch_held;
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
