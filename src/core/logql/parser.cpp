#include "core/logql/hyperscan_filter.h"
#include "core/logql/parser.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "core/common/error.h"
#include "core/logql/extract.h"
#include "core/logql/ip.h"
#include "core/logql/lexer.h"
#include "core/logql/pattern.h"
#include "core/logql/range_agg.h"
#include "core/logql/template.h"
#include "core/promql/evaluator.h"

namespace observe::logql {

namespace {

using promql::AggOp;
using promql::BinOp;
using promql::Node;
using promql::NodeKind;
using promql::NodePtr;

const char kEqualityMatcherRequired[] =
    "queries require at least one regexp or equality matcher that does not have an empty-compatible value. For "
    "instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will";

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

struct RangeOpInfo {
  const char* name;
  RangeOp op;
  int unwrap;  // 0 forbidden, 1 required, 2 either
  bool grouping;
};
const RangeOpInfo kRangeOps[] = {
    {"count_over_time", RangeOp::kCountOverTime, 0, false}, {"rate", RangeOp::kRate, 2, false},
    {"rate_counter", RangeOp::kRateCounter, 1, false},     {"bytes_over_time", RangeOp::kBytesOverTime, 0, false},
    {"bytes_rate", RangeOp::kBytesRate, 0, false},         {"avg_over_time", RangeOp::kAvgOverTime, 1, true},
    {"sum_over_time", RangeOp::kSumOverTime, 1, false},    {"min_over_time", RangeOp::kMinOverTime, 1, true},
    {"max_over_time", RangeOp::kMaxOverTime, 1, true},     {"stdvar_over_time", RangeOp::kStdvarOverTime, 1, true},
    {"stddev_over_time", RangeOp::kStddevOverTime, 1, true}, {"quantile_over_time", RangeOp::kQuantileOverTime, 1, true},
    {"first_over_time", RangeOp::kFirstOverTime, 1, true}, {"last_over_time", RangeOp::kLastOverTime, 1, true},
    {"absent_over_time", RangeOp::kAbsentOverTime, 2, false},
};

const RangeOpInfo* find_range_op(std::string_view name) {
  std::string l = lower(name);
  for (auto& r : kRangeOps)
    if (l == r.name) return &r;
  return nullptr;
}

struct VecOpInfo {
  const char* name;
  AggOp op;
};
const VecOpInfo kVecOps[] = {{"sum", AggOp::kSum},       {"avg", AggOp::kAvg},         {"min", AggOp::kMin},
                             {"max", AggOp::kMax},       {"count", AggOp::kCount},     {"stddev", AggOp::kStddev},
                             {"stdvar", AggOp::kStdvar}, {"topk", AggOp::kTopk},       {"bottomk", AggOp::kBottomk},
                             {"sort", AggOp::kSum},      {"sort_desc", AggOp::kSum},   {"approx_topk", AggOp::kTopk}};

const VecOpInfo* find_vec_op(std::string_view name) {
  std::string l = lower(name);
  for (auto& v : kVecOps)
    if (l == v.name) return &v;
  return nullptr;
}

// A parsed (sub)expression: a log pipeline, or a metric expression (PromQL node).
struct PExpr {
  bool is_log = false;
  LogSelector log;
  NodePtr node;
  int pos = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src), toks_(lex(src)) {}

  Query parse() {
    Query q;
    if (peek().kind == Tok::kEOF) unexpected();
    PExpr e = parse_expr(0);
    if (peek().kind != Tok::kEOF) unexpected();
    if (e.is_log) {
      q.is_log = true;
      q.log = std::move(e.log);
      validate_selector(q.log.matchers);
    } else {
      q.metric = e.node;
      q.has_approx_topk = approx_topk_;
    }
    q.deferred_error = deferred_;
    q.deferred_error_pos = deferred_pos_;
    return q;
  }

 private:
  // ---- token helpers ----
  const Token& peek(size_t k = 0) const { return toks_[std::min(p_ + k, toks_.size() - 1)]; }
  const Token& next() { return toks_[std::min(p_++, toks_.size() - 1)]; }
  bool is_ident(const Token& t, const char* kw) const { return t.kind == Tok::kIdent && lower(t.text) == kw; }

  std::string describe(const Token& t) const {
    if (t.kind == Tok::kIdent) {
      std::string l = lower(t.text);
      static const char* kws[] = {"by", "without", "bool", "on", "ignoring", "group_left", "group_right", "offset",
                                  "unwrap", "ip", "json", "logfmt", "regexp", "pattern", "unpack", "line_format",
                                  "label_format", "drop", "keep", "decolorize", "or", "and", "unless", "vector",
                                  "label_replace"};
      for (auto* k : kws)
        if (l == k) return l;
      if (peek_after(t).kind == Tok::kLParen && (find_range_op(l) || find_vec_op(l))) {
        std::string u = l;
        for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return u;
      }
    }
    return token_name(t.kind);
  }
  const Token& peek_after(const Token& t) const {
    for (size_t i = 0; i + 1 < toks_.size(); i++)
      if (&toks_[i] == &t) return toks_[i + 1];
    return toks_.back();
  }

  [[noreturn]] void unexpected(const std::string& expecting = "") {
    const Token& t = peek();
    std::string msg = "syntax error: unexpected " + describe(t);
    if (!expecting.empty()) msg += ", expecting " + expecting;
    syntax_error(src_, t.pos, msg);
  }
  [[noreturn]] void fail(const std::string& msg, int pos = 0) { throw SyntaxError("parse error : " + msg, pos); }

  // The parser, the PromQL evaluator, label filters and destructors recurse along the tree:
  // bound its depth (nesting and operator chains alike) so that a hostile query cannot
  // overflow the backend's stack. Go's growing stacks spare Loki the limit.
  static constexpr int kMaxDepth = 500;
  struct Depth {
    Parser& p;
    int n = 0;
    Depth(Parser& parser, int pos) : p(parser) { more(pos); }
    void more(int pos) {
      n++;
      if (++p.depth_ > kMaxDepth) throw SyntaxError("parse error : query is nested too deeply", pos);
    }
    ~Depth() { p.depth_ -= n; }
  };
  [[noreturn]] void fail_at(int pos, const std::string& msg) { syntax_error(src_, pos, msg); }
  // Loki builds line filters, parser stages and templates after parsing (when the pipeline is
  // created), so their errors do not make the query text invalid; the engine raises the first
  // one before evaluating (Query::deferred_error).
  void defer(int pos, const std::string& msg) {
    if (deferred_.empty()) {
      try {
        syntax_error(src_, pos, msg);
      } catch (const SyntaxError& e) {
        deferred_ = e.what();
        deferred_pos_ = pos;
      }
    }
  }

  void expect(Tok k, const std::string& expecting = "") {
    if (peek().kind != k) unexpected(expecting.empty() ? token_name(k) : expecting);
    next();
  }

  // ---- selector ----
  Matchers parse_selector() {
    expect(Tok::kLBrace);
    Matchers ms;
    if (peek().kind == Tok::kRBrace) {
      next();
      return ms;
    }
    while (true) {
      if (peek().kind != Tok::kIdent) unexpected("IDENTIFIER");
      std::string name = next().text;
      MatchOp op;
      switch (peek().kind) {
        case Tok::kEq: op = MatchOp::kEqual; break;
        case Tok::kNeq: op = MatchOp::kNotEqual; break;
        case Tok::kRe: op = MatchOp::kRegexMatch; break;
        case Tok::kNre: op = MatchOp::kRegexNoMatch; break;
        default: unexpected("= or != or =~ or !~");
      }
      next();
      if (peek().kind != Tok::kString) unexpected("STRING");
      const Token& v = next();
      ms.push_back(make_matcher(op, name, v.text, v.pos));
      if (peek().kind == Tok::kComma) {
        next();
        if (peek().kind == Tok::kRBrace) unexpected("IDENTIFIER");
        continue;
      }
      if (peek().kind == Tok::kRBrace) {
        next();
        break;
      }
      unexpected("} or ,");
    }
    return ms;
  }

  LabelMatcher make_matcher(MatchOp op, const std::string& name, const std::string& value, int pos) {
    if (op == MatchOp::kRegexMatch || op == MatchOp::kRegexNoMatch) {
      RE2 re("^(?:" + value + ")$", RE2::Quiet);
      if (!re.ok()) fail_at(pos, "error parsing regexp: " + re.error());
    }
    return LabelMatcher(op, name, value);
  }

  void validate_selector(const Matchers& ms) {
    for (auto& m : ms)
      if ((m.op() == MatchOp::kEqual || m.op() == MatchOp::kRegexMatch) && !m.matches_empty()) return;
    fail(kEqualityMatcherRequired);
  }

  // ---- pipeline ----
  static bool is_line_filter_op(Tok k) {
    return k == Tok::kPipeExact || k == Tok::kNeq || k == Tok::kPipeMatch || k == Tok::kNre || k == Tok::kPipePattern ||
           k == Tok::kNotPattern;
  }

  LineFilterTerm parse_filter_term(LineFilterOp op) {
    LineFilterTerm t;
    if (is_ident(peek(), "ip") && peek(1).kind == Tok::kLParen) {
      int pos = peek().pos;
      next();
      next();
      if (peek().kind != Tok::kString) unexpected("STRING");
      t.value = next().text;
      expect(Tok::kRParen);
      t.ip = true;
      if (op != LineFilterOp::kContains && op != LineFilterOp::kNotContains) defer(pos, "ip: invalid operation");
      try {
        t.ipm = std::make_shared<IpMatcher>(t.value);
      } catch (const std::invalid_argument& e) {
        defer(pos, e.what());
      }
      return t;
    }
    if (peek().kind != Tok::kString) unexpected("STRING or ip");
    int pos = peek().pos;
    t.value = next().text;
    switch (op) {
      case LineFilterOp::kRegex:
      case LineFilterOp::kNotRegex: {
        auto re = std::make_shared<RE2>(t.value, RE2::Quiet);
        if (!re->ok()) defer(pos, "error parsing regexp: " + re->error());
        t.re = re;
        if (re->ok()) t.hs = HyperscanFilter::compile(t.value);
        if (re->ok()) regex_literal_alternatives(t.value, &t.literals);
        break;
      }
      case LineFilterOp::kPattern:
      case LineFilterOp::kNotPattern:
        try {
          t.pattern = std::make_shared<PatternMatcher>(t.value, true);
        } catch (const std::invalid_argument& e) {
          defer(pos, e.what());
        }
        break;
      default: break;
    }
    return t;
  }

  Stage parse_line_filter() {
    Stage st;
    st.kind = StageKind::kLineFilter;
    LineFilterOp op;
    switch (next().kind) {
      case Tok::kPipeExact: op = LineFilterOp::kContains; break;
      case Tok::kNeq: op = LineFilterOp::kNotContains; break;
      case Tok::kPipeMatch: op = LineFilterOp::kRegex; break;
      case Tok::kNre: op = LineFilterOp::kNotRegex; break;
      case Tok::kPipePattern: op = LineFilterOp::kPattern; break;
      default: op = LineFilterOp::kNotPattern; break;
    }
    st.line_filter.op = op;
    st.line_filter.terms.push_back(parse_filter_term(op));
    while (is_ident(peek(), "or") && (peek(1).kind == Tok::kString || is_ident(peek(1), "ip"))) {
      next();
      st.line_filter.terms.push_back(parse_filter_term(op));
    }
    return st;
  }

  // Parses `name[=value], ...` params of json / logfmt.
  void parse_extraction_params(Stage* st, bool json) {
    while (peek().kind == Tok::kIdent && !is_stage_end_keyword(peek())) {
      NamedParam p;
      p.name = next().text;
      if (peek().kind == Tok::kEq) {
        next();
        if (peek().kind != Tok::kString) unexpected("STRING");
        const Token& v = next();
        p.value = v.text;
        if (json) {
          try {
            p.json_path = parse_json_path(p.value);
          } catch (const std::invalid_argument& e) {
            fail_at(v.pos, e.what());
          }
        }
      } else {
        p.value = p.name;
        if (json) p.json_path = parse_json_path(p.name);
      }
      st->params.push_back(std::move(p));
      if (peek().kind != Tok::kComma) break;
      next();
      if (peek().kind != Tok::kIdent) unexpected("IDENTIFIER");
    }
  }
  bool is_stage_end_keyword(const Token& t) const {
    // `| json [5m]`, `| json offset` never happen; a bare identifier after json is a param
    // unless it starts a binary operator keyword.
    std::string l = lower(t.text);
    return l == "or" || l == "and" || l == "unless" || l == "by" || l == "without";
  }

  static bool has_duplicate_group_names(const std::string& re, std::string* dup) {
    std::vector<std::string> names;
    for (size_t i = 0; i + 3 < re.size(); i++) {
      if (re[i] == '\\') {
        i++;
        continue;
      }
      if (re.compare(i, 3, "(?P") == 0 && re[i + 3] == '<') {
        size_t close = re.find('>', i + 4);
        if (close == std::string::npos) return false;
        std::string n = re.substr(i + 4, close - i - 4);
        if (std::find(names.begin(), names.end(), n) != names.end()) {
          *dup = n;
          return true;
        }
        names.push_back(n);
      }
    }
    return false;
  }

  std::shared_ptr<const Template> parse_template(const Token& t) {
    try {
      return std::make_shared<Template>(t.text);
    } catch (const std::invalid_argument& e) {
      defer(t.pos, e.what());
      return nullptr;
    }
  }

  Stage parse_pipe_stage() {
    // After '|'.
    Stage st;
    const Token& t = peek();
    std::string kw = t.kind == Tok::kIdent ? lower(t.text) : "";
    bool is_filter_next = peek(1).kind == Tok::kEq || peek(1).kind == Tok::kNeq || peek(1).kind == Tok::kRe ||
                          peek(1).kind == Tok::kNre || peek(1).kind == Tok::kGt || peek(1).kind == Tok::kGte ||
                          peek(1).kind == Tok::kLt || peek(1).kind == Tok::kLte || peek(1).kind == Tok::kEqlC;
    if (t.kind == Tok::kLParen || (t.kind == Tok::kIdent && is_filter_next)) {
      st.kind = StageKind::kLabelFilter;
      st.label_filter = parse_label_filter_or();
      return st;
    }
    if (t.kind != Tok::kIdent) unexpected();
    next();
    if (kw == "json") {
      st.kind = StageKind::kJson;
      parse_extraction_params(&st, true);
    } else if (kw == "logfmt") {
      st.kind = StageKind::kLogfmt;
      while (peek().kind == Tok::kSub && peek(1).kind == Tok::kSub) {
        next();
        next();
        std::string flag;
        if (peek().kind != Tok::kIdent) unexpected();
        flag = lower(next().text);
        while (peek().kind == Tok::kSub && peek(1).kind == Tok::kIdent && peek(1).pos == peek().end) {
          next();
          flag += "-" + lower(next().text);
        }
        if (flag == "strict") st.strict = true;
        else if (flag == "keep-empty") st.keep_empty = true;
        else fail_at(t.pos, "invalid logfmt flag: --" + flag);
      }
      parse_extraction_params(&st, false);
    } else if (kw == "regexp") {
      st.kind = StageKind::kRegexp;
      if (peek().kind != Tok::kString) unexpected("STRING");
      const Token& v = next();
      st.text = v.text;
      std::string dup;
      auto re = std::make_shared<RE2>(st.text, RE2::Quiet);
      if (has_duplicate_group_names(st.text, &dup)) defer(v.pos, "duplicate extracted label name: " + dup);
      else if (!re->ok()) defer(v.pos, "error parsing regexp: " + re->error());
      else if (re->NamedCapturingGroups().empty()) defer(v.pos, "at least one named capture must be supplied");
      st.re = re;
    } else if (kw == "pattern") {
      st.kind = StageKind::kPattern;
      if (peek().kind != Tok::kString) unexpected("STRING");
      const Token& v = next();
      st.text = v.text;
      try {
        st.pattern = std::make_shared<PatternMatcher>(st.text);
      } catch (const std::invalid_argument& e) {
        defer(v.pos, e.what());
      }
    } else if (kw == "unpack") {
      st.kind = StageKind::kUnpack;
    } else if (kw == "decolorize") {
      st.kind = StageKind::kDecolorize;
    } else if (kw == "line_format") {
      st.kind = StageKind::kLineFormat;
      if (peek().kind != Tok::kString) unexpected("STRING");
      const Token& v = next();
      st.text = v.text;
      st.tmpl = parse_template(v);
    } else if (kw == "label_format") {
      st.kind = StageKind::kLabelFormat;
      while (true) {
        if (peek().kind != Tok::kIdent) unexpected("IDENTIFIER");
        NamedParam p;
        const Token& nt = next();
        p.name = nt.text;
        expect(Tok::kEq);
        if (peek().kind == Tok::kString) {
          const Token& v = next();
          p.value = v.text;
          p.is_template = true;
          p.tmpl = parse_template(v);
        } else if (peek().kind == Tok::kIdent) {
          p.value = next().text;
        } else {
          unexpected("STRING or IDENTIFIER");
        }
        for (auto& o : st.params)
          if (o.name == p.name) fail_at(nt.pos, "multiple label name '" + p.name + "' in label_format");
        st.params.push_back(std::move(p));
        if (peek().kind != Tok::kComma) break;
        next();
      }
    } else if (kw == "drop" || kw == "keep") {
      st.kind = kw == "drop" ? StageKind::kDrop : StageKind::kKeep;
      while (true) {
        if (peek().kind != Tok::kIdent) unexpected("IDENTIFIER");
        DropKeepItem it;
        it.name = next().text;
        Tok k = peek().kind;
        if (k == Tok::kEq || k == Tok::kNeq || k == Tok::kRe || k == Tok::kNre) {
          next();
          if (peek().kind != Tok::kString) unexpected("STRING");
          const Token& v = next();
          MatchOp op = k == Tok::kEq ? MatchOp::kEqual : k == Tok::kNeq ? MatchOp::kNotEqual : k == Tok::kRe ? MatchOp::kRegexMatch : MatchOp::kRegexNoMatch;
          it.matcher = make_matcher(op, it.name, v.text, v.pos);
        }
        st.items.push_back(std::move(it));
        if (peek().kind != Tok::kComma) break;
        next();
      }
    } else {
      p_--;
      unexpected();
    }
    return st;
  }

  // ---- label filters ----
  LabelFilterPtr parse_label_filter_or() {
    Depth depth(*this, peek().pos);
    LabelFilterPtr l = parse_label_filter_and();
    while (is_ident(peek(), "or")) {
      depth.more(next().pos);
      auto n = std::make_shared<LabelFilter>();
      n->kind = LabelFilter::kOr;
      n->lhs = l;
      n->rhs = parse_label_filter_and();
      l = n;
    }
    return l;
  }
  LabelFilterPtr parse_label_filter_and() {
    Depth depth(*this, peek().pos);
    LabelFilterPtr l = parse_label_filter_primary();
    while (true) {
      if (is_ident(peek(), "and") || peek().kind == Tok::kComma) {
        next();
      } else if (!(peek().kind == Tok::kLParen || (peek().kind == Tok::kIdent && !is_ident(peek(), "or")))) {
        break;
      }
      depth.more(peek().pos);
      auto n = std::make_shared<LabelFilter>();
      n->kind = LabelFilter::kAnd;
      n->lhs = l;
      n->rhs = parse_label_filter_primary();
      l = n;
    }
    return l;
  }
  LabelFilterPtr parse_label_filter_primary() {
    if (peek().kind == Tok::kLParen) {
      next();
      LabelFilterPtr f = parse_label_filter_or();
      expect(Tok::kRParen);
      return f;
    }
    if (peek().kind != Tok::kIdent) unexpected("IDENTIFIER");
    auto f = std::make_shared<LabelFilter>();
    f->name = next().text;
    Tok opk = peek().kind;
    switch (opk) {
      case Tok::kEq: f->op = CmpOp::kEq; break;
      case Tok::kNeq: f->op = CmpOp::kNeq; break;
      case Tok::kEqlC: f->op = CmpOp::kEq; break;
      case Tok::kGt: f->op = CmpOp::kGt; break;
      case Tok::kGte: f->op = CmpOp::kGte; break;
      case Tok::kLt: f->op = CmpOp::kLt; break;
      case Tok::kLte: f->op = CmpOp::kLte; break;
      case Tok::kRe:
      case Tok::kNre: break;
      default: unexpected();
    }
    next();
    const Token& v = peek();
    if (v.kind == Tok::kString && (opk == Tok::kEq || opk == Tok::kNeq || opk == Tok::kRe || opk == Tok::kNre)) {
      next();
      MatchOp mop = opk == Tok::kEq ? MatchOp::kEqual : opk == Tok::kNeq ? MatchOp::kNotEqual : opk == Tok::kRe ? MatchOp::kRegexMatch : MatchOp::kRegexNoMatch;
      f->kind = LabelFilter::kString;
      f->matcher = make_matcher(mop, f->name, v.text, v.pos);
      return f;
    }
    if (is_ident(v, "ip") && peek(1).kind == Tok::kLParen && (opk == Tok::kEq || opk == Tok::kNeq)) {
      next();
      next();
      if (peek().kind != Tok::kString) unexpected("STRING");
      const Token& s = next();
      expect(Tok::kRParen);
      f->kind = LabelFilter::kIp;
      f->text = s.text;
      try {
        f->ipm = std::make_shared<IpMatcher>(s.text);
      } catch (const std::invalid_argument& e) {
        fail_at(s.pos, e.what());
      }
      return f;
    }
    if (opk == Tok::kRe || opk == Tok::kNre) unexpected("STRING");
    bool neg = false;
    if (peek().kind == Tok::kSub || peek().kind == Tok::kAdd) {
      neg = peek().kind == Tok::kSub;
      next();
    }
    const Token& n = peek();
    if (n.kind == Tok::kNumber) {
      next();
      double x;
      if (!go_parse_float(n.text, &x))
        fail("unable to parse literal as a float: strconv.ParseFloat: parsing \"" + n.text + "\": invalid syntax");
      f->kind = LabelFilter::kNumeric;
      f->number = neg ? -x : x;
      f->text = n.text;
      return f;
    }
    if (n.kind == Tok::kDuration) {
      next();
      f->kind = LabelFilter::kDuration;
      f->number = static_cast<double>(n.duration_ns) / 1e9 * (neg ? -1 : 1);
      f->text = n.text;
      return f;
    }
    if (n.kind == Tok::kBytes && !neg) {
      next();
      f->kind = LabelFilter::kBytes;
      f->number = n.number;
      f->text = n.text;
      return f;
    }
    unexpected();
  }

  int64_t parse_offset() {
    bool neg = false;
    if (peek().kind == Tok::kSub && peek(1).kind == Tok::kDuration) {
      next();
      neg = true;
    }
    if (peek().kind != Tok::kDuration) unexpected("DURATION");
    int64_t ms = next().duration_ns / 1000000;
    return neg ? -ms : ms;
  }

  // Parses a selector and its pipeline (a log expression), possibly with a range/offset and
  // unwrap (in_range: inside a range aggregation). *range_ms is -1 when no range was given.
  void parse_log_body(PExpr* e, bool in_range, int64_t* range_ms, int64_t* offset_ms, std::optional<Unwrap>* unwrap) {
    e->is_log = true;
    e->pos = peek().pos;
    e->log.matchers = parse_selector();
    while (true) {
      Tok k = peek().kind;
      if (k == Tok::kRange) {
        if (!in_range || *range_ms >= 0) unexpected();
        *range_ms = next().duration_ns / 1000000;
        if (is_ident(peek(), "offset")) {
          next();
          *offset_ms = parse_offset();
        }
        continue;
      }
      if (is_line_filter_op(k)) {
        if (unwrap->has_value()) unexpected();
        e->log.stages.push_back(parse_line_filter());
        continue;
      }
      if (k == Tok::kPipe) {
        if (is_ident(peek(1), "unwrap")) {
          if (!in_range || unwrap->has_value()) {
            next();
            unexpected();
          }
          next();
          next();
          Unwrap u;
          std::string conv = peek().kind == Tok::kIdent ? lower(peek().text) : "";
          if ((conv == "duration" || conv == "duration_seconds" || conv == "bytes") && peek(1).kind == Tok::kLParen) {
            next();
            next();
            u.conv = conv == "bytes" ? UnwrapConv::kBytes : UnwrapConv::kDuration;
            if (peek().kind != Tok::kIdent) unexpected("IDENTIFIER");
            u.label = next().text;
            expect(Tok::kRParen);
          } else {
            if (peek().kind != Tok::kIdent) unexpected("IDENTIFIER");
            u.label = next().text;
          }
          *unwrap = std::move(u);
          continue;
        }
        next();
        if (unwrap->has_value()) {
          // Only label filters may follow unwrap.
          if (peek().kind != Tok::kLParen && !(peek().kind == Tok::kIdent && peek(1).kind != Tok::kPipe &&
                                               peek(1).kind != Tok::kRange && peek(1).kind != Tok::kEOF && !is_known_stage(peek())))
            unexpected();
          (*unwrap)->post_filters.push_back(parse_label_filter_or());
          continue;
        }
        e->log.stages.push_back(parse_pipe_stage());
        continue;
      }
      break;
    }
  }
  bool is_known_stage(const Token& t) const {
    std::string l = lower(t.text);
    return l == "json" || l == "logfmt" || l == "regexp" || l == "pattern" || l == "unpack" || l == "line_format" ||
           l == "label_format" || l == "drop" || l == "keep" || l == "decolorize";
  }

  // The argument of a range aggregation.
  void parse_log_range(RangeAggregation* agg) {
    int64_t range = -1, offset = 0;
    std::optional<Unwrap> unwrap;
    PExpr e;
    if (peek().kind == Tok::kLParen) {
      next();
      parse_log_range_inner(&e, &range, &offset, &unwrap);
      expect(Tok::kRParen);
      // `(selector | pipeline)[range]` and `(...)[range] | more`
      if (range < 0) {
        if (peek().kind != Tok::kRange) unexpected("RANGE");
        range = next().duration_ns / 1000000;
        if (is_ident(peek(), "offset")) {
          next();
          offset = parse_offset();
        }
      }
    } else if (peek().kind == Tok::kLBrace) {
      parse_log_body(&e, true, &range, &offset, &unwrap);
      if (range < 0) unexpected("RANGE");
    } else {
      unexpected();
    }
    validate_selector(e.log.matchers);
    agg->log = std::move(e.log);
    agg->range_ms = range;
    agg->offset_ms = offset;
    agg->unwrap = std::move(unwrap);
  }
  void parse_log_range_inner(PExpr* e, int64_t* range, int64_t* offset, std::optional<Unwrap>* unwrap) {
    Depth depth(*this, peek().pos);
    if (peek().kind == Tok::kLParen) {
      next();
      parse_log_range_inner(e, range, offset, unwrap);
      expect(Tok::kRParen);
      return;
    }
    if (peek().kind != Tok::kLBrace) unexpected();
    parse_log_body(e, true, range, offset, unwrap);
  }

  std::vector<std::string> parse_label_list() {
    expect(Tok::kLParen);
    std::vector<std::string> out;
    if (peek().kind == Tok::kRParen) {
      next();
      return out;
    }
    while (true) {
      if (peek().kind != Tok::kIdent) unexpected("IDENTIFIER or )");
      out.push_back(next().text);
      if (peek().kind == Tok::kComma) {
        next();
        continue;
      }
      if (peek().kind != Tok::kRParen) unexpected(", or )");
      next();
      break;
    }
    return out;
  }

  // ---- metric expressions ----
  static int precedence(const Token& t, bool* right_assoc, BinOp* op) {
    *right_assoc = false;
    switch (t.kind) {
      case Tok::kPow: *op = BinOp::kPow; *right_assoc = true; return 6;
      case Tok::kMul: *op = BinOp::kMul; return 5;
      case Tok::kDiv: *op = BinOp::kDiv; return 5;
      case Tok::kMod: *op = BinOp::kMod; return 5;
      case Tok::kAdd: *op = BinOp::kAdd; return 4;
      case Tok::kSub: *op = BinOp::kSub; return 4;
      case Tok::kEqlC: *op = BinOp::kEql; return 3;
      case Tok::kNeq: *op = BinOp::kNeq; return 3;
      case Tok::kGt: *op = BinOp::kGtr; return 3;
      case Tok::kGte: *op = BinOp::kGte; return 3;
      case Tok::kLt: *op = BinOp::kLss; return 3;
      case Tok::kLte: *op = BinOp::kLte; return 3;
      case Tok::kIdent: {
        std::string l = lower(t.text);
        if (l == "and") { *op = BinOp::kAnd; return 2; }
        if (l == "unless") { *op = BinOp::kUnless; return 2; }
        if (l == "or") { *op = BinOp::kOr; return 1; }
        return -1;
      }
      default: return -1;
    }
  }

  static const char* loki_type(const PExpr& e) { return e.log.stages.empty() ? "*syntax.MatchersExpr" : "*syntax.PipelineExpr"; }

  PExpr parse_expr(int min_prec) {
    Depth depth(*this, peek().pos);
    PExpr lhs = parse_primary();
    while (true) {
      bool right = false;
      BinOp op = BinOp::kAdd;
      int prec = precedence(peek(), &right, &op);
      if (prec < 0 || prec < min_prec) break;
      const Token& opt = next();
      depth.more(opt.pos);
      auto n = std::make_shared<Node>();
      n->kind = NodeKind::kBinary;
      n->op = op;
      n->pos = lhs.pos;
      n->zero_divisor_nan = true;
      if (is_ident(peek(), "bool")) {
        next();
        n->return_bool = true;
      }
      if (is_ident(peek(), "on") || is_ident(peek(), "ignoring")) {
        n->matching.on = lower(next().text) == "on";
        n->matching.labels = parse_label_list();
        if (is_ident(peek(), "group_left") || is_ident(peek(), "group_right")) {
          n->matching.card = lower(next().text) == "group_left" ? promql::Card::kManyToOne : promql::Card::kOneToMany;
          if (peek().kind == Tok::kLParen) n->matching.include = parse_label_list();
        }
      }
      PExpr rhs = parse_expr(right ? prec : prec + 1);
      const char* opname = promql::binop_name(op);
      if (lhs.is_log) fail(std::string("unexpected type for left leg of binary operation (") + opname + "): " + loki_type(lhs));
      if (rhs.is_log) fail(std::string("unexpected type for right leg of binary operation (") + opname + "): " + loki_type(rhs));
      bool lnum = lhs.node->kind == NodeKind::kNumber, rnum = rhs.node->kind == NodeKind::kNumber;
      if (promql::is_set_operator(op)) {
        char buf[64];
        if (lnum) {
          snprintf(buf, sizeof buf, "%f", lhs.node->number);
          fail(std::string("unexpected literal for left leg of logical/set binary operation (") + opname + "): " + buf);
        }
        if (rnum) {
          snprintf(buf, sizeof buf, "%f", rhs.node->number);
          fail(std::string("unexpected literal for right leg of logical/set binary operation (") + opname + "): " + buf);
        }
        if (n->matching.card == promql::Card::kOneToOne) n->matching.card = promql::Card::kManyToMany;
      }
      if (lnum && rnum) {
        // Literal folding; a comparison of two literals is 0 or 1.
        bool keep;
        double v = promql::apply_binop(*n, lhs.node->number, rhs.node->number, &keep);
        if (promql::is_comparison(op)) v = keep ? 1 : 0;
        auto lit = std::make_shared<Node>();
        lit->kind = NodeKind::kNumber;
        lit->number = v;
        lit->pos = lhs.pos;
        lhs.node = lit;
        continue;
      }
      n->args = {lhs.node, rhs.node};
      lhs.node = n;
    }
    return lhs;
  }

  NodePtr number_node(double v, int pos) {
    auto n = std::make_shared<Node>();
    n->kind = NodeKind::kNumber;
    n->number = v;
    n->pos = pos;
    return n;
  }

  double parse_number_token(const Token& t) {
    double v;
    if (!go_parse_float(t.text, &v))
      fail("unable to parse literal as a float: strconv.ParseFloat: parsing \"" + t.text + "\": invalid syntax");
    return v;
  }

  PExpr parse_primary() {
    const Token& t = peek();
    PExpr e;
    e.pos = t.pos;
    switch (t.kind) {
      case Tok::kNumber:
        next();
        e.node = number_node(parse_number_token(t), t.pos);
        return e;
      case Tok::kAdd:
      case Tok::kSub: {
        bool neg = t.kind == Tok::kSub;
        next();
        if (peek().kind != Tok::kNumber) unexpected("NUMBER");
        double v = parse_number_token(next());
        e.node = number_node(neg ? -v : v, t.pos);
        return e;
      }
      case Tok::kLParen: {
        next();
        PExpr inner = parse_expr(0);
        expect(Tok::kRParen);
        if (peek().kind == Tok::kRange) unexpected();
        if (!inner.is_log) {
          auto paren = std::make_shared<Node>();
          paren->kind = NodeKind::kParen;
          paren->pos = t.pos;
          paren->args = {inner.node};
          inner.node = paren;
        }
        return inner;
      }
      case Tok::kLBrace: {
        int64_t range = -1, offset = 0;
        std::optional<Unwrap> unwrap;
        parse_log_body(&e, false, &range, &offset, &unwrap);
        return e;
      }
      case Tok::kIdent: break;
      default: unexpected();
    }
    std::string name = lower(t.text);
    bool call = peek(1).kind == Tok::kLParen;
    if (const RangeOpInfo* ri = find_range_op(name); ri && call) return parse_range_agg(*ri);
    const VecOpInfo* vi = find_vec_op(name);
    if (vi && (call || is_ident(peek(1), "by") || is_ident(peek(1), "without"))) return parse_vector_agg(*vi, name);
    if (name == "vector" && call) {
      next();
      next();
      if (peek().kind != Tok::kNumber) unexpected("NUMBER");
      double v = parse_number_token(next());
      expect(Tok::kRParen);
      auto n = std::make_shared<Node>();
      n->kind = NodeKind::kCall;
      n->str = "vector";
      n->pos = t.pos;
      n->args = {number_node(v, t.pos)};
      e.node = n;
      return e;
    }
    if (name == "label_replace" && call) {
      next();
      next();
      PExpr inner = parse_expr(0);
      if (inner.is_log) unexpected();
      auto n = std::make_shared<Node>();
      n->kind = NodeKind::kCall;
      n->str = "label_replace";
      n->pos = t.pos;
      n->args.push_back(inner.node);
      std::vector<std::string> strs;
      for (int i = 0; i < 4; i++) {
        expect(Tok::kComma, ",");
        if (peek().kind != Tok::kString) unexpected("STRING");
        const Token& s = next();
        strs.push_back(s.text);
        auto sn = std::make_shared<Node>();
        sn->kind = NodeKind::kString;
        sn->str = s.text;
        sn->pos = s.pos;
        n->args.push_back(sn);
      }
      expect(Tok::kRParen);
      RE2 re("^(?:" + strs[3] + ")$", RE2::Quiet);
      if (!re.ok()) fail("invalid regex in label_replace: error parsing regexp: " + re.error());
      e.node = n;
      return e;
    }
    unexpected();
  }

  PExpr parse_range_agg(const RangeOpInfo& ri) {
    const Token& t = next();
    next();  // (
    auto agg = std::make_shared<RangeAggregation>();
    agg->op = ri.op;
    bool has_param = false;
    std::string param_text;
    if (peek().kind == Tok::kNumber || ((peek().kind == Tok::kSub || peek().kind == Tok::kAdd) && peek(1).kind == Tok::kNumber)) {
      if (peek().kind != Tok::kNumber) unexpected();
      const Token& pt = next();
      agg->param = parse_number_token(pt);
      param_text = pt.text;
      has_param = true;
      expect(Tok::kComma, ",");
    } else if (ri.op == RangeOp::kQuantileOverTime && peek().kind != Tok::kLBrace && peek().kind != Tok::kLParen) {
      unexpected("NUMBER");
    }
    parse_log_range(agg.get());
    expect(Tok::kRParen);
    if (is_ident(peek(), "by") || is_ident(peek(), "without")) {
      agg->without = lower(next().text) == "without";
      agg->has_grouping = true;
      agg->grouping = parse_label_list();
    }
    if (has_param && ri.op != RangeOp::kQuantileOverTime)
      fail("parameter " + param_text + " not supported for operation " + ri.name);
    if (!has_param && ri.op == RangeOp::kQuantileOverTime) fail(std::string("parameter required for operation ") + ri.name);
    if (ri.unwrap == 0 && agg->unwrap) fail(std::string("invalid aggregation ") + ri.name + " with unwrap");
    if (ri.unwrap == 1 && !agg->unwrap) fail(std::string("invalid aggregation ") + ri.name + " without unwrap");
    if (agg->has_grouping && !ri.grouping) fail(std::string("grouping not allowed for ") + ri.name + " aggregation");
    PExpr e;
    e.pos = t.pos;
    auto n = std::make_shared<Node>();
    n->kind = NodeKind::kExternal;
    n->pos = t.pos;
    n->external = std::make_shared<RangeAggLeaf>(agg, std::string(src_.substr(static_cast<size_t>(t.pos), static_cast<size_t>(toks_[p_ - 1].end - t.pos))));
    e.node = n;
    return e;
  }

  PExpr parse_vector_agg(const VecOpInfo& vi, const std::string& name) {
    const Token& t = next();
    auto n = std::make_shared<Node>();
    n->kind = NodeKind::kAggregate;
    n->agg = vi.op;
    n->pos = t.pos;
    bool grouped = false;
    auto grouping = [&]() {
      n->without = lower(next().text) == "without";
      n->grouping = parse_label_list();
      grouped = true;
    };
    if (is_ident(peek(), "by") || is_ident(peek(), "without")) grouping();
    expect(Tok::kLParen);
    bool has_param = false;
    std::string param_text;
    double param = 0;
    int param_pos = peek().pos;
    if (peek().kind == Tok::kNumber && peek(1).kind == Tok::kComma) {
      const Token& pt = next();
      param = parse_number_token(pt);
      param_text = pt.text;
      has_param = true;
      next();
    }
    if (peek().kind == Tok::kIdent && peek(1).kind == Tok::kComma && !find_range_op(peek().text) && !find_vec_op(peek().text))
      unexpected();
    PExpr inner = parse_expr(0);
    if (inner.is_log) unexpected();
    expect(Tok::kRParen);
    if (is_ident(peek(), "by") || is_ident(peek(), "without")) {
      if (grouped) unexpected();
      grouping();
    }
    bool k_op = name == "topk" || name == "bottomk" || name == "approx_topk";
    if (has_param && !k_op) fail("unsupported parameter for operation " + name + "(" + param_text + ",");
    if (k_op) {
      if (!has_param) fail("parameter required for operation " + name);
      if (param != std::floor(param) || param <= 0 || std::isinf(param) || std::isnan(param))
        fail("invalid parameter " + name + "(" + param_text + ",");
    }
    if ((name == "sort" || name == "sort_desc" || name == "approx_topk") && grouped)
      fail("grouping not allowed for " + name + " aggregation");
    PExpr e;
    e.pos = t.pos;
    if (name == "sort" || name == "sort_desc") {
      auto c = std::make_shared<Node>();
      c->kind = NodeKind::kCall;
      c->str = name;
      c->pos = t.pos;
      c->args = {inner.node};
      e.node = c;
      return e;
    }
    if (name == "approx_topk") approx_topk_ = true;
    if (k_op) n->args.push_back(number_node(param, param_pos));
    n->args.push_back(inner.node);
    e.node = n;
    return e;
  }

  std::string_view src_;
  std::vector<Token> toks_;
  size_t p_ = 0;
  int depth_ = 0;
  bool approx_topk_ = false;
  std::string deferred_;
  int deferred_pos_ = 0;
};

}  // namespace

Query parse_query(std::string_view query) {
  if (query.size() > kMaxQueryLength)
    throw SyntaxError("parse error : max query length exceeded (" + std::to_string(query.size()) + " > " +
                          std::to_string(kMaxQueryLength) + ")",
                      0);
  Parser p(query);
  return p.parse();
}

bool regex_literal_alternatives(std::string_view re, std::vector<std::string>* out) {
  out->clear();
  std::string cur;
  for (size_t i = 0; i < re.size(); i++) {
    const char c = re[i];
    if (c == '|') {
      if (cur.empty()) return out->clear(), false;
      out->push_back(std::move(cur));
      cur.clear();
    } else if (c == '\\') {
      if (i + 1 >= re.size()) return out->clear(), false;
      const unsigned char n = static_cast<unsigned char>(re[i + 1]);
      // \. \* \| ... are the character; \d \w \b \Q \x.. \1 are not literals
      if (n >= 0x80 || std::isalnum(n) || !std::ispunct(n)) return out->clear(), false;
      cur.push_back(static_cast<char>(n));
      i++;
    } else if (std::strchr(".^$*+?()[]{}", c) != nullptr) {
      return out->clear(), false;
    } else {
      cur.push_back(c);
    }
  }
  if (cur.empty()) return out->clear(), false;
  out->push_back(std::move(cur));
  return true;
}

}  // namespace observe::logql
