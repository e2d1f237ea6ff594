// The evaluator's core: dispatch over node kinds, sample accounting, cancellation and
// annotations. Selectors live in selectors.cpp, the query entry points in engine.cpp.
#include <algorithm>
#include <cstring>

#include "core/promql/evaluator.h"

namespace observe::promql {

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
      drop_metric_name(e.metric);
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

Value Evaluator::eval(const Node& n, int64_t t) {
  Value r;
  r.t = t;
  if (!cache_.empty()) {
    auto it = cache_.find(&n);
    if (it != cache_.end()) {
      r.type = ValueType::kVector;
      r.vector = cached_vector(it->second, t);
      return r;
    }
  }
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
    case NodeKind::kExternal:
      r.type = ValueType::kVector;
      r.vector = n.external->at(t);
      count_samples(static_cast<int64_t>(r.vector.size()));
      return r;
  }
  return r;
}

}  // namespace observe::promql
