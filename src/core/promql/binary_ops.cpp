// Binary operators: arithmetic, comparisons and set operators, with Prometheus's vector
// matching (on/ignoring, group_left/group_right) and its error texts.
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "core/promql/evaluator.h"

namespace observe::promql {

double apply_binop(const Node& n, double l, double r, bool* keep) {
  if (n.zero_divisor_nan && n.op == BinOp::kDiv && r == 0) {
    *keep = true;
    return std::nan("");
  }
  return apply_binop(n.op, l, r, keep);
}

double apply_binop(BinOp op, double l, double r, bool* keep) {
  *keep = true;
  switch (op) {
    case BinOp::kAdd: return l + r;
    case BinOp::kSub: return l - r;
    case BinOp::kMul: return l * r;
    case BinOp::kDiv: return l / r;
    case BinOp::kMod: return std::fmod(l, r);
    case BinOp::kPow: return std::pow(l, r);
    case BinOp::kAtan2: return std::atan2(l, r);
    case BinOp::kEql: *keep = l == r; return l;
    case BinOp::kNeq: *keep = l != r; return l;
    case BinOp::kGtr: *keep = l > r; return l;
    case BinOp::kLss: *keep = l < r; return l;
    case BinOp::kGte: *keep = l >= r; return l;
    case BinOp::kLte: *keep = l <= r; return l;
    default: return 0;
  }
}

namespace {

bool is_arithmetic(BinOp op) { return !is_comparison(op) && !is_set_operator(op); }

// The labels a match is made on: `on` keeps the listed ones; otherwise all but the
// ignored ones and the metric name.
Labels match_labels(const Labels& l, const VectorMatching& m) {
  std::vector<Label> out;
  for (auto& lb : l.items()) {
    bool listed = false;
    for (auto& n : m.labels) listed |= (n == lb.name);
    if (m.on ? listed : (!listed && lb.name != kMetricNameLabel)) out.push_back(lb);
  }
  return Labels(std::move(out));
}

// Go's labels.Labels.String(): every label in braces, the name included.
std::string braced(const Labels& l) {
  std::string s = "{";
  for (size_t i = 0; i < l.items().size(); i++) {
    if (i) s += ", ";
    s += l.items()[i].name + "=" + quote_label_value(l.items()[i].value);
  }
  return s + "}";
}

std::string signature(const Labels& l, const VectorMatching& m) {
  std::string s;
  Labels ml = match_labels(l, m);
  for (auto& lb : ml.items()) {
    s += lb.name;
    s += '\xff';
    s += lb.value;
    s += '\xff';
  }
  return s;
}

Labels result_metric(const Labels& lhs, const Labels& rhs, BinOp op, const VectorMatching& m) {
  Labels out = lhs;
  if (is_arithmetic(op)) drop_metric_name(out);
  if (m.card == Card::kOneToOne) {
    if (m.on) {
      std::vector<Label> keep;
      for (auto& lb : out.items())
        for (auto& n : m.labels)
          if (n == lb.name) keep.push_back(lb);
      out = Labels(std::move(keep));
    } else {
      for (auto& n : m.labels) out.remove(n);
    }
  }
  for (auto& n : m.include) {
    std::string_view v = rhs.get(n);
    if (!v.empty()) out.set(n, v);
    else out.remove(n);
  }
  return out;
}

Vector vector_binop(const Node& n, Vector lhs, Vector rhs) {
  const VectorMatching& m = n.matching;
  bool fills = m.fill_lhs || m.fill_rhs;
  if ((lhs.empty() && rhs.empty()) || ((lhs.empty() || rhs.empty()) && !fills)) return {};
  // The "one" side goes right; values are swapped back when applying the operator.
  bool swapped = m.card == Card::kOneToMany;
  if (swapped) std::swap(lhs, rhs);
  std::unordered_map<std::string, size_t> right;
  for (size_t i = 0; i < rhs.size(); i++) {
    auto [it, inserted] = right.emplace(signature(rhs[i].metric, m), i);
    if (!inserted) {
      std::string a = braced(rhs[i].metric), b = braced(rhs[it->second].metric);
      if (a > b) std::swap(a, b);
      Evaluator::fail("found duplicate series for the match group " + braced(match_labels(rhs[i].metric, m)) +
                      " on the " + (swapped ? "left" : "right") + " hand-side of the operation: [" + a + ", " + b +
                      "];many-to-many matching not allowed: matching labels must be unique on one side");
    }
  }
  std::unordered_set<std::string> matched;
  std::unordered_map<std::string, std::unordered_set<std::string>> inserted_sigs;
  Vector out;
  auto apply_pair = [&](const VectorElement& ls, const VectorElement& rs, const std::string& sig) {
    double fl = ls.v, fr = rs.v;
    if (swapped) std::swap(fl, fr);
    bool keep;
    double v = apply_binop(n, fl, fr, &keep);
    if (n.return_bool) v = keep ? 1 : 0;
    Labels metric = result_metric(ls.metric, rs.metric, n.op, m);
    if (m.card == Card::kOneToOne) {
      if (!matched.insert(sig).second)
        Evaluator::fail("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
    } else {
      if (!inserted_sigs[sig].insert(metric.to_string()).second)
        Evaluator::fail("multiple matches for labels: grouping labels must ensure unique matches");
    }
    if (!keep && !n.return_bool) return;
    out.push_back({std::move(metric), v, 0, n.return_bool});
  };
  for (auto& ls : lhs) {
    std::string sig = signature(ls.metric, m);
    auto it = right.find(sig);
    if (it != right.end()) {
      apply_pair(ls, rhs[it->second], sig);
    } else if (m.fill_rhs) {  // fill(): a missing right side takes the fill value
      apply_pair(ls, {match_labels(ls.metric, m), *m.fill_rhs, 0, false}, sig);
    }
  }
  if (m.fill_lhs) {
    for (auto& rs : rhs) {
      std::string sig = signature(rs.metric, m);
      bool seen = m.card == Card::kOneToOne ? matched.count(sig) > 0 : !inserted_sigs[sig].empty();
      if (seen) continue;
      apply_pair({match_labels(rs.metric, m), *m.fill_lhs, 0, false}, rs, sig);
    }
  }
  return out;
}

Vector set_binop(const Node& n, Vector lhs, Vector rhs) {
  const VectorMatching& m = n.matching;
  Vector out;
  switch (n.op) {
    case BinOp::kAnd: {
      if (lhs.empty() || rhs.empty()) return out;
      std::unordered_set<std::string> rs;
      for (auto& e : rhs) rs.insert(signature(e.metric, m));
      for (auto& e : lhs)
        if (rs.count(signature(e.metric, m))) out.push_back(std::move(e));
      return out;
    }
    case BinOp::kOr: {
      std::unordered_set<std::string> ls;
      for (auto& e : lhs) {
        ls.insert(signature(e.metric, m));
        out.push_back(std::move(e));
      }
      for (auto& e : rhs)
        if (!ls.count(signature(e.metric, m))) out.push_back(std::move(e));
      return out;
    }
    default: {  // unless
      std::unordered_set<std::string> rs;
      for (auto& e : rhs) rs.insert(signature(e.metric, m));
      for (auto& e : lhs)
        if (!rs.count(signature(e.metric, m))) out.push_back(std::move(e));
      return out;
    }
  }
}

Vector vector_scalar(const Node& n, Vector vec, double s, bool scalar_left) {
  Vector out;
  for (auto& e : vec) {
    double l = e.v, r = s;
    if (scalar_left) std::swap(l, r);
    bool keep;
    double v = apply_binop(n, l, r, &keep);
    if (is_comparison(n.op) && scalar_left) v = r;  // comparisons keep the vector's value
    if (n.return_bool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    e.v = v;
    if (is_arithmetic(n.op) || n.return_bool) e.drop_name = true;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

bool range_vector_binop(const Node& n, const Matrix& lhs_in, const Matrix& rhs_in, Matrix* out) {
  const VectorMatching& m = n.matching;
  if (m.fill_lhs || m.fill_rhs || m.card == Card::kManyToMany || is_set_operator(n.op)) return false;
  bool swapped = m.card == Card::kOneToMany;  // the "one" side goes right
  const Matrix& lhs = swapped ? rhs_in : lhs_in;
  const Matrix& rhs = swapped ? lhs_in : rhs_in;
  std::unordered_map<std::string, size_t> right;
  for (size_t j = 0; j < rhs.size(); j++)
    if (!right.emplace(signature(rhs[j].metric, m), j).second) return false;
  std::unordered_set<std::string> left_sigs, results;
  out->clear();
  for (const auto& ls : lhs) {
    std::string sig = signature(ls.metric, m);
    auto it = right.find(sig);
    if (it == right.end()) continue;
    if (m.card == Card::kOneToOne && !left_sigs.insert(sig).second) return false;
    const Series& rs = rhs[it->second];
    Labels metric = result_metric(ls.metric, rs.metric, n.op, m);
    if (!results.insert(metric.to_string()).second) return false;
    Series o{std::move(metric), {}, n.return_bool};
    // Both series ascend in time: a merge finds the steps where both have a value.
    size_t a = 0, b = 0;
    while (a < ls.samples.size() && b < rs.samples.size()) {
      int64_t ta = ls.samples[a].t, tb = rs.samples[b].t;
      if (ta < tb) {
        a++;
      } else if (tb < ta) {
        b++;
      } else {
        double fl = ls.samples[a].v, fr = rs.samples[b].v;
        if (swapped) std::swap(fl, fr);
        bool keep;
        double v = apply_binop(n, fl, fr, &keep);
        if (n.return_bool) v = keep ? 1 : 0;
        if (keep || n.return_bool) o.samples.push_back({ta, v});
        a++;
        b++;
      }
    }
    if (!o.samples.empty()) out->push_back(std::move(o));
  }
  return true;
}

Value eval_binary(Evaluator& ev, const Node& n, int64_t t) {
  Value l = ev.eval(*n.args[0], t);
  Value r = ev.eval(*n.args[1], t);
  Value out;
  out.t = t;
  if (l.type == ValueType::kScalar && r.type == ValueType::kScalar) {
    bool keep;
    double v = apply_binop(n, l.scalar, r.scalar, &keep);
    if (is_comparison(n.op)) v = keep ? 1 : 0;
    out.type = ValueType::kScalar;
    out.scalar = v;
    return out;
  }
  out.type = ValueType::kVector;
  if (l.type == ValueType::kVector && r.type == ValueType::kVector) {
    out.vector = is_set_operator(n.op) ? set_binop(n, std::move(l.vector), std::move(r.vector))
                                       : vector_binop(n, std::move(l.vector), std::move(r.vector));
  } else if (l.type == ValueType::kVector) {
    out.vector = vector_scalar(n, std::move(l.vector), r.scalar, false);
  } else {
    out.vector = vector_scalar(n, std::move(r.vector), l.scalar, true);
  }
  for (auto& e : out.vector) e.t = t;
  return out;
}

}  // namespace observe::promql
