#include "core/promql/parser.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "core/common/error.h"
#include "core/promql/functions.h"
#include "core/promql/lexer.h"

namespace observe::promql {

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
    default: return "none";
  }
}

bool is_comparison(BinOp op) { return op >= BinOp::kEql && op <= BinOp::kLte; }
bool is_set_operator(BinOp op) { return op == BinOp::kAnd || op == BinOp::kOr || op == BinOp::kUnless; }

const char* binop_name(BinOp op) {
  static const char* names[] = {"+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless"};
  return names[static_cast<int>(op)];
}

const char* aggop_name(AggOp op) {
  static const char* names[] = {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio"};
  return names[static_cast<int>(op)];
}

ValueType Node::type() const {
  switch (kind) {
    case NodeKind::kNumber: return ValueType::kScalar;
    case NodeKind::kString: return ValueType::kString;
    case NodeKind::kVectorSelector: return ValueType::kVector;
    case NodeKind::kMatrixSelector:
    case NodeKind::kSubquery: return ValueType::kMatrix;
    case NodeKind::kParen:
    case NodeKind::kUnary: return args[0]->type();
    case NodeKind::kBinary:
      return args[0]->type() == ValueType::kScalar && args[1]->type() == ValueType::kScalar ? ValueType::kScalar : ValueType::kVector;
    case NodeKind::kAggregate:
    case NodeKind::kExternal: return ValueType::kVector;
    case NodeKind::kCall: {
      const FunctionInfo* f = find_function(str);
      return f ? f->return_type : ValueType::kNone;
    }
  }
  return ValueType::kNone;
}

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

bool agg_from_name(const std::string& l, AggOp* op) {
  static const std::pair<const char*, AggOp> table[] = {
      {"sum", AggOp::kSum}, {"avg", AggOp::kAvg}, {"count", AggOp::kCount}, {"min", AggOp::kMin},
      {"max", AggOp::kMax}, {"group", AggOp::kGroup}, {"stddev", AggOp::kStddev}, {"stdvar", AggOp::kStdvar},
      {"topk", AggOp::kTopk}, {"bottomk", AggOp::kBottomk}, {"count_values", AggOp::kCountValues},
      {"quantile", AggOp::kQuantile}, {"limitk", AggOp::kLimitk}, {"limit_ratio", AggOp::kLimitRatio}};
  for (auto& [n, o] : table) {
    if (l == n) {
      *op = o;
      return true;
    }
  }
  return false;
}

bool agg_has_param(AggOp op) {
  return op == AggOp::kTopk || op == AggOp::kBottomk || op == AggOp::kCountValues || op == AggOp::kQuantile ||
         op == AggOp::kLimitk || op == AggOp::kLimitRatio;
}

class Parser {
 public:
  explicit Parser(std::string_view q) : lexer_(q) {}

  NodePtr parse_all() {
    if (peek().kind == Tok::kEOF) fail("no expression found in input", peek().pos);
    NodePtr e = expr(0);
    if (peek().kind != Tok::kEOF) fail("unexpected " + describe(peek()), peek().pos);
    return e;
  }

  Labels series() {
    Token t = peek();
    std::vector<Label> ls;
    if (t.kind == Tok::kIdent) {
      next();
      ls.push_back({std::string(kMetricNameLabel), t.text});
    } else if (t.kind != Tok::kLBrace) {
      fail("unexpected " + describe(t) + " in series description", t.pos);
    }
    if (peek().kind == Tok::kLBrace) {
      Node sel;
      sel.kind = NodeKind::kVectorSelector;
      std::vector<LabelMatcher> ms = matchers(&sel);
      for (auto& m : ms) {
        if (m.op() != MatchOp::kEqual) fail("only = is allowed in a series description", t.pos);
        // Found by the labels fuzzer: {""="v"} made a label without a name.
        if (m.name().empty()) fail("label name must not be empty in a series description", t.pos);
        ls.push_back({m.name(), m.value()});
      }
      if (!sel.metric_name.empty()) ls.push_back({std::string(kMetricNameLabel), sel.metric_name});
    }
    if (peek().kind != Tok::kEOF) fail("unexpected " + describe(peek()) + " in series description", peek().pos);
    return Labels(std::move(ls));
  }

 private:
  static constexpr int kMaxDepth = 500;
  // Tokens read ahead but not consumed; consumed ones are dropped.
  Lexer lexer_;
  std::deque<Token> toks_;
  int depth_ = 0;

  [[noreturn]] static void fail(const std::string& msg, int pos) { throw SyntaxError(msg, pos); }

  const Token& peek(size_t ahead = 0) {
    while (toks_.size() <= ahead && (toks_.empty() || toks_.back().kind != Tok::kEOF))
      toks_.push_back(lexer_.next());
    return toks_[std::min(ahead, toks_.size() - 1)];
  }
  Token next() {
    Token t = peek();
    if (t.kind != Tok::kEOF) toks_.pop_front();
    return t;
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEOF: return "end of input";
      case Tok::kIdent: return "identifier \"" + t.text + "\"";
      case Tok::kNumber: return "number \"" + t.text + "\"";
      case Tok::kDuration: return "duration \"" + t.text + "\"";
      case Tok::kString: return "string";
      default: return "\"" + t.text + "\"";
    }
  }

  void expect(Tok k, const char* what) {
    if (peek().kind != k) fail(std::string("unexpected ") + describe(peek()) + ", expected " + what, peek().pos);
    next();
  }

  bool is_keyword(const Token& t, const char* kw) const { return t.kind == Tok::kIdent && lower(t.text) == kw; }

  // Binary operator at the current token: precedence (0 if none).
  int binop(BinOp* op) {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::kAdd: *op = BinOp::kAdd; return 4;
      case Tok::kSub: *op = BinOp::kSub; return 4;
      case Tok::kMul: *op = BinOp::kMul; return 5;
      case Tok::kDiv: *op = BinOp::kDiv; return 5;
      case Tok::kMod: *op = BinOp::kMod; return 5;
      case Tok::kPow: *op = BinOp::kPow; return 6;
      case Tok::kEqlC: *op = BinOp::kEql; return 3;
      case Tok::kNeqMatch: *op = BinOp::kNeq; return 3;
      case Tok::kGtr: *op = BinOp::kGtr; return 3;
      case Tok::kLss: *op = BinOp::kLss; return 3;
      case Tok::kGte: *op = BinOp::kGte; return 3;
      case Tok::kLte: *op = BinOp::kLte; return 3;
      case Tok::kIdent: {
        std::string l = lower(t.text);
        if (l == "and") { *op = BinOp::kAnd; return 2; }
        if (l == "unless") { *op = BinOp::kUnless; return 2; }
        if (l == "or") { *op = BinOp::kOr; return 1; }
        if (l == "atan2") { *op = BinOp::kAtan2; return 5; }
        return 0;
      }
      default: return 0;
    }
  }

  // The parser and the evaluator recurse along the tree: bound the depth so that a
  // hostile query cannot overflow the backend's stack.
  struct DepthGuard {
    int& d;
    DepthGuard(int& depth, int pos) : d(depth) {
      if (++d > kMaxDepth) throw SyntaxError("query is nested too deeply", pos);
    }
    ~DepthGuard() { d--; }
  };

  NodePtr expr(int min_prec) {
    DepthGuard guard(depth_, peek().pos);
    // Each operator applied here makes the tree one level deeper without recursing (a + b + c
    // is ((a + b) + c)), and the evaluator and destructors do recurse along it: count those
    // levels too, or `m + m + ... ` 10,000 times overflows the backend's stack.
    struct Links {
      int& depth;
      int n = 0;
      ~Links() { depth -= n; }
    } links{depth_};
    NodePtr lhs = unary();
    for (;;) {
      BinOp op;
      int prec = binop(&op);
      if (prec == 0 || prec < min_prec) break;
      Token optok = next();
      links.n++;
      if (++depth_ > kMaxDepth) fail("query is nested too deeply", optok.pos);
      auto node = std::make_shared<Node>();
      node->kind = NodeKind::kBinary;
      node->op = op;
      node->pos = lhs->pos;
      bool has_matching = false, has_group = false;
      if (is_keyword(peek(), "bool")) {
        next();
        node->return_bool = true;
      }
      if (is_keyword(peek(), "on") || is_keyword(peek(), "ignoring")) {
        node->matching.on = is_keyword(peek(), "on");
        next();
        node->matching.labels = label_list();
        has_matching = true;
        if (is_keyword(peek(), "group_left") || is_keyword(peek(), "group_right")) {
          node->matching.card = is_keyword(peek(), "group_left") ? Card::kManyToOne : Card::kOneToMany;
          next();
          has_group = true;
          if (peek().kind == Tok::kLParen) node->matching.include = label_list();
        }
      }
      bool has_fill = fill_modifiers(&node->matching);
      NodePtr rhs = expr(op == BinOp::kPow ? prec : prec + 1);
      node->args = {lhs, rhs};
      check_binary(*node, optok.pos, has_matching || has_group, has_group);
      if (has_fill) {
        if (is_set_operator(op)) fail("filling in missing series not allowed for set operators", optok.pos);
        if (lhs->type() != ValueType::kVector || rhs->type() != ValueType::kVector)
          fail("filling in missing series only allowed between instant vectors", optok.pos);
      }
      lhs = node;
    }
    return lhs;
  }

  // fill(v) | fill_left(v) [fill_right(v)] | fill_right(v) [fill_left(v)]
  bool fill_modifiers(VectorMatching* m) {
    bool any = false;
    for (int i = 0; i < 2; i++) {
      bool both = is_keyword(peek(), "fill"), left = is_keyword(peek(), "fill_left"), right = is_keyword(peek(), "fill_right");
      if (!(both || left || right) || peek(1).kind != Tok::kLParen) break;
      if (both && any) break;
      if ((left && m->fill_lhs) || (right && m->fill_rhs)) fail("duplicate fill modifier", peek().pos);
      next();
      next();
      double sign = 1;
      if (peek().kind == Tok::kSub || peek().kind == Tok::kAdd) sign = next().kind == Tok::kSub ? -1 : 1;
      Token v = next();
      double value;
      if (v.kind == Tok::kNumber) value = v.number;
      else if (v.kind == Tok::kDuration) value = static_cast<double>(v.duration_ms) / 1000;
      else if (v.kind == Tok::kIdent && (lower(v.text) == "inf" || lower(v.text) == "nan"))
        value = lower(v.text) == "inf" ? std::numeric_limits<double>::infinity() : std::nan("");
      else fail("unexpected " + describe(v) + " in fill modifier, expected number", v.pos);
      expect(Tok::kRParen, "\")\"");
      value *= sign;
      if (both || left) m->fill_lhs = value;
      if (both || right) m->fill_rhs = value;
      any = true;
      if (both) break;
    }
    return any;
  }

  void check_binary(Node& n, int pos, bool has_matching, bool has_group) {
    ValueType lt = n.args[0]->type(), rt = n.args[1]->type();
    if (n.return_bool && !is_comparison(n.op)) fail("bool modifier can only be used on comparison operators", pos);
    if (is_comparison(n.op) && lt == ValueType::kScalar && rt == ValueType::kScalar && !n.return_bool)
      fail("comparisons between scalars must use BOOL modifier", pos);
    if (is_set_operator(n.op)) {
      if (lt == ValueType::kScalar || rt == ValueType::kScalar)
        fail(std::string("set operator \"") + binop_name(n.op) + "\" not allowed in binary scalar expression", pos);
      if (has_group) fail(std::string("no grouping allowed for \"") + binop_name(n.op) + "\" operation", pos);
      n.matching.card = Card::kManyToMany;
    }
    if ((lt != ValueType::kScalar && lt != ValueType::kVector) || (rt != ValueType::kScalar && rt != ValueType::kVector))
      fail("binary expression must contain only scalar and instant vector types", pos);
    if (has_matching && (lt != ValueType::kVector || rt != ValueType::kVector))
      fail("vector matching only allowed between instant vectors", pos);
    if (n.matching.on) {
      for (auto& l : n.matching.include) {
        if (std::find(n.matching.labels.begin(), n.matching.labels.end(), l) != n.matching.labels.end())
          fail("label \"" + l + "\" must not occur in ON and GROUP clause at once", pos);
      }
    }
  }

  NodePtr unary() {
    Token t = peek();  // a copy: next() drops the token peek() refers to
    if (t.kind == Tok::kAdd || t.kind == Tok::kSub) {
      Token op = next();
      NodePtr operand = expr(6);
      ValueType ty = operand->type();
      if (ty != ValueType::kScalar && ty != ValueType::kVector)
        fail(std::string("unary expression only allowed on expressions of type scalar or instant vector, got \"") +
                 value_type_name(ty) + "\"",
             op.pos);
      if (operand->kind == NodeKind::kNumber) {
        if (op.kind == Tok::kSub) operand->number = -operand->number;
        operand->pos = op.pos;
        return operand;
      }
      auto n = std::make_shared<Node>();
      n->kind = NodeKind::kUnary;
      n->op = op.kind == Tok::kSub ? BinOp::kSub : BinOp::kAdd;
      n->pos = op.pos;
      n->args = {operand};
      return n;
    }
    return postfix(primary());
  }

  // --- duration expressions ---------------------------------------------------------

  static DurPtr dur_number(double seconds, bool is_duration, int pos) {
    auto d = std::make_shared<DurExpr>();
    d->kind = DurExpr::kNumber;
    d->value = seconds;
    d->is_duration = is_duration;
    d->pos = pos;
    return d;
  }

  static DurPtr dur_node(DurExpr::Kind k, DurPtr lhs, DurPtr rhs, int pos) {
    auto d = std::make_shared<DurExpr>();
    d->kind = k;
    d->lhs = std::move(lhs);
    d->rhs = std::move(rhs);
    d->pos = pos;
    return d;
  }

  static void check_literal_range(const DurExpr& d) {
    if (d.kind == DurExpr::kNumber && std::fabs(d.value) > 9223372036.854775807) fail("duration out of range", d.pos);
  }

  // A sign applied to a literal folds into it, as Prometheus does.
  static DurPtr dur_negate(DurPtr d, int pos) {
    if (d->kind == DurExpr::kNumber) {
      d->value = -d->value;
      d->pos = pos;
      check_literal_range(*d);
      return d;
    }
    return dur_node(DurExpr::kNeg, std::move(d), nullptr, pos);
  }

  // number | duration | step() | range() | min_of(d, d) | max_of(d, d) | ( d )
  DurPtr dur_atom(const char* ctx) {
    DepthGuard guard(depth_, peek().pos);
    Token t = next();
    if (t.kind == Tok::kDuration) {
      auto d = dur_number(static_cast<double>(t.duration_ms) / 1000.0, true, t.pos);
      check_literal_range(*d);
      return d;
    }
    if (t.kind == Tok::kNumber) {
      auto d = dur_number(t.number, false, t.pos);
      check_literal_range(*d);
      return d;
    }
    if (t.kind == Tok::kLParen) {
      DurPtr inner = dur_expr(0, ctx);
      expect(Tok::kRParen, "\")\"");
      return dur_node(DurExpr::kParen, inner, nullptr, t.pos);
    }
    if (t.kind == Tok::kIdent && peek().kind == Tok::kLParen) {
      std::string l = lower(t.text);
      if (l == "step" || l == "range") {
        next();
        expect(Tok::kRParen, "\")\"");
        return dur_node(l == "step" ? DurExpr::kStep : DurExpr::kRange, nullptr, nullptr, t.pos);
      }
      if (l == "min_of" || l == "max_of") {
        next();
        DurPtr a = dur_expr(0, ctx);
        expect(Tok::kComma, "\",\"");
        DurPtr b = dur_expr(0, ctx);
        expect(Tok::kRParen, "\")\"");
        return dur_node(l == "min_of" ? DurExpr::kMinOf : DurExpr::kMaxOf, a, b, t.pos);
      }
    }
    fail(std::string("unexpected ") + describe(t) + " in " + ctx + ", expected number, duration, step(), or range()",
         t.pos);
  }

  // Full duration arithmetic: + - (weakest), * / %, unary sign, ^ (right-associative).
  DurPtr dur_expr(int min_prec, const char* ctx) {
    DepthGuard guard(depth_, peek().pos);
    DurPtr lhs;
    if (peek().kind == Tok::kAdd || peek().kind == Tok::kSub) {
      Token sign = next();
      DurPtr operand = dur_expr(3, ctx);
      lhs = sign.kind == Tok::kSub ? dur_negate(operand, sign.pos) : operand;
    } else {
      lhs = dur_atom(ctx);
    }
    for (;;) {
      DurExpr::Kind k;
      int prec;
      switch (peek().kind) {
        case Tok::kAdd: k = DurExpr::kAdd; prec = 1; break;
        case Tok::kSub: k = DurExpr::kSub; prec = 1; break;
        case Tok::kMul: k = DurExpr::kMul; prec = 2; break;
        case Tok::kDiv: k = DurExpr::kDiv; prec = 2; break;
        case Tok::kMod: k = DurExpr::kMod; prec = 2; break;
        case Tok::kPow: k = DurExpr::kPow; prec = 3; break;
        default: return lhs;
      }
      if (prec < min_prec) return lhs;
      Token op = next();
      DurPtr rhs = dur_expr(k == DurExpr::kPow ? prec : prec + 1, ctx);
      if ((k == DurExpr::kDiv || k == DurExpr::kMod) && rhs->kind == DurExpr::kNumber && rhs->value == 0)
        fail(k == DurExpr::kDiv ? "division by zero" : "modulo by zero", op.pos);
      lhs = dur_node(k, lhs, rhs, lhs->pos);
    }
  }

  // After `offset` only one term is taken ([sign] atom): `x offset 1m * 2` multiplies x.
  DurPtr offset_term() {
    if (peek().kind == Tok::kAdd || peek().kind == Tok::kSub) {
      Token sign = next();
      DurPtr a = dur_atom("offset");
      return sign.kind == Tok::kSub ? dur_negate(a, sign.pos) : a;
    }
    return dur_atom("offset");
  }

  // A literal becomes milliseconds now; anything else is kept for resolve_durations().
  static bool literal_ms(const DurPtr& d, int64_t* ms) {
    if (d->kind != DurExpr::kNumber) return false;
    *ms = static_cast<int64_t>(std::llround(d->value * 1000));
    return true;
  }

  NodePtr postfix(NodePtr e) {
    for (;;) {
      Token t = peek();  // a copy: next() drops the token peek() refers to
      if (t.kind == Tok::kLBracket) {
        int pos = t.pos;
        next();
        DurPtr range = dur_expr(0, "range");
        int64_t range_ms = 0;
        bool range_literal = literal_ms(range, &range_ms);
        if (range_literal && range_ms <= 0) fail("duration must be greater than 0", range->pos);
        if (peek().kind == Tok::kColon) {
          next();
          DurPtr step;
          int64_t step_ms = 0;
          bool step_literal = true;
          if (peek().kind != Tok::kRBracket) {
            step = dur_expr(0, "subquery step");
            step_literal = literal_ms(step, &step_ms);
            if (step_literal && step_ms <= 0) fail("duration must be greater than 0", step->pos);
          }
          expect(Tok::kRBracket, "\"]\"");
          ValueType ty = e->type();
          if (ty != ValueType::kVector)
            fail(std::string("subquery is only allowed on instant vector, got ") + value_type_name(ty) + " instead", pos);
          auto n = std::make_shared<Node>();
          n->kind = NodeKind::kSubquery;
          n->pos = e->pos;
          n->range_ms = range_ms;
          n->step_ms = step_ms;
          if (!range_literal) n->range_expr = range;
          if (!step_literal) n->step_expr = step;
          n->args = {e};
          e = n;
        } else {
          expect(Tok::kRBracket, "\"]\"");
          if (e->kind != NodeKind::kVectorSelector)
            fail("ranges only allowed for vector selectors", pos);
          if (e->offset_ms != 0 || e->offset_expr || e->at_kind != AtKind::kNone)
            fail("no offset or @ modifiers allowed before range", pos);
          auto n = std::make_shared<Node>();
          n->kind = NodeKind::kMatrixSelector;
          n->pos = e->pos;
          n->range_ms = range_ms;
          if (!range_literal) n->range_expr = range;
          n->args = {e};
          e = n;
        }
        continue;
      }
      if (is_keyword(t, "offset")) {
        int pos = t.pos;
        next();
        DurPtr d = offset_term();
        Node* target = modifier_target(e, pos, "offset");
        if (target->offset_ms != 0 || target->offset_expr) fail("offset may not be set multiple times", pos);
        int64_t ms;
        if (literal_ms(d, &ms)) target->offset_ms = ms;
        else target->offset_expr = d;
        continue;
      }
      if (t.kind == Tok::kAt) {
        int pos = t.pos;
        next();
        Node* target = modifier_target(e, pos, "@");
        if (target->at_kind != AtKind::kNone) fail("@ <timestamp> may not be set multiple times", pos);
        if (is_keyword(peek(), "start") || is_keyword(peek(), "end")) {
          target->at_kind = is_keyword(peek(), "start") ? AtKind::kStart : AtKind::kEnd;
          next();
          expect(Tok::kLParen, "\"(\"");
          expect(Tok::kRParen, "\")\"");
        } else {
          double sign = 1;
          if (peek().kind == Tok::kSub) {
            next();
            sign = -1;
          } else if (peek().kind == Tok::kAdd) {
            next();
          }
          Token v = next();
          double secs;
          if (v.kind == Tok::kNumber) secs = v.number;
          else if (v.kind == Tok::kDuration) secs = static_cast<double>(v.duration_ms) / 1000.0;
          else fail("unexpected " + describe(v) + " in @, expected timestamp", v.pos);
          secs *= sign;
          if (std::isinf(secs) || std::isnan(secs) || std::fabs(secs * 1000) > 9.2e18)
            fail("timestamp out of bounds for @ modifier: " + v.text, v.pos);
          target->at_kind = AtKind::kValue;
          target->at_ms = static_cast<int64_t>(std::llround(secs * 1000));
        }
        continue;
      }
      return e;
    }
  }

  Node* modifier_target(const NodePtr& e, int pos, const char* what) {
    if (e->kind == NodeKind::kVectorSelector || e->kind == NodeKind::kSubquery) return e.get();
    if (e->kind == NodeKind::kMatrixSelector) return e->args[0].get();
    fail(std::string(what) + " modifier must be preceded by an instant vector selector or range vector selector or a subquery", pos);
  }

  std::vector<std::string> label_list() {
    expect(Tok::kLParen, "\"(\"");
    std::vector<std::string> out;
    while (peek().kind != Tok::kRParen) {
      Token t = next();
      if (t.kind == Tok::kIdent || t.kind == Tok::kString) {
        out.push_back(t.text);
      } else {
        fail("unexpected " + describe(t) + " in grouping opts, expected label", t.pos);
      }
      if (peek().kind == Tok::kComma) {
        next();
      } else if (peek().kind != Tok::kRParen) {
        fail("unexpected " + describe(peek()) + " in grouping opts, expected \")\" or \",\"", peek().pos);
      }
    }
    next();
    return out;
  }

  NodePtr primary() {
    Token t = peek();
    switch (t.kind) {
      case Tok::kNumber: {
        next();
        auto n = std::make_shared<Node>();
        n->kind = NodeKind::kNumber;
        n->pos = t.pos;
        n->number = t.number;
        return n;
      }
      case Tok::kDuration: {  // a duration used as a number means seconds
        next();
        auto n = std::make_shared<Node>();
        n->kind = NodeKind::kNumber;
        n->pos = t.pos;
        n->number = static_cast<double>(t.duration_ms) / 1000.0;
        return n;
      }
      case Tok::kString: {
        next();
        auto n = std::make_shared<Node>();
        n->kind = NodeKind::kString;
        n->pos = t.pos;
        n->str = t.text;
        return n;
      }
      case Tok::kLParen: {
        next();
        NodePtr inner = expr(0);
        expect(Tok::kRParen, "\")\"");
        auto n = std::make_shared<Node>();
        n->kind = NodeKind::kParen;
        n->pos = t.pos;
        n->args = {inner};
        return n;
      }
      case Tok::kLBrace: {
        auto n = std::make_shared<Node>();
        n->kind = NodeKind::kVectorSelector;
        n->pos = t.pos;
        n->matchers = matchers(n.get());
        finish_selector(*n, t.pos);
        return n;
      }
      case Tok::kIdent: {
        next();
        std::string l = lower(t.text);
        AggOp agg;
        if (agg_from_name(l, &agg) &&
            (peek().kind == Tok::kLParen || is_keyword(peek(), "by") || is_keyword(peek(), "without")))
          return aggregation(agg, t.pos);
        if (peek().kind == Tok::kLParen) return call(t);
        if (l == "inf" || l == "nan") {
          auto n = std::make_shared<Node>();
          n->kind = NodeKind::kNumber;
          n->pos = t.pos;
          n->number = l == "inf" ? std::numeric_limits<double>::infinity() : std::nan("");
          return n;
        }
        if (is_reserved(l)) fail("unexpected " + describe(t), t.pos);
        auto n = std::make_shared<Node>();
        n->kind = NodeKind::kVectorSelector;
        n->pos = t.pos;
        n->metric_name = t.text;
        if (peek().kind == Tok::kLBrace) {
          std::string inner_name;
          Node tmp;
          n->matchers = matchers(&tmp);
          if (!tmp.metric_name.empty()) fail("metric name must not be set twice: \"" + t.text + "\" or \"" + tmp.metric_name + "\"", t.pos);
        }
        n->matchers.insert(n->matchers.begin(), LabelMatcher(MatchOp::kEqual, std::string(kMetricNameLabel), t.text));
        finish_selector(*n, t.pos);
        return n;
      }
      default:
        fail("unexpected " + describe(t), t.pos);
    }
  }

  static bool is_reserved(const std::string& l) {
    static const char* kw[] = {"and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"};
    for (auto k : kw)
      if (l == k) return true;
    return false;
  }

  // `{...}`: label matchers. A bare string inside the braces is the metric name (3.x UTF-8 syntax).
  std::vector<LabelMatcher> matchers(Node* sel) {
    expect(Tok::kLBrace, "\"{\"");
    std::vector<LabelMatcher> out;
    while (peek().kind != Tok::kRBrace) {
      Token name = next();
      if (name.kind != Tok::kIdent && name.kind != Tok::kString)
        fail("unexpected " + describe(name) + " in label matching, expected label", name.pos);
      if (name.kind == Tok::kString && (peek().kind == Tok::kComma || peek().kind == Tok::kRBrace)) {
        if (!sel->metric_name.empty()) fail("metric name must not be set twice", name.pos);
        sel->metric_name = name.text;
        out.emplace_back(MatchOp::kEqual, std::string(kMetricNameLabel), name.text);
      } else {
        Token op = next();
        MatchOp mop;
        switch (op.kind) {
          case Tok::kAssign: mop = MatchOp::kEqual; break;
          case Tok::kNeqMatch: mop = MatchOp::kNotEqual; break;
          case Tok::kRegex: mop = MatchOp::kRegexMatch; break;
          case Tok::kNotRegex: mop = MatchOp::kRegexNoMatch; break;
          default: fail("unexpected " + describe(op) + " in label matching, expected label matching operator", op.pos);
        }
        Token val = next();
        if (val.kind != Tok::kString)
          fail("unexpected " + describe(val) + " in label matching, expected string", val.pos);
        try {
          out.emplace_back(mop, name.text, val.text);
        } catch (const Error& e) {
          fail(e.what(), val.pos);
        }
      }
      if (peek().kind == Tok::kComma) {
        next();
      } else if (peek().kind != Tok::kRBrace) {
        fail("unexpected " + describe(peek()) + " in label matching, expected \",\" or \"}\"", peek().pos);
      }
    }
    next();
    return out;
  }

  void finish_selector(Node& n, int pos) {
    // Prometheus: at least one matcher must not match the empty string.
    bool ok = false;
    for (auto& m : n.matchers) {
      if (m.name() == kMetricNameLabel && m.op() == MatchOp::kEqual && n.metric_name.empty()) n.metric_name = m.value();
      if (!m.matches_empty()) ok = true;
    }
    if (!ok) fail("vector selector must contain at least one non-empty matcher", pos);
  }

  NodePtr aggregation(AggOp op, int pos) {
    auto n = std::make_shared<Node>();
    n->kind = NodeKind::kAggregate;
    n->agg = op;
    n->pos = pos;
    bool have_grouping = false;
    auto grouping = [&]() {
      if (is_keyword(peek(), "by") || is_keyword(peek(), "without")) {
        if (have_grouping) fail("unexpected grouping after grouping", peek().pos);
        n->without = is_keyword(peek(), "without");
        next();
        n->grouping = label_list();
        have_grouping = true;
      }
    };
    grouping();
    int lp = peek().pos;
    expect(Tok::kLParen, "\"(\"");
    std::vector<NodePtr> args;
    while (peek().kind != Tok::kRParen) {
      args.push_back(expr(0));
      if (peek().kind == Tok::kComma) next();
      else if (peek().kind != Tok::kRParen) fail("unexpected " + describe(peek()) + " in aggregation, expected \",\" or \")\"", peek().pos);
    }
    next();
    grouping();
    size_t want = agg_has_param(op) ? 2 : 1;
    if (args.size() != want)
      fail("wrong number of arguments for aggregate expression provided, expected " + std::to_string(want) + ", got " + std::to_string(args.size()), lp);
    ValueType et = args.back()->type();
    if (et != ValueType::kVector)
      fail(std::string("expected type instant vector in aggregation expression, got ") + value_type_name(et), args.back()->pos);
    if (want == 2) {
      ValueType pt = args[0]->type();
      ValueType need = op == AggOp::kCountValues ? ValueType::kString : ValueType::kScalar;
      if (pt != need)
        fail(std::string("expected type ") + value_type_name(need) + " in aggregation parameter, got " + value_type_name(pt), args[0]->pos);
    }
    n->args = std::move(args);
    return n;
  }

  NodePtr call(const Token& name) {
    const FunctionInfo* f = find_function(name.text);
    if (!f) fail("unknown function with name \"" + name.text + "\"", name.pos);
    auto n = std::make_shared<Node>();
    n->kind = NodeKind::kCall;
    n->str = f->name;
    n->pos = name.pos;
    expect(Tok::kLParen, "\"(\"");
    while (peek().kind != Tok::kRParen) {
      n->args.push_back(expr(0));
      if (peek().kind == Tok::kComma) next();
      else if (peek().kind != Tok::kRParen) fail("unexpected " + describe(peek()) + " in function call, expected \",\" or \")\"", peek().pos);
    }
    int rp = peek().pos;
    next();
    int nargs = static_cast<int>(n->args.size());
    int nt = static_cast<int>(f->arg_types.size());
    if (f->variadic == 0) {
      if (nargs != nt)
        fail("expected " + std::to_string(nt) + " argument(s) in call to \"" + f->name + "\", got " + std::to_string(nargs), rp);
    } else {
      int min = nt - 1;
      if (nargs < min)
        fail("expected at least " + std::to_string(min) + " argument(s) in call to \"" + f->name + "\", got " + std::to_string(nargs), rp);
      if (f->variadic > 0) {
        int max = nt + f->variadic - 1;
        if (nargs > max)
          fail("expected at most " + std::to_string(max) + " argument(s) in call to \"" + f->name + "\", got " + std::to_string(nargs), rp);
      }
    }
    for (int i = 0; i < nargs; i++) {
      ValueType want = f->arg_types[std::min(i, nt - 1)];
      ValueType got = n->args[i]->type();
      if (want != got)
        fail(std::string("expected type ") + value_type_name(want) + " in call to function \"" + f->name + "\", got " + value_type_name(got),
             n->args[i]->pos);
    }
    return n;
  }
};

}  // namespace

NodePtr parse_expr(std::string_view query) { return Parser(query).parse_all(); }

namespace {

double eval_duration(const DurExpr& d, double step_s, double range_s) {
  auto sub = [&](const DurPtr& p) { return eval_duration(*p, step_s, range_s); };
  switch (d.kind) {
    case DurExpr::kNumber: return d.value;
    case DurExpr::kStep: return step_s;
    case DurExpr::kRange: return range_s;
    case DurExpr::kParen: return sub(d.lhs);
    case DurExpr::kNeg: return -sub(d.lhs);
    case DurExpr::kAdd: return sub(d.lhs) + sub(d.rhs);
    case DurExpr::kSub: return sub(d.lhs) - sub(d.rhs);
    case DurExpr::kMul: return sub(d.lhs) * sub(d.rhs);
    case DurExpr::kPow: return std::pow(sub(d.lhs), sub(d.rhs));
    case DurExpr::kMinOf: {
      double a = sub(d.lhs), b = sub(d.rhs);
      return std::isnan(a) || std::isnan(b) ? std::nan("") : std::min(a, b);
    }
    case DurExpr::kMaxOf: {
      double a = sub(d.lhs), b = sub(d.rhs);
      return std::isnan(a) || std::isnan(b) ? std::nan("") : std::max(a, b);
    }
    case DurExpr::kDiv:
    case DurExpr::kMod: {
      double a = sub(d.lhs), b = sub(d.rhs);
      if (b == 0) throw Error(ErrorKind::kInvalidParameter, d.kind == DurExpr::kDiv ? "division by zero" : "modulo by zero", d.pos);
      return d.kind == DurExpr::kDiv ? a / b : std::fmod(a, b);
    }
  }
  return 0;
}

int64_t duration_ms(const DurExpr& d, double step_s, double range_s, bool allow_negative) {
  double v = eval_duration(d, step_s, range_s);
  if (std::isnan(v) || std::isinf(v)) throw Error(ErrorKind::kInvalidParameter, "duration is NaN or infinite", d.pos);
  if (v <= 0 && !allow_negative) throw Error(ErrorKind::kInvalidParameter, "duration must be greater than 0", d.pos);
  if (std::fabs(v) > 9223372036.854775807) throw Error(ErrorKind::kInvalidParameter, "duration is out of range", d.pos);
  return static_cast<int64_t>(v * 1000);  // truncated, as Go's time.Duration(v*1000)
}

}  // namespace

void resolve_durations(Node& n, int64_t step_ms, int64_t range_ms) {
  double step_s = static_cast<double>(step_ms) / 1000, range_s = static_cast<double>(range_ms) / 1000;
  if (n.offset_expr) n.offset_ms = duration_ms(*n.offset_expr, step_s, range_s, true);
  if (n.range_expr) n.range_ms = duration_ms(*n.range_expr, step_s, range_s, false);
  if (n.step_expr) n.step_ms = duration_ms(*n.step_expr, step_s, range_s, false);
  for (auto& a : n.args) resolve_durations(*a, step_ms, range_ms);
}

Labels parse_series(std::string_view text) { return Parser(text).series(); }

}  // namespace observe::promql
