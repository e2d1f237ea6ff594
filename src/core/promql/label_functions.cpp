// label_replace, label_join and the labels of absent(): the label-manipulating functions.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/common/go_regexp.h"
#include "core/promql/function_impl.h"
#include "core/promql/strutil.h"

namespace observe::promql {

Labels absent_labels(const Node& arg) {
  const Node& a = unwrap(arg);
  const Node* sel = nullptr;
  if (a.kind == NodeKind::kVectorSelector) sel = &a;
  if (a.kind == NodeKind::kMatrixSelector) sel = a.args[0].get();
  if (!sel) return Labels();
  Labels out;
  std::vector<std::string> seen;
  for (auto& m : sel->matchers) {
    if (m.name() == kMetricNameLabel) continue;
    bool has = std::find(seen.begin(), seen.end(), m.name()) != seen.end();
    if (m.op() == MatchOp::kEqual && !has) {
      out.set(m.name(), m.value());
      seen.push_back(m.name());
    } else {
      out.remove(m.name());
    }
  }
  return out;
}


Value label_replace(Evaluator& ev, const Node& n, int64_t t) {
  std::string dst = string_arg(ev, *n.args[1], t), repl = string_arg(ev, *n.args[2], t),
              src = string_arg(ev, *n.args[3], t), re_str = string_arg(ev, *n.args[4], t);
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  RE2 re("^(?s:" + re_str + ")$", opts);
  if (!re.ok()) Evaluator::invalid("invalid regular expression in label_replace(): " + re_str);
  if (!is_valid_label_name(dst)) Evaluator::invalid("invalid destination label name in label_replace(): " + dst);
  Value v = ev.eval(*n.args[0], t);
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  for (auto& e : v.vector) {
    std::string sv(e.metric.get(src));
    if (!re.Match(sv, 0, sv.size(), RE2::UNANCHORED, groups.data(), ngroups)) continue;
    std::string res;
    go_expand_append(res, repl, re, groups.data(), ngroups);
    e.metric.set(dst, res);
    if (dst == kMetricNameLabel) e.drop_name = false;
  }
  check_unique_labelsets(v.vector);
  return vector_value(std::move(v.vector), t);
}

Value label_join(Evaluator& ev, const Node& n, int64_t t) {
  std::string dst = string_arg(ev, *n.args[1], t), sep = string_arg(ev, *n.args[2], t);
  std::vector<std::string> srcs;
  for (size_t i = 3; i < n.args.size(); i++) {
    srcs.push_back(string_arg(ev, *n.args[i], t));
    if (!is_valid_label_name(srcs.back())) Evaluator::invalid("invalid source label name in label_join(): " + srcs.back());
  }
  if (!is_valid_label_name(dst)) Evaluator::invalid("invalid destination label name in label_join(): " + dst);
  Value v = ev.eval(*n.args[0], t);
  for (auto& e : v.vector) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); i++) {
      if (i) joined += sep;
      joined += std::string(e.metric.get(srcs[i]));
    }
    e.metric.set(dst, joined);
    if (dst == kMetricNameLabel) e.drop_name = false;
  }
  check_unique_labelsets(v.vector);
  return vector_value(std::move(v.vector), t);
}

}  // namespace observe::promql
