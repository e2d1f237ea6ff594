#include "core/promql/printer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/promql/strutil.h"

namespace observe::promql {

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, r.ptr);
}

bool plain_name(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  return true;
}

std::string label_list(const std::vector<std::string>& ls) {
  std::string s = "(";
  for (size_t i = 0; i < ls.size(); i++) {
    if (i) s += ", ";
    s += plain_name(ls[i]) ? ls[i] : go_quote(ls[i]);
  }
  return s + ")";
}

std::string signed_duration(int64_t ms) { return ms < 0 ? "-" + format_duration(-ms) : format_duration(ms); }

std::string duration_expr(const DurExpr& d) {
  switch (d.kind) {
    case DurExpr::kNumber:
      return d.is_duration ? signed_duration(static_cast<int64_t>(std::llround(d.value * 1000))) : number(d.value);
    case DurExpr::kStep: return "step()";
    case DurExpr::kRange: return "range()";
    case DurExpr::kMinOf: return "min_of(" + duration_expr(*d.lhs) + ", " + duration_expr(*d.rhs) + ")";
    case DurExpr::kMaxOf: return "max_of(" + duration_expr(*d.lhs) + ", " + duration_expr(*d.rhs) + ")";
    case DurExpr::kParen: return "(" + duration_expr(*d.lhs) + ")";
    case DurExpr::kNeg: return "-" + duration_expr(*d.lhs);
    default: break;
  }
  static const char* ops[] = {"", "", "", "", "", "+", "-", "*", "/", "%", "^"};
  return duration_expr(*d.lhs) + " " + ops[d.kind] + " " + duration_expr(*d.rhs);
}

std::string range_text(int64_t ms, const DurPtr& expr) { return expr ? duration_expr(*expr) : format_duration(ms); }

std::string modifiers(const Node& n) {
  std::string s;
  if (n.offset_expr) s += " offset " + duration_expr(*n.offset_expr);
  else if (n.offset_ms != 0) s += " offset " + signed_duration(n.offset_ms);
  switch (n.at_kind) {
    case AtKind::kValue: {
      char buf[64];
      std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(n.at_ms) / 1000.0);
      s += buf;
      break;
    }
    case AtKind::kStart: s += " @ start()"; break;
    case AtKind::kEnd: s += " @ end()"; break;
    default: break;
  }
  return s;
}

std::string selector(const Node& n) {
  std::string s;
  bool name_printed = false;
  if (!n.metric_name.empty() && plain_name(n.metric_name)) {
    s = n.metric_name;
    name_printed = true;
  }
  std::string inner;
  for (const auto& m : n.matchers) {
    if (name_printed && m.name() == "__name__" && m.op() == MatchOp::kEqual && m.value() == n.metric_name) continue;
    if (!inner.empty()) inner += ", ";
    inner += plain_name(m.name()) ? m.name() : go_quote(m.name());
    switch (m.op()) {
      case MatchOp::kEqual: inner += "="; break;
      case MatchOp::kNotEqual: inner += "!="; break;
      case MatchOp::kRegexMatch: inner += "=~"; break;
      case MatchOp::kRegexNoMatch: inner += "!~"; break;
    }
    inner += go_quote(m.value());
  }
  if (!inner.empty() || !name_printed) s += "{" + inner + "}";
  return s;
}

}  // namespace

std::string format_duration(int64_t ms) {
  if (ms == 0) return "0s";
  static const std::pair<int64_t, const char*> units[] = {
      {365LL * 86400000, "y"}, {7LL * 86400000, "w"}, {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
  std::string s;
  for (auto& [u, name] : units) {
    if (ms >= u) {
      s += std::to_string(ms / u) + name;
      ms %= u;
    }
  }
  return s;
}

std::string to_string(const Node& n) {
  switch (n.kind) {
    case NodeKind::kNumber: return number(n.number);
    case NodeKind::kString: return go_quote(n.str);
    case NodeKind::kVectorSelector: return selector(n) + modifiers(n);
    case NodeKind::kMatrixSelector:
      return selector(*n.args[0]) + "[" + range_text(n.range_ms, n.range_expr) + "]" + modifiers(*n.args[0]);
    case NodeKind::kSubquery:
      return to_string(*n.args[0]) + "[" + range_text(n.range_ms, n.range_expr) + ":" +
             (n.step_expr || n.step_ms ? range_text(n.step_ms, n.step_expr) : "") + "]" + modifiers(n);
    case NodeKind::kParen: return "(" + to_string(*n.args[0]) + ")";
    case NodeKind::kExternal: return n.external->text();
    case NodeKind::kUnary: return std::string(n.op == BinOp::kSub ? "-" : "+") + to_string(*n.args[0]);
    case NodeKind::kBinary: {
      // "+Inf ^ x" would read back as +(Inf ^ x): `^` binds tighter than a sign.
      const Node& lhs = *n.args[0];
      bool bare_inf = n.op == BinOp::kPow && lhs.kind == NodeKind::kNumber && std::isinf(lhs.number) && lhs.number > 0;
      std::string s = (bare_inf ? std::string("Inf") : to_string(lhs)) + " " + binop_name(n.op);
      if (n.return_bool) s += " bool";
      const VectorMatching& m = n.matching;
      bool vv = n.args[0]->type() == ValueType::kVector && n.args[1]->type() == ValueType::kVector;
      if (vv && (m.on || !m.labels.empty())) s += std::string(m.on ? " on" : " ignoring") + label_list(m.labels);
      if (m.card == Card::kManyToOne || m.card == Card::kOneToMany) {
        if (!m.on && m.labels.empty()) s += " ignoring()";
        s += m.card == Card::kManyToOne ? " group_left" : " group_right";
        if (!m.include.empty()) s += label_list(m.include);
      }
      if (m.fill_lhs && m.fill_rhs && (*m.fill_lhs == *m.fill_rhs || (std::isnan(*m.fill_lhs) && std::isnan(*m.fill_rhs)))) {
        s += " fill(" + number(*m.fill_lhs) + ")";
      } else {
        if (m.fill_lhs) s += " fill_left(" + number(*m.fill_lhs) + ")";
        if (m.fill_rhs) s += " fill_right(" + number(*m.fill_rhs) + ")";
      }
      return s + " " + to_string(*n.args[1]);
    }
    case NodeKind::kAggregate: {
      std::string s = aggop_name(n.agg);
      if (n.without || !n.grouping.empty()) s += std::string(n.without ? " without " : " by ") + label_list(n.grouping) + " ";
      s += "(";
      for (size_t i = 0; i < n.args.size(); i++) {
        if (i) s += ", ";
        s += to_string(*n.args[i]);
      }
      return s + ")";
    }
    case NodeKind::kCall: {
      std::string s = n.str + "(";
      for (size_t i = 0; i < n.args.size(); i++) {
        if (i) s += ", ";
        s += to_string(*n.args[i]);
      }
      return s + ")";
    }
  }
  return "";
}

}  // namespace observe::promql
