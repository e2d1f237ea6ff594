#include "core/httpapi/promql_ast_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

#include "core/httpapi/json.h"
#include "core/promql/functions.h"

namespace observe::httpapi {

namespace {

using promql::Node;
using promql::NodeKind;

// A Go map[string]any: members collected, written with sorted keys.
class Object {
 public:
  Object& raw(const char* key, std::string json) {
    members_.emplace_back(key, std::move(json));
    return *this;
  }
  Object& str(const char* key, std::string_view value) {
    std::string v;
    append_json_string(v, value);
    return raw(key, std::move(v));
  }
  Object& boolean(const char* key, bool value) { return raw(key, value ? "true" : "false"); }
  Object& integer(const char* key, int64_t value) { return raw(key, std::to_string(value)); }
  std::string json() {
    std::sort(members_.begin(), members_.end());
    std::string out = "{";
    for (size_t i = 0; i < members_.size(); i++) {
      if (i) out += ',';
      append_json_string(out, members_[i].first);
      out += ':';
      out += members_[i].second;
    }
    return out + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

// strconv.FormatFloat(v, 'f', -1, 64): "+Inf", "-Inf", "NaN", never an exponent.
std::string go_float_f(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string string_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); i++) {
    if (i) out += ',';
    append_json_string(out, items[i]);
  }
  return out + "]";
}

// Go's ValueType names (not the parser's error-message names).
const char* go_value_type(promql::ValueType t) {
  switch (t) {
    case promql::ValueType::kScalar: return "scalar";
    case promql::ValueType::kVector: return "vector";
    case promql::ValueType::kMatrix: return "matrix";
    case promql::ValueType::kString: return "string";
    default: return "none";
  }
}

const char* match_type(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual: return "=";
    case MatchOp::kNotEqual: return "!=";
    case MatchOp::kRegexMatch: return "=~";
    default: return "!~";
  }
}

const char* card_name(promql::Card c) {
  switch (c) {
    case promql::Card::kOneToOne: return "one-to-one";
    case promql::Card::kManyToOne: return "many-to-one";
    case promql::Card::kOneToMany: return "one-to-many";
    default: return "many-to-many";
  }
}

// Prometheus's parser appends the matcher of a metric name written before the braces after
// the braces' matchers; pg_observe's parser puts it first.
std::string matchers_json(const Node& selector) {
  std::vector<const LabelMatcher*> order;
  const LabelMatcher* name_matcher = nullptr;
  for (const LabelMatcher& m : selector.matchers) {
    if (!selector.metric_name.empty() && name_matcher == nullptr && m.name() == kMetricNameLabel &&
        m.op() == MatchOp::kEqual && m.value() == selector.metric_name) {
      name_matcher = &m;
      continue;
    }
    order.push_back(&m);
  }
  if (name_matcher) order.push_back(name_matcher);
  std::string out = "[";
  for (size_t i = 0; i < order.size(); i++) {
    if (i) out += ',';
    out += Object().str("name", order[i]->name()).str("type", match_type(order[i]->op())).str("value", order[i]->value()).json();
  }
  return out + "]";
}

std::string duration_json(const promql::DurPtr& d, bool wrapped = false) {
  using K = promql::DurExpr;
  if (!d) return "null";
  if (d->kind == K::kParen) return duration_json(d->lhs, true);
  if (d->kind == K::kNumber)
    return Object().str("type", "numberLiteral").str("val", go_float_f(d->value)).boolean("duration", d->is_duration).json();
  static const char* ops[] = {"", "step", "range", "min_of", "max_of", "+", "-", "*", "/", "%", "^", "-", ""};
  Object o;
  o.str("type", "durationExpr").str("op", ops[d->kind]).boolean("wrapped", wrapped);
  if (d->kind == K::kNeg) {
    o.raw("lhs", "null").raw("rhs", duration_json(d->lhs));
  } else {
    o.raw("lhs", duration_json(d->lhs)).raw("rhs", duration_json(d->rhs));
  }
  return o.json();
}

std::string at_json(const Node& n, Object& o) {
  o.raw("timestamp", n.at_kind == promql::AtKind::kValue ? std::to_string(n.at_ms) : "null");
  const char* start_or_end = n.at_kind == promql::AtKind::kStart ? "\"start\""
                             : n.at_kind == promql::AtKind::kEnd ? "\"end\""
                                                                 : "null";
  o.raw("startOrEnd", start_or_end);
  return "";
}

std::string optional_number(const std::optional<double>& v) {
  if (!v) return "null";
  std::string out;
  append_prom_float(out, *v);
  return out;
}

std::string node_json(const Node* n) {
  if (n == nullptr) return "null";
  switch (n->kind) {
    case NodeKind::kAggregate: {
      const Node* param = n->args.size() > 1 ? n->args[0].get() : nullptr;
      return Object()
          .str("type", "aggregation")
          .str("op", promql::aggop_name(n->agg))
          .raw("expr", node_json(n->args.back().get()))
          .raw("param", node_json(param))
          .raw("grouping", string_list(n->grouping))
          .boolean("without", n->without)
          .json();
    }
    case NodeKind::kBinary: {
      std::string matching = "null";
      if (n->args[0]->type() == promql::ValueType::kVector && n->args[1]->type() == promql::ValueType::kVector) {
        const promql::VectorMatching& m = n->matching;
        matching = Object()
                       .str("card", card_name(m.card))
                       .raw("labels", string_list(m.labels))
                       .boolean("on", m.on)
                       .raw("include", string_list(m.include))
                       .raw("fillValues", Object()
                                              .raw("lhs", optional_number(m.fill_lhs))
                                              .raw("rhs", optional_number(m.fill_rhs))
                                              .json())
                       .json();
      }
      return Object()
          .str("type", "binaryExpr")
          .str("op", promql::binop_name(n->op))
          .raw("lhs", node_json(n->args[0].get()))
          .raw("rhs", node_json(n->args[1].get()))
          .raw("matching", matching)
          .boolean("bool", n->return_bool)
          .json();
    }
    case NodeKind::kCall: {
      std::string args = "[";
      for (size_t i = 0; i < n->args.size(); i++) {
        if (i) args += ',';
        args += node_json(n->args[i].get());
      }
      args += "]";
      Object func;
      func.str("name", n->str);
      if (const promql::FunctionInfo* f = promql::find_function(n->str)) {
        std::string types = "[";
        for (size_t i = 0; i < f->arg_types.size(); i++) {
          if (i) types += ',';
          types += std::string("\"") + go_value_type(f->arg_types[i]) + "\"";
        }
        func.raw("argTypes", types + "]").integer("variadic", f->variadic).str("returnType", go_value_type(f->return_type));
      }
      return Object().str("type", "call").raw("func", func.json()).raw("args", args).json();
    }
    case NodeKind::kMatrixSelector: {
      const Node& vs = *n->args[0];
      Object o;
      o.str("type", "matrixSelector")
          .str("name", vs.metric_name)
          .integer("range", n->range_expr ? 0 : n->range_ms)
          .raw("rangeExpr", duration_json(n->range_expr))
          .integer("offset", vs.offset_expr ? 0 : vs.offset_ms)
          .raw("offsetExpr", duration_json(vs.offset_expr))
          .raw("matchers", matchers_json(vs))
          .boolean("anchored", false)
          .boolean("smoothed", false);
      at_json(vs, o);
      return o.json();
    }
    case NodeKind::kSubquery: {
      Object o;
      o.str("type", "subquery")
          .raw("expr", node_json(n->args[0].get()))
          .integer("range", n->range_expr ? 0 : n->range_ms)
          .raw("rangeExpr", duration_json(n->range_expr))
          .integer("offset", n->offset_expr ? 0 : n->offset_ms)
          .raw("offsetExpr", duration_json(n->offset_expr))
          .integer("step", n->step_expr ? 0 : n->step_ms)
          .raw("stepExpr", duration_json(n->step_expr));
      at_json(*n, o);
      return o.json();
    }
    case NodeKind::kNumber: return Object().str("type", "numberLiteral").str("val", go_float_f(n->number)).json();
    case NodeKind::kParen: return Object().str("type", "parenExpr").raw("expr", node_json(n->args[0].get())).json();
    case NodeKind::kString: return Object().str("type", "stringLiteral").str("val", n->str).json();
    case NodeKind::kUnary:
      return Object()
          .str("type", "unaryExpr")
          .str("op", n->op == promql::BinOp::kSub ? "-" : "+")
          .raw("expr", node_json(n->args[0].get()))
          .json();
    case NodeKind::kVectorSelector: {
      Object o;
      o.str("type", "vectorSelector")
          .str("name", n->metric_name)
          .integer("offset", n->offset_expr ? 0 : n->offset_ms)
          .raw("offsetExpr", duration_json(n->offset_expr))
          .raw("matchers", matchers_json(*n))
          .boolean("anchored", false)
          .boolean("smoothed", false);
      at_json(*n, o);
      return o.json();
    }
    case NodeKind::kExternal: break;
  }
  return "null";
}

}  // namespace

std::string promql_ast_json(const promql::Node& node) { return node_json(&node); }

}  // namespace observe::httpapi
