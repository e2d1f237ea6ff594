// Go text/template, the subset Prometheus's alert templates use: parser (errors with Go's
// texts) and executor. Written from the text/template and template/template.go docs and
// behaviour, not from their code.
#include "core/rules/template.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/common/go_regexp.h"
#include "core/common/go_url.h"
#include "core/promconfig/duration.h"
#include "core/promql/strutil.h"

namespace observe::rules {

TValue TValue::str(std::string v) {
  TValue t;
  t.kind = kString;
  t.s = std::move(v);
  return t;
}
TValue TValue::num(double v) {
  TValue t;
  t.kind = kFloat;
  t.f = v;
  return t;
}
TValue TValue::integer(int64_t v) {
  TValue t;
  t.kind = kInt;
  t.i = v;
  return t;
}
TValue TValue::boolean(bool v) {
  TValue t;
  t.kind = kBool;
  t.b = v;
  return t;
}
TValue TValue::string_map(const std::map<std::string, std::string>& m) {
  auto out = std::make_shared<std::map<std::string, TValue>>();
  for (const auto& [k, v] : m) (*out)[k] = str(v);
  TValue t;
  t.kind = kMap;
  t.map = out;
  t.type_name = "map[string]string";
  return t;
}
TValue TValue::string_map(const Labels& labels) {
  std::map<std::string, std::string> m;
  for (const auto& l : labels.items()) m[l.name] = l.value;
  return string_map(m);
}

namespace {

TValue make_struct(std::map<std::string, TValue> fields, std::string type_name) {
  TValue t;
  t.kind = TValue::kMap;
  t.map = std::make_shared<std::map<std::string, TValue>>(std::move(fields));
  t.is_struct = true;
  t.type_name = std::move(type_name);
  return t;
}

TValue make_list(std::vector<TValue> items, std::string type_name) {
  TValue t;
  t.kind = TValue::kList;
  t.list = std::make_shared<std::vector<TValue>>(std::move(items));
  t.type_name = std::move(type_name);
  return t;
}

struct ExecError {
  std::string msg;
  bool located = false;  // msg already carries "NAME:line:col: executing ... at <...>: "
};

std::string go_type(const TValue& v) {
  switch (v.kind) {
    case TValue::kNil: return "<nil>";
    case TValue::kBool: return "bool";
    case TValue::kInt: return "int";
    case TValue::kFloat: return "float64";
    case TValue::kString: return "string";
    case TValue::kMap: return v.type_name.empty() ? "map[string]string" : v.type_name;
    case TValue::kList: return v.type_name.empty() ? "[]interface {}" : v.type_name;
  }
  return "?";
}

// Go's int64(f) on amd64: out of range or NaN gives the minimum (a plain C++ cast is UB).
int64_t go_int64(double v) {
  if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// Go's %.4g (C's, except NaN and infinities).
std::string fmt_g4(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// fmt's %v of a value, as text/template prints it.
std::string print_value(const TValue& v) {
  switch (v.kind) {
    case TValue::kNil: return "<no value>";
    case TValue::kBool: return v.b ? "true" : "false";
    case TValue::kInt: return std::to_string(v.i);
    case TValue::kFloat: return promql::go_format_g(v.f);
    case TValue::kString: return v.s;
    case TValue::kMap: {
      std::string out = v.is_struct ? "{" : "map[";
      bool first = true;
      for (const auto& [k, e] : *v.map) {
        if (!first) out += ' ';
        first = false;
        if (!v.is_struct) out += k + ":";
        out += print_value(e);
      }
      return out + (v.is_struct ? "}" : "]");
    }
    case TValue::kList: {
      std::string out = "[";
      for (size_t i = 0; i < v.list->size(); i++) out += (i ? " " : "") + print_value((*v.list)[i]);
      return out + "]";
    }
  }
  return "";
}

bool truthy(const TValue& v) {
  switch (v.kind) {
    case TValue::kNil: return false;
    case TValue::kBool: return v.b;
    case TValue::kInt: return v.i != 0;
    case TValue::kFloat: return v.f != 0;
    case TValue::kString: return !v.s.empty();
    case TValue::kMap: return v.is_struct || !v.map->empty();
    case TValue::kList: return !v.list->empty();
  }
  return false;
}

// template.go's convertToFloat.
double to_float(const TValue& v) {
  switch (v.kind) {
    case TValue::kFloat: return v.f;
    case TValue::kInt: return double(v.i);
    case TValue::kString: {
      const std::string& s = v.s;
      if (s == "Inf" || s == "+Inf" || s == "inf" || s == "+inf") return INFINITY;
      if (s == "-Inf" || s == "-inf") return -INFINITY;
      if (s == "NaN" || s == "nan") return NAN;
      char* end = nullptr;
      double d = strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || s.find_first_of("xXpP") != std::string::npos ||
          std::isspace(static_cast<unsigned char>(s[0])))
        throw ExecError{"strconv.ParseFloat: parsing " + promql::go_quote(s) + ": invalid syntax"};
      return d;
    }
    default: throw ExecError{"can't convert " + go_type(v) + " to float"};
  }
}

std::string need_string(const TValue& v, const char* fn) {
  if (v.kind != TValue::kString)
    throw ExecError{std::string("wrong type for value; expected string; got ") + go_type(v) + " (in " + fn + ")"};
  return v.s;
}

// ---- printf ----

std::string pad(std::string s, int width, bool minus, bool zero) {
  if (width <= 0 || int(s.size()) >= width) return s;
  size_t n = width - s.size();
  if (minus) return s + std::string(n, ' ');
  if (zero) {
    size_t at = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    return s.insert(at, std::string(n, '0'));
  }
  return std::string(n, ' ') + s;
}

std::string bad_verb(char verb, const TValue& v) {
  return std::string("%!") + verb + "(" + go_type(v) + "=" + print_value(v) + ")";
}

}  // namespace

std::string go_sprintf(const std::string& f, const std::vector<TValue>& args) {
  std::string out;
  size_t ai = 0;
  for (size_t i = 0; i < f.size(); i++) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i >= f.size()) {
      out += "%!(NOVERB)";
      break;
    }
    bool minus = false, plus = false, zero = false, space = false, sharp = false;
    for (; i < f.size(); i++) {
      char c = f[i];
      if (c == '-') minus = true;
      else if (c == '+') plus = true;
      else if (c == '0') zero = true;
      else if (c == ' ') space = true;
      else if (c == '#') sharp = true;
      else break;
    }
    // fmt refuses widths and precisions above 1e6 (%!(BADWIDTH), %!(BADPREC)).
    int width = -1, prec = -1;
    bool bad_width = false, bad_prec = false;
    while (i < f.size() && isdigit(static_cast<unsigned char>(f[i]))) {
      width = std::max(width, 0) * 10 + (f[i++] - '0');
      if (width > 1000000) {
        bad_width = true;
        width = 0;
      }
    }
    if (i < f.size() && f[i] == '.') {
      prec = 0;
      i++;
      while (i < f.size() && isdigit(static_cast<unsigned char>(f[i]))) {
        prec = prec * 10 + (f[i++] - '0');
        if (prec > 1000000) {
          bad_prec = true;
          prec = 0;
        }
      }
    }
    if (bad_width) out += "%!(BADWIDTH)";
    if (bad_prec) out += "%!(BADPREC)";
    if (out.size() > (1u << 24)) throw std::length_error("printf output too large");
    if (i >= f.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = f[i];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (ai >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const TValue& a = args[ai++];
    std::string s;
    std::string cflags = std::string(minus ? "-" : "") + (plus ? "+" : "") + (space ? " " : "") + (sharp ? "#" : "");
    auto cfmt = [&](const std::string& conv, auto val) {
      std::string spec = "%" + cflags + (zero && !minus ? "0" : "") + (width >= 0 ? std::to_string(width) : "") +
                         (prec >= 0 ? "." + std::to_string(prec) : "") + conv;
      int n = snprintf(nullptr, 0, spec.c_str(), val);
      if (n < 0) return std::string();
      std::string buf(size_t(n) + 1, '\0');
      snprintf(buf.data(), buf.size(), spec.c_str(), val);
      buf.resize(size_t(n));
      return buf;
    };
    switch (verb) {
      case 'v':
        s = a.kind == TValue::kFloat ? (prec >= 0 ? cfmt("g", a.f) : promql::go_format_g(a.f)) : print_value(a);
        if (a.kind == TValue::kFloat && plus && a.f >= 0) s = "+" + s;
        out += pad(s, width, minus, zero);
        break;
      case 's':
        if (a.kind == TValue::kString) {
          s = prec >= 0 ? a.s.substr(0, prec) : a.s;
          out += pad(s, width, minus, false);
        } else if (a.kind == TValue::kMap || a.kind == TValue::kList) {
          out += pad(print_value(a), width, minus, false);
        } else {
          out += bad_verb(verb, a);
        }
        break;
      case 'q':
        if (a.kind == TValue::kString) out += pad(promql::go_quote(a.s), width, minus, false);
        else if (a.kind == TValue::kInt) out += pad("'" + std::string(1, char(a.i)) + "'", width, minus, false);
        else out += bad_verb(verb, a);
        break;
      case 't':
        if (a.kind == TValue::kBool) out += pad(a.b ? "true" : "false", width, minus, false);
        else out += bad_verb(verb, a);
        break;
      case 'd':
        if (a.kind == TValue::kInt) out += cfmt("lld", static_cast<long long>(a.i));
        else out += bad_verb(verb, a);
        break;
      case 'x':
      case 'X':
        if (a.kind == TValue::kInt) {
          out += cfmt(verb == 'x' ? "llx" : "llX", static_cast<long long>(a.i));
        } else if (a.kind == TValue::kString) {
          static const char* lo = "0123456789abcdef";
          static const char* up = "0123456789ABCDEF";
          for (unsigned char c : a.s) {
            s += (verb == 'x' ? lo : up)[c >> 4];
            s += (verb == 'x' ? lo : up)[c & 15];
          }
          out += pad(s, width, minus, false);
        } else {
          out += bad_verb(verb, a);
        }
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (a.kind != TValue::kFloat) {
          out += bad_verb(verb, a);
        } else if (std::isnan(a.f) || std::isinf(a.f)) {
          s = std::isnan(a.f) ? "NaN" : (a.f > 0 ? (plus ? "+Inf" : "Inf") : "-Inf");
          out += pad(s, width, minus, false);
        } else if ((verb == 'g' || verb == 'G') && prec < 0) {
          s = promql::go_format_g(a.f);
          if (plus && a.f >= 0) s = "+" + s;
          out += pad(s, width, minus, zero);
        } else {
          out += cfmt(std::string(1, verb == 'F' ? 'f' : verb), a.f);
        }
        break;
      default: out += bad_verb(verb, a);
    }
  }
  if (ai < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = ai; k < args.size(); k++) out += (k > ai ? ", " : "") + go_type(args[k]) + "=" + print_value(args[k]);
    out += ")";
  }
  return out;
}

std::string humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return fmt_g4(v);
  static const char* big[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static const char* small[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : big) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return fmt_g4(v) + prefix;
  }
  for (const char* p : small) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return fmt_g4(v) + prefix;
}

std::string humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return fmt_g4(v);
  static const char* big[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string prefix;
  for (const char* p : big) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return fmt_g4(v) + prefix;
}

std::string humanize_duration(double v) {
  if (std::isnan(v) || std::isinf(v)) return fmt_g4(v);
  if (v == 0) return fmt_g4(v) + "s";
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    int64_t d = go_int64(v);
    int64_t seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 3600) % 24, days = d / 86400;
    char buf[128];
    if (days != 0) {
      snprintf(buf, sizeof buf, "%s%lldd %lldh %lldm %llds", sign.c_str(), (long long)days, (long long)hours,
               (long long)minutes, (long long)seconds);
      return buf;
    }
    if (hours != 0) {
      snprintf(buf, sizeof buf, "%s%lldh %lldm %llds", sign.c_str(), (long long)hours, (long long)minutes,
               (long long)seconds);
      return buf;
    }
    if (minutes != 0) {
      snprintf(buf, sizeof buf, "%s%lldm %llds", sign.c_str(), (long long)minutes, (long long)seconds);
      return buf;
    }
    return sign + fmt_g4(v) + "s";
  }
  static const char* small[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  for (const char* p : small) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return fmt_g4(v) + prefix + "s";
}

std::string humanize_percentage(double v) { return fmt_g4(v * 100) + "%"; }

namespace {
// time.Time.String() of a UTC time given in ms: "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string go_time_string(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int64_t frac = ms - secs * 1000;
  time_t t = static_cast<time_t>(secs);
  struct tm tmv;
  if (!gmtime_r(&t, &tmv)) return "time out of range";
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tmv);
  std::string out = buf;
  if (frac) {
    char f[24];
    snprintf(f, sizeof f, "%03lld", (long long)frac);
    std::string fs = f;
    while (!fs.empty() && fs.back() == '0') fs.pop_back();
    out += "." + fs;
  }
  return out + " +0000 UTC";
}
}  // namespace

std::string humanize_timestamp(double v) {
  if (std::isnan(v) || std::isinf(v)) return fmt_g4(v);
  // model.TimeFromUnixNano(int64(v*1e9)): milliseconds, truncated.
  int64_t ns = go_int64(v * 1e9);
  return go_time_string(ns / 1000000);
}

// ---------------------------------------------------------------------------------------
// Parser

namespace {

struct Pipeline;
struct Arg {
  enum K { kField, kVar, kDot, kStr, kInt, kFloat, kBool, kNil, kFunc, kPipe } k = kNil;
  std::string name;                 // function, variable ("$x"), string literal
  std::vector<std::string> fields;  // .a.b after the operand
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::shared_ptr<Pipeline> pipe;
  int pos = 0;
};
struct Command {
  std::vector<Arg> args;
  int pos = 0;
  std::string text;  // the source of the command, for execution errors ("at <...>")
};
struct Pipeline {
  std::vector<std::string> decl;
  bool assign = false;  // `=` instead of `:=`
  std::vector<Command> cmds;
  int pos = 0;
};
struct TNode {
  enum K { kText, kAction, kIf, kRange, kWith } k = kText;
  std::string text;
  Pipeline pipe;
  std::vector<TNode> list, else_list;
  int pos = 0;
};

bool is_alnum(char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }

const std::vector<std::string>& known_functions() {
  static const std::vector<std::string> f = {
      // Go's builtins
      "and", "or", "not", "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge", "html",
      "js", "urlquery", "call", "slice",
      // template/template.go
      "query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml", "match", "title",
      "toUpper", "toLower", "graphLink", "tableLink", "sortByLabel", "humanize", "humanize1024",
      "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "toTime", "pathPrefix", "externalURL",
      "parseDuration", "stripPort", "stripDomain"};
  return f;
}

class Parser {
 public:
  Parser(std::string name, std::string_view src) : name_(std::move(name)), s_(src) {}

  std::vector<TNode> parse() {
    vars_.push_back({"$"});
    int stop = 0;
    auto nodes = parse_list(&stop);
    if (stop == kEnd) error(last_action_, "unexpected {{end}}");
    if (stop == kElse) error(last_action_, "unexpected {{else}}");
    return nodes;
  }

 private:
  enum { kEOF = 1, kEnd, kElse };
  std::string name_;
  std::string_view s_;
  size_t p_ = 0;
  bool trim_next_ = false;
  int last_action_ = 0;
  std::vector<std::vector<std::string>> vars_;
  int depth_ = 0;  // nesting of blocks and parentheses: bounded so no input exhausts the stack
  struct Nest {
    Parser* p;
    int pos;
    Nest(Parser* parser, int at) : p(parser), pos(at) {
      if (++p->depth_ > 200) p->error(pos, "template nesting too deep");
    }
    ~Nest() { p->depth_--; }
  };
  // After {{else}}: the rest of the else action (`if ...` / `with ...`), handled by the caller.
  std::string else_keyword_;

  int line_at(int pos) const { return 1 + int(std::count(s_.begin(), s_.begin() + std::min<size_t>(pos, s_.size()), '\n')); }
  [[noreturn]] void error(int pos, const std::string& msg) const {
    throw TemplateError("template: " + name_ + ":" + std::to_string(line_at(pos)) + ": " + msg);
  }

  std::string trimmed(int from) const {
    std::string t(s_.substr(from, p_ - from));
    while (!t.empty() && isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    return t;
  }
  void skip_space() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) p_++;
  }
  // At a right delimiter (`}}` or ` -}}`)? Consumes it.
  bool at_close() {
    size_t q = p_;
    if (q + 2 < s_.size() + 0 && s_[q] == '-' && q + 2 < s_.size() && s_.substr(q + 1, 2) == "}}") {
      p_ = q + 3;
      trim_next_ = true;
      return true;
    }
    if (s_.substr(q, 2) == "}}") {
      p_ = q + 2;
      return true;
    }
    return false;
  }
  void expect_close(int action_pos) {
    skip_space();
    if (p_ >= s_.size()) error(action_pos, "unclosed action");
    if (!at_close()) error(int(p_), std::string("unexpected \"") + s_[p_] + "\" in command");
  }

  bool declared(const std::string& v) const {
    for (const auto& scope : vars_)
      for (const auto& n : scope)
        if (n == v) return true;
    return false;
  }

  std::vector<TNode> parse_list(int* stop) {
    std::vector<TNode> out;
    while (true) {
      size_t open = s_.find("{{", p_);
      std::string text(s_.substr(p_, open == std::string_view::npos ? std::string_view::npos : open - p_));
      if (trim_next_) {
        size_t k = 0;
        while (k < text.size() && isspace(static_cast<unsigned char>(text[k]))) k++;
        text.erase(0, k);
        trim_next_ = false;
      }
      if (open != std::string_view::npos && s_.substr(open + 2, 2) == "- ") {
        while (!text.empty() && isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
      }
      if (!text.empty()) {
        TNode t;
        t.k = TNode::kText;
        t.text = text;
        out.push_back(std::move(t));
      }
      if (open == std::string_view::npos) {
        p_ = s_.size();
        *stop = kEOF;
        return out;
      }
      int apos = int(open);
      last_action_ = apos;
      p_ = open + 2;
      if (s_.substr(p_, 2) == "- ") p_ += 2;
      skip_space();
      if (s_.substr(p_, 2) == "/*") {
        size_t end = s_.find("*/", p_);
        if (end == std::string_view::npos) error(apos, "unclosed comment");
        p_ = end + 2;
        skip_space();
        if (!at_close()) error(apos, "comment ends before closing delimiter");
        continue;
      }
      std::string kw = peek_word();
      if (kw == "end") {
        p_ += 3;
        expect_close(apos);
        *stop = kEnd;
        return out;
      }
      if (kw == "else") {
        p_ += 4;
        skip_space();
        std::string next = peek_word();
        if (next == "if" || next == "with") {
          else_keyword_ = next;
          p_ += next.size();
        } else {
          else_keyword_.clear();
          expect_close(apos);
        }
        *stop = kElse;
        return out;
      }
      if (kw == "if" || kw == "range" || kw == "with") {
        p_ += kw.size();
        out.push_back(parse_block(kw, apos));
        continue;
      }
      if (kw == "define" || kw == "template" || kw == "block" || kw == "break" || kw == "continue")
        error(apos, "{{" + kw + "}} is not supported in alert templates");
      TNode a;
      a.k = TNode::kAction;
      a.pos = apos;
      a.pipe = parse_pipeline(apos, true);
      out.push_back(std::move(a));
    }
  }

  std::string peek_word() const {
    size_t q = p_;
    while (q < s_.size() && isalpha(static_cast<unsigned char>(s_[q]))) q++;
    if (q < s_.size() && is_alnum(s_[q])) return "";
    return std::string(s_.substr(p_, q - p_));
  }

  // After `if`/`range`/`with` (or `else if`): pipeline, list, optional else, end.
  TNode parse_block(const std::string& kw, int apos) {
    Nest nest(this, apos);
    TNode n;
    n.k = kw == "if" ? TNode::kIf : kw == "range" ? TNode::kRange : TNode::kWith;
    n.pos = apos;
    vars_.emplace_back();
    n.pipe = parse_pipeline(apos, kw != "range");
    if (n.pipe.cmds.empty()) error(apos, "missing value for " + kw);
    int stop = 0;
    n.list = parse_list(&stop);
    if (stop == kEOF) error(int(s_.size()), "unexpected EOF");
    if (stop == kElse) {
      if (!else_keyword_.empty()) {
        std::string k = else_keyword_;
        else_keyword_.clear();
        // `else if` / `else with`: a nested block that consumes the shared {{end}}.
        n.else_list.push_back(parse_block(k, last_action_));
      } else {
        n.else_list = parse_list(&stop);
        if (stop == kEOF) error(int(s_.size()), "unexpected EOF");
        if (stop == kElse) error(last_action_, "expected end; found {{else}}");
      }
    }
    vars_.pop_back();
    return n;
  }

  Pipeline parse_pipeline(int apos, bool single_decl) {
    Pipeline pl;
    pl.pos = apos;
    skip_space();
    // Declarations: `$x :=`, `$x =`, `$i, $e :=`.
    size_t save = p_;
    std::vector<std::string> names;
    while (p_ < s_.size() && s_[p_] == '$') {
      size_t q = p_ + 1;
      while (q < s_.size() && is_alnum(s_[q])) q++;
      names.emplace_back(s_.substr(p_, q - p_));
      p_ = q;
      skip_space();
      if (p_ < s_.size() && s_[p_] == ',' && !single_decl && names.size() == 1) {
        p_++;
        skip_space();
        continue;
      }
      break;
    }
    if (!names.empty() && s_.substr(p_, 2) == ":=") {
      p_ += 2;
      pl.decl = names;
    } else if (names.size() == 1 && p_ < s_.size() && s_[p_] == '=' && s_.substr(p_, 2) != "==") {
      p_ += 1;
      pl.decl = names;
      pl.assign = true;
    } else {
      p_ = save;
    }
    while (true) {
      skip_space();
      if (p_ >= s_.size()) error(apos, "unclosed action");
      if (at_close()) break;
      if (s_[p_] == ')') error(int(p_), "unexpected right paren");
      Command c;
      c.pos = int(p_);
      parse_command(&c, apos);
      c.text = trimmed(c.pos);
      if (c.args.empty()) error(apos, "empty command");
      pl.cmds.push_back(std::move(c));
      skip_space();
      if (p_ < s_.size() && s_[p_] == '|') {
        p_++;
        continue;
      }
      skip_space();
      if (p_ >= s_.size()) error(apos, "unclosed action");
      if (!at_close()) error(int(p_), std::string("unexpected \"") + s_[p_] + "\" in operand");
      break;
    }
    if (pl.cmds.empty() && !pl.decl.empty()) error(apos, "missing value for command");
    // Declared variables are visible after the declaration, in the current scope; Go's parser
    // also takes `$x = ...` as declaring $x (the assignment fails at execution if undeclared).
    for (const auto& n : pl.decl) vars_.back().push_back(n);
    return pl;
  }

  // Parses operands until `|`, `)` or the closing delimiter (not consumed).
  void parse_command(Command* c, int apos) {
    while (true) {
      skip_space();
      if (p_ >= s_.size()) error(apos, "unclosed action");
      char ch = s_[p_];
      if (ch == '|' || ch == ')') return;
      if (s_.substr(p_, 2) == "}}" || s_.substr(p_, 3) == "-}}") return;
      c->args.push_back(parse_operand(apos));
      // Operands are separated by spaces: anything else right after one is an error (Go's
      // lexer for words, fields and variables, its parser otherwise).
      if (p_ >= s_.size()) continue;
      char nx = s_[p_];
      if (nx == ' ' || nx == '\t' || nx == '\n' || nx == '\r' || nx == '|' || nx == ')' ||
          s_.substr(p_, 2) == "}}" || s_.substr(p_, 3) == "-}}")
        continue;
      Arg::K k = c->args.back().k;
      if ((k == Arg::kFunc || k == Arg::kBool || k == Arg::kNil || k == Arg::kField || k == Arg::kVar) && nx != '(') {
        char buf[32];
        snprintf(buf, sizeof buf, "U+%04X '%c'", static_cast<unsigned char>(nx), nx);
        error(apos, std::string("bad character ") + buf);
      }
      std::string tok;
      if (nx == '"' || nx == '`') {
        size_t end = s_.find(nx, p_ + 1);
        // Go prints a string token quoted: unexpected "\"b\"" in operand.
        error(apos, "unexpected " + promql::go_quote(std::string(s_.substr(
                                        p_, end == std::string_view::npos ? 1 : end - p_ + 1))) +
                        " in operand");
      } else if (nx == '(') {
        tok = "(";
      } else {
        size_t q = p_;
        while (q < s_.size() && (is_alnum(s_[q]) || s_[q] == '.' || s_[q] == '$')) q++;
        tok = std::string(s_.substr(p_, std::max<size_t>(q - p_, 1)));
      }
      error(apos, "unexpected \"" + tok + "\" in operand");
    }
  }

  std::vector<std::string> parse_fields() {
    std::vector<std::string> out;
    while (p_ < s_.size() && s_[p_] == '.' && p_ + 1 < s_.size() && is_alnum(s_[p_ + 1])) {
      size_t q = p_ + 1;
      while (q < s_.size() && is_alnum(s_[q])) q++;
      out.emplace_back(s_.substr(p_ + 1, q - p_ - 1));
      p_ = q;
    }
    return out;
  }

  Arg parse_operand(int apos) {
    Arg a;
    a.pos = int(p_);
    char ch = s_[p_];
    if (ch == '(') {
      Nest nest(this, apos);
      p_++;
      auto pl = std::make_shared<Pipeline>();
      pl->pos = apos;
      while (true) {
        skip_space();
        if (p_ >= s_.size()) error(apos, "unclosed action");
        if (s_[p_] == ')') {
          p_++;
          break;
        }
        Command c;
        c.pos = int(p_);
        parse_command(&c, apos);
        c.text = trimmed(c.pos);
        if (c.args.empty()) error(apos, "missing value for parenthesized pipeline");
        pl->cmds.push_back(std::move(c));
        skip_space();
        if (p_ < s_.size() && s_[p_] == '|') p_++;
        else if (p_ < s_.size() && s_[p_] != ')') error(apos, "unclosed left paren");
      }
      if (pl->cmds.empty()) error(apos, "missing value for parenthesized pipeline");
      a.k = Arg::kPipe;
      a.pipe = pl;
      a.fields = parse_fields();
      return a;
    }
    if (ch == '.') {
      if (p_ + 1 < s_.size() && is_alnum(s_[p_ + 1]) && !isdigit(static_cast<unsigned char>(s_[p_ + 1]))) {
        a.k = Arg::kField;
        a.fields = parse_fields();
        return a;
      }
      if (p_ + 1 >= s_.size() || !isdigit(static_cast<unsigned char>(s_[p_ + 1]))) {
        p_++;
        a.k = Arg::kDot;
        return a;
      }
    }
    if (ch == '$') {
      size_t q = p_ + 1;
      while (q < s_.size() && is_alnum(s_[q])) q++;
      a.k = Arg::kVar;
      a.name = std::string(s_.substr(p_, q - p_));
      if (!declared(a.name)) error(apos, "undefined variable \"" + a.name + "\"");
      p_ = q;
      a.fields = parse_fields();
      return a;
    }
    if (ch == '"') {
      std::string v;
      size_t q = p_ + 1;
      while (true) {
        if (q >= s_.size() || s_[q] == '\n') error(apos, "unterminated quoted string");
        char c = s_[q];
        if (c == '"') break;
        if (c == '\\') {
          if (q + 1 >= s_.size()) error(apos, "unterminated quoted string");
          char e = s_[q + 1];
          switch (e) {
            case 'n': v += '\n'; break;
            case 't': v += '\t'; break;
            case 'r': v += '\r'; break;
            case '\\': v += '\\'; break;
            case '"': v += '"'; break;
            case '\'': v += '\''; break;
            case 'a': v += '\a'; break;
            case 'b': v += '\b'; break;
            case 'f': v += '\f'; break;
            case 'v': v += '\v'; break;
            case 'x': {
              if (q + 3 >= s_.size() || !isxdigit(static_cast<unsigned char>(s_[q + 2])) ||
                  !isxdigit(static_cast<unsigned char>(s_[q + 3])))
                error(apos, "invalid syntax");
              v += char(std::stoi(std::string(s_.substr(q + 2, 2)), nullptr, 16));
              q += 2;
              break;
            }
            default: error(apos, "invalid syntax");
          }
          q += 2;
          continue;
        }
        v += c;
        q++;
      }
      p_ = q + 1;
      a.k = Arg::kStr;
      a.name = v;
      return a;
    }
    if (ch == '`') {
      size_t end = s_.find('`', p_ + 1);
      if (end == std::string_view::npos) error(apos, "unterminated raw quoted string");
      a.k = Arg::kStr;
      a.name = std::string(s_.substr(p_ + 1, end - p_ - 1));
      p_ = end + 1;
      return a;
    }
    if (ch == '\'') {
      if (p_ + 2 < s_.size() && s_[p_ + 2] == '\'') {
        a.k = Arg::kInt;
        a.i = static_cast<unsigned char>(s_[p_ + 1]);
        p_ += 3;
        return a;
      }
      error(apos, "unterminated character constant");
    }
    if (isdigit(static_cast<unsigned char>(ch)) || ch == '-' || ch == '+' || ch == '.') {
      size_t q = p_ + 1;
      while (q < s_.size() && (is_alnum(s_[q]) || s_[q] == '.' ||
                                ((s_[q] == '-' || s_[q] == '+') && (s_[q - 1] == 'e' || s_[q - 1] == 'E'))))
        q++;
      std::string t(s_.substr(p_, q - p_));
      p_ = q;
      char* end = nullptr;
      errno = 0;
      long long iv = strtoll(t.c_str(), &end, 0);
      if (*end == 0 && errno == 0 && t.find_first_of(".eE") == std::string::npos) {
        a.k = Arg::kInt;
        a.i = iv;
        return a;
      }
      double dv = strtod(t.c_str(), &end);
      if (*end != 0 || t == "-" || t == "+") error(apos, "bad number syntax: \"" + t + "\"");
      a.k = Arg::kFloat;
      a.f = dv;
      return a;
    }
    if (isalpha(static_cast<unsigned char>(ch)) || ch == '_') {
      size_t q = p_;
      while (q < s_.size() && is_alnum(s_[q])) q++;
      std::string w(s_.substr(p_, q - p_));
      p_ = q;
      if (w == "true" || w == "false") {
        a.k = Arg::kBool;
        a.b = w == "true";
        return a;
      }
      if (w == "nil") {
        a.k = Arg::kNil;
        return a;
      }
      if (w == "if" || w == "range" || w == "with" || w == "else" || w == "end")
        error(apos, "unexpected <" + w + "> in command");
      const auto& fns = known_functions();
      if (std::find(fns.begin(), fns.end(), w) == fns.end()) error(apos, "function \"" + w + "\" not defined");
      a.k = Arg::kFunc;
      a.name = w;
      return a;
    }
    error(apos, std::string("unexpected \"") + ch + "\" in operand");
  }
};

// ---------------------------------------------------------------------------------------
// Executor

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '\'': o += "&#39;"; break;
      case '"': o += "&#34;"; break;
      case '\0': o += "\xEF\xBF\xBD"; break;
      default: o += c;
    }
  }
  return o;
}



// net.SplitHostPort; false on error.
bool split_host_port(const std::string& hp, std::string* host, std::string* port) {
  size_t colon = hp.rfind(':');
  if (colon == std::string::npos) return false;
  if (!hp.empty() && hp[0] == '[') {
    size_t end = hp.find(']');
    if (end == std::string::npos || end + 1 != colon) return false;
    *host = hp.substr(1, end - 1);
  } else {
    *host = hp.substr(0, colon);
    if (host->find(':') != std::string::npos) return false;
  }
  *port = hp.substr(colon + 1);
  return true;
}

bool looks_like_ip(const std::string& h) {
  if (h.find(':') != std::string::npos) return true;  // IPv6
  int dots = 0;
  for (char c : h) {
    if (c == '.') dots++;
    else if (!isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

TValue sample_value(const QuerySample& s) {
  std::map<std::string, TValue> f;
  f["Labels"] = TValue::string_map(s.labels);
  f["Value"] = TValue::num(s.value);
  return make_struct(std::move(f), "*template.sample");
}

class Exec {
 public:
  Exec(const std::string& name, std::string_view src, const TemplateQueryFunc& q, const std::string& url)
      : name_(name), src_(src), query_(q), url_(url) {}

  void run(const std::vector<TNode>& nodes, const TValue& dot, std::string* out) {
    for (const auto& n : nodes) {
      if (++steps_ > 1000000) throw ExecError{"template execution exceeded its step budget"};
      switch (n.k) {
        case TNode::kText: *out += n.text; break;
        case TNode::kAction: {
          TValue v = pipeline(n.pipe, dot);
          if (n.pipe.decl.empty()) *out += print_value(v);
          if (out->size() > (1u << 24)) throw ExecError{"template output too large"};
          break;
        }
        case TNode::kIf:
        case TNode::kWith: {
          size_t mark = vars_.size();
          TValue v = pipeline(n.pipe, dot);
          if (truthy(v)) run(n.list, n.k == TNode::kWith ? v : dot, out);
          else run(n.else_list, dot, out);
          vars_.resize(mark);
          break;
        }
        case TNode::kRange: {
          size_t mark = vars_.size();
          TValue v = pipeline_value(n.pipe, dot);
          bool any = false;
          auto iter = [&](const TValue& key, const TValue& elem) {
            any = true;
            size_t m2 = vars_.size();
            if (n.pipe.decl.size() == 1) vars_.push_back({n.pipe.decl[0], elem});
            if (n.pipe.decl.size() == 2) {
              vars_.push_back({n.pipe.decl[0], key});
              vars_.push_back({n.pipe.decl[1], elem});
            }
            run(n.list, elem, out);
            vars_.resize(m2);
          };
          if (v.kind == TValue::kList) {
            for (size_t i = 0; i < v.list->size(); i++) iter(TValue::integer(int64_t(i)), (*v.list)[i]);
          } else if (v.kind == TValue::kMap && !v.is_struct) {
            for (const auto& [k, e] : *v.map) iter(TValue::str(k), e);
          } else if (v.kind != TValue::kNil) {  // Go 1.19 (Prometheus 2.42) cannot range over an int
            const Command& last = n.pipe.cmds.back();
            throw located(last.pos, last.text, "range can't iterate over " + print_value(v));
          }
          if (!any) run(n.else_list, dot, out);
          vars_.resize(mark);
          break;
        }
      }
    }
  }

  void set_root(const TValue& dot) { vars_.push_back({"$", dot}); }

 private:
  std::string name_;
  std::string_view src_;
  const TemplateQueryFunc& query_;
  const std::string& url_;
  std::vector<std::pair<std::string, TValue>> vars_;
  size_t steps_ = 0;

  TValue lookup_var(const std::string& n) {
    for (size_t i = vars_.size(); i-- > 0;)
      if (vars_[i].first == n) return vars_[i].second;
    throw ExecError{"undefined variable: " + n};
  }

  // For range: the pipeline's value without declaring (range declares per element).
  TValue pipeline_value(const Pipeline& p, const TValue& dot) {
    TValue v;
    bool has = false;
    for (const auto& c : p.cmds) {
      v = command(c, dot, has ? &v : nullptr);
      has = true;
    }
    return v;
  }

  TValue pipeline(const Pipeline& p, const TValue& dot) {
    TValue v = pipeline_value(p, dot);
    if (p.assign) {
      bool found = false;
      for (size_t i = vars_.size(); i-- > 0 && !found;)
        if (vars_[i].first == p.decl[0]) {
          vars_[i].second = v;
          found = true;
        }
      if (!found) throw ExecError{"undefined variable: " + p.decl[0]};
    } else {
      for (const auto& n : p.decl) vars_.push_back({n, v});
    }
    return v;
  }

  TValue field(TValue v, const std::vector<std::string>& fields) {
    for (const auto& f : fields) {
      if (v.kind == TValue::kMap) {
        auto it = v.map->find(f);
        if (it != v.map->end()) {
          TValue next = it->second;  // copied first: assigning v may free the map holding it
          v = std::move(next);
        } else if (v.is_struct) {
          throw ExecError{"can't evaluate field " + f + " in type " + go_type(v)};
        } else {
          v = TValue::str("");  // missingkey=zero on map[string]string
        }
      } else if (v.kind == TValue::kNil) {
        throw ExecError{"nil pointer evaluating interface {}." + f};
      } else {
        throw ExecError{"can't evaluate field " + f + " in type " + go_type(v)};
      }
    }
    return v;
  }

  TValue operand(const Arg& a, const TValue& dot) {
    switch (a.k) {
      case Arg::kField: return field(dot, a.fields);
      case Arg::kVar: return field(lookup_var(a.name), a.fields);
      case Arg::kDot: return dot;
      case Arg::kStr: return TValue::str(a.name);
      case Arg::kInt: return TValue::integer(a.i);
      case Arg::kFloat: return TValue::num(a.f);
      case Arg::kBool: return TValue::boolean(a.b);
      case Arg::kNil: throw ExecError{"nil is not a command"};
      case Arg::kPipe: return field(pipeline_value(*a.pipe, dot), a.fields);
      case Arg::kFunc: return call(a.name, {});
    }
    return {};
  }

  // Go's ErrorContext: "NAME:line:col" with col the 0-based byte offset in the line.
  TValue command(const Command& c, const TValue& dot, const TValue* piped) {
    try {
      return command_inner(c, dot, piped);
    } catch (ExecError& e) {
      if (e.located) throw;
      // A lone `$x.a.b` is reported at its field chain, after the variable's name.
      int pos = c.pos;
      if (c.args.size() == 1 && c.args[0].k == Arg::kVar && !c.args[0].fields.empty())
        pos += int(c.args[0].name.size());
      throw located(pos, c.text, e.msg);
    }
  }

  ExecError located(int pos, const std::string& text, const std::string& msg) const {
    std::string_view before = src_.substr(0, std::min<size_t>(pos, src_.size()));
    int line = 1 + int(std::count(before.begin(), before.end(), '\n'));
    size_t nl = before.rfind('\n');
    size_t col = nl == std::string_view::npos ? before.size() : before.size() - nl - 1;
    return ExecError{name_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": executing \"" + name_ +
                         "\" at <" + text + ">: " + msg,
                     true};
  }

  TValue command_inner(const Command& c, const TValue& dot, const TValue* piped) {
    const Arg& first = c.args[0];
    if (first.k == Arg::kFunc) {
      std::vector<TValue> args;
      // and/or evaluate lazily in Go; evaluating all is the same without side effects.
      for (size_t i = 1; i < c.args.size(); i++) args.push_back(operand(c.args[i], dot));
      if (piped) args.push_back(*piped);
      return call(first.name, args);
    }
    if (c.args.size() > 1 || piped) throw ExecError{"can't give argument to non-function " + describe(first)};
    return operand(first, dot);
  }

  static std::string describe(const Arg& a) {
    switch (a.k) {
      case Arg::kField: {
        std::string s;
        for (const auto& f : a.fields) s += "." + f;
        return s;
      }
      case Arg::kVar: return a.name;
      case Arg::kDot: return ".";
      case Arg::kStr: return promql::go_quote(a.name);
      default: return "operand";
    }
  }

  void arity(const std::string& fn, const std::vector<TValue>& a, size_t n) {
    if (a.size() != n)
      throw ExecError{"wrong number of args for " + fn + ": want " + std::to_string(n) + " got " +
                      std::to_string(a.size())};
  }

  static int compare(const TValue& x, const TValue& y, bool* ok) {
    *ok = true;
    if (x.kind != y.kind) {
      *ok = false;
      return 0;
    }
    switch (x.kind) {
      case TValue::kInt: return x.i < y.i ? -1 : x.i > y.i;
      case TValue::kFloat: return x.f < y.f ? -1 : x.f > y.f;
      case TValue::kString: return x.s < y.s ? -1 : x.s > y.s;
      case TValue::kBool: return int(x.b) - int(y.b);
      default: *ok = false; return 0;
    }
  }

  const TValue& sample_arg(const TValue& v, const char* fn) {
    if (v.kind != TValue::kMap || v.type_name != "*template.sample")
      throw ExecError{std::string("wrong type for value; expected *template.sample; got ") + go_type(v) + " (in " +
                      fn + ")"};
    return v;
  }

  TValue call(const std::string& fn, const std::vector<TValue>& a) {
    if (fn == "and" || fn == "or") {
      if (a.empty()) throw ExecError{"wrong number of args for " + fn + ": want at least 1 got 0"};
      for (size_t i = 0; i + 1 < a.size(); i++)
        if (truthy(a[i]) == (fn == "or")) return a[i];
      return a.back();
    }
    if (fn == "not") {
      arity(fn, a, 1);
      return TValue::boolean(!truthy(a[0]));
    }
    if (fn == "len") {
      arity(fn, a, 1);
      if (a[0].kind == TValue::kString) return TValue::integer(int64_t(a[0].s.size()));
      if (a[0].kind == TValue::kMap && !a[0].is_struct) return TValue::integer(int64_t(a[0].map->size()));
      if (a[0].kind == TValue::kList) return TValue::integer(int64_t(a[0].list->size()));
      throw ExecError{"error calling len: len of type " + go_type(a[0])};
    }
    if (fn == "index") {
      if (a.empty()) throw ExecError{"wrong number of args for index: want at least 1 got 0"};
      TValue v = a[0];
      for (size_t i = 1; i < a.size(); i++) {
        if (v.kind == TValue::kMap && !v.is_struct) {
          if (a[i].kind != TValue::kString) throw ExecError{"error calling index: value has type " + go_type(a[i]) +
                                                            "; should be string"};
          auto it = v.map->find(a[i].s);
          TValue next = it == v.map->end() ? TValue::str("") : it->second;
          v = std::move(next);
        } else if (v.kind == TValue::kList) {
          if (a[i].kind != TValue::kInt) throw ExecError{"error calling index: cannot index slice/array with type " +
                                                         go_type(a[i])};
          if (a[i].i < 0 || a[i].i >= int64_t(v.list->size()))
            throw ExecError{"error calling index: index out of range: " + std::to_string(a[i].i)};
          TValue next = (*v.list)[a[i].i];
          v = std::move(next);
        } else {
          throw ExecError{"error calling index: can't index item of type " + go_type(v)};
        }
      }
      return v;
    }
    if (fn == "print" || fn == "println") {
      std::string o;
      for (size_t i = 0; i < a.size(); i++) {
        bool space = fn == "println" || (i > 0 && a[i].kind != TValue::kString && a[i - 1].kind != TValue::kString);
        if (i > 0 && space) o += ' ';
        o += print_value(a[i]);
      }
      if (fn == "println") o += '\n';
      return TValue::str(o);
    }
    if (fn == "printf") {
      if (a.empty() || a[0].kind != TValue::kString) throw ExecError{"wrong type for value; expected string"};
      return TValue::str(go_sprintf(a[0].s, std::vector<TValue>(a.begin() + 1, a.end())));
    }
    if (fn == "eq" || fn == "ne" || fn == "lt" || fn == "le" || fn == "gt" || fn == "ge") {
      if (a.size() < 2) throw ExecError{"error calling " + fn + ": missing argument for comparison"};
      bool ok = true;
      if (fn == "eq") {
        for (size_t i = 1; i < a.size(); i++) {
          int c = compare(a[0], a[i], &ok);
          if (!ok) throw ExecError{"error calling eq: incompatible types for comparison"};
          if (c == 0) return TValue::boolean(true);
        }
        return TValue::boolean(false);
      }
      arity(fn, a, 2);
      int c = compare(a[0], a[1], &ok);
      if (!ok) throw ExecError{"error calling " + fn + ": incompatible types for comparison"};
      if (fn == "ne") return TValue::boolean(c != 0);
      if (fn == "lt") return TValue::boolean(c < 0);
      if (fn == "le") return TValue::boolean(c <= 0);
      if (fn == "gt") return TValue::boolean(c > 0);
      return TValue::boolean(c >= 0);
    }
    if (fn == "html" || fn == "urlquery" || fn == "js") {
      std::string s;
      for (size_t i = 0; i < a.size(); i++) s += print_value(a[i]);
      if (fn == "html") return TValue::str(html_escape(s));
      if (fn == "urlquery") return TValue::str(go_query_escape(s));
      std::string o;
      for (char c : s) {
        if (c == '\\' || c == '\'' || c == '"') o += std::string("\\") + c;
        else if (c == '<') o += "\\u003C";
        else if (c == '>') o += "\\u003E";
        else if (c == '&') o += "\\u0026";
        else if (c == '=') o += "\\u003D";
        else o += c;
      }
      return TValue::str(o);
    }
    if (fn == "call" || fn == "slice") throw ExecError{"error calling " + fn + ": not supported"};
    // template/template.go
    if (fn == "query") {
      arity(fn, a, 1);
      if (!query_) throw ExecError{"error calling query: no query engine"};
      std::vector<QuerySample> r;
      try {
        r = query_(need_string(a[0], "query"));
      } catch (const ExecError&) {
        throw;
      } catch (const std::exception& e) {
        throw ExecError{"error calling query: " + std::string(e.what())};
      }
      std::vector<TValue> items;
      for (const auto& s : r) items.push_back(sample_value(s));
      return make_list(std::move(items), "template.queryResult");
    }
    if (fn == "first") {
      arity(fn, a, 1);
      if (a[0].kind != TValue::kList) throw ExecError{"wrong type for value; expected template.queryResult"};
      if (a[0].list->empty()) throw ExecError{"error calling first: first() called on vector with no elements"};
      return (*a[0].list)[0];
    }
    if (fn == "label") {
      arity(fn, a, 2);
      std::string name = need_string(a[0], "label");
      const TValue& s = sample_arg(a[1], "label");
      return field(s.map->at("Labels"), {name});
    }
    if (fn == "value") {
      arity(fn, a, 1);
      return sample_arg(a[0], "value").map->at("Value");
    }
    if (fn == "strvalue") {
      arity(fn, a, 1);
      return field(sample_arg(a[0], "strvalue").map->at("Labels"), {"__value__"});
    }
    if (fn == "args") {
      std::map<std::string, TValue> m;
      for (size_t i = 0; i < a.size(); i++) m["arg" + std::to_string(i)] = a[i];
      TValue t;
      t.kind = TValue::kMap;
      t.map = std::make_shared<std::map<std::string, TValue>>(std::move(m));
      t.type_name = "map[string]interface {}";
      return t;
    }
    if (fn == "reReplaceAll" || fn == "match") {
      arity(fn, a, fn == "match" ? 2 : 3);
      std::string pattern = need_string(a[0], fn.c_str());
      RE2::Options o;
      o.set_log_errors(false);
      RE2 re(pattern, o);
      if (!re.ok()) throw ExecError{"error calling " + fn + ": error parsing regexp: " + re.error()};
      if (fn == "match") return TValue::boolean(RE2::PartialMatch(need_string(a[1], "match"), re));
      return TValue::str(go_replace_all(re, need_string(a[2], fn.c_str()), need_string(a[1], fn.c_str())));
    }
    if (fn == "safeHtml") {
      arity(fn, a, 1);
      return TValue::str(need_string(a[0], "safeHtml"));
    }
    if (fn == "title" || fn == "toUpper" || fn == "toLower") {
      arity(fn, a, 1);
      std::string s = need_string(a[0], fn.c_str());
      bool start = true;
      for (auto& c : s) {
        unsigned char u = static_cast<unsigned char>(c);
        if (fn == "toUpper") c = char(toupper(u));
        else if (fn == "toLower") c = char(tolower(u));
        else {
          if (start && u < 0x80) c = char(toupper(u));
          start = !(isalnum(u) || c == '_' || c == '\'' || u >= 0x80);
        }
      }
      return TValue::str(s);
    }
    if (fn == "graphLink" || fn == "tableLink") {
      arity(fn, a, 1);
      return TValue::str("/graph?g0.expr=" + go_query_escape(need_string(a[0], fn.c_str())) + "&g0.tab=" +
                         (fn == "graphLink" ? "0" : "1"));
    }
    if (fn == "sortByLabel") {
      arity(fn, a, 2);
      std::string name = need_string(a[0], "sortByLabel");
      if (a[1].kind != TValue::kList) throw ExecError{"wrong type for value; expected template.queryResult"};
      std::vector<TValue> items = *a[1].list;
      std::stable_sort(items.begin(), items.end(), [&](const TValue& x, const TValue& y) {
        return field(x.map->at("Labels"), {name}).s < field(y.map->at("Labels"), {name}).s;
      });
      return make_list(std::move(items), "template.queryResult");
    }
    if (fn == "humanize" || fn == "humanize1024" || fn == "humanizeDuration" || fn == "humanizePercentage" ||
        fn == "humanizeTimestamp" || fn == "toTime") {
      arity(fn, a, 1);
      double v;
      try {
        v = to_float(a[0]);
      } catch (const ExecError& e) {
        throw ExecError{"error calling " + fn + ": " + e.msg};
      }
      if (fn == "humanize") return TValue::str(humanize(v));
      if (fn == "humanize1024") return TValue::str(humanize1024(v));
      if (fn == "humanizeDuration") return TValue::str(humanize_duration(v));
      if (fn == "humanizePercentage") return TValue::str(humanize_percentage(v));
      // floatToTime: NaN/Inf and timestamps past int64 nanoseconds are errors (humanizeTimestamp
      // prints NaN/Inf as %.4g instead).
      if (std::isnan(v) || std::isinf(v)) {
        if (fn == "humanizeTimestamp") return TValue::str(fmt_g4(v));
        throw ExecError{"error calling toTime: value is NaN or Inf"};
      }
      double ns = v * 1e9;
      if (ns > 9223372036854775807.0 || ns < -9223372036854775808.0)
        throw ExecError{"error calling " + fn + ": " + promql::go_format_g(v) +
                        " cannot be represented as a nanoseconds timestamp since it overflows int64"};
      return TValue::str(go_time_string(go_int64(ns) / 1000000));
    }
    if (fn == "pathPrefix" || fn == "externalURL") {
      arity(fn, a, 0);
      if (fn == "externalURL") return TValue::str(url_);
      size_t scheme = url_.find("://");
      size_t slash = url_.find('/', scheme == std::string::npos ? 0 : scheme + 3);
      return TValue::str(slash == std::string::npos ? "" : url_.substr(slash));
    }
    if (fn == "parseDuration") {
      arity(fn, a, 1);
      try {
        return TValue::num(double(promconfig::parse_duration(need_string(a[0], "parseDuration"))) / 1000.0);
      } catch (const std::exception& e) {
        throw ExecError{"error calling parseDuration: " + std::string(e.what())};
      }
    }
    if (fn == "stripPort" || fn == "stripDomain") {
      arity(fn, a, 1);
      std::string hp = need_string(a[0], fn.c_str()), host, port;
      bool split = split_host_port(hp, &host, &port);
      if (fn == "stripPort") return TValue::str(split ? host : hp);
      if (!split) {
        host = hp;
        port.clear();
      }
      if (looks_like_ip(host)) return TValue::str(hp);
      host = host.substr(0, host.find('.'));
      if (!port.empty()) return TValue::str(host.find(':') != std::string::npos ? "[" + host + "]:" + port
                                                                                : host + ":" + port);
      return TValue::str(host);
    }
    throw ExecError{"function \"" + fn + "\" not defined"};
  }
};

}  // namespace

struct Template::Impl {
  std::string name;
  std::string source;
  std::vector<TNode> nodes;
};

Template::Template(std::string_view name, std::string_view text) : impl_(std::make_unique<Impl>()) {
  impl_->name = std::string(name);
  impl_->source = std::string(text);
  Parser p(impl_->name, impl_->source);
  impl_->nodes = p.parse();
}
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;

std::string Template::execute(const TValue& dot, const TemplateQueryFunc& query, const std::string& url) const {
  Exec e(impl_->name, impl_->source, query, url);
  e.set_root(dot);
  std::string out;
  try {
    e.run(impl_->nodes, dot, &out);
  } catch (const ExecError& err) {
    throw TemplateError("template: " + (err.located ? err.msg : impl_->name + ": executing \"" + impl_->name +
                                                                  "\": " + err.msg));
  }
  return out;
}

TValue alert_template_data(const Labels& labels, const Labels& external_labels, const std::string& external_url,
                           double value) {
  std::map<std::string, TValue> f;
  f["Labels"] = TValue::string_map(labels);
  f["ExternalLabels"] = TValue::string_map(external_labels);
  f["ExternalURL"] = TValue::str(external_url);
  f["Value"] = TValue::num(value);
  return make_struct(std::move(f), "template.tmplData");
}

std::string expand_alert_template(const std::string& rule_name, const std::string& text, const TValue& data,
                                  const TemplateQueryFunc& query, const std::string& external_url) {
  // template.Expander.Expand: a panic or error becomes the error text.
  const std::string name = "__alert_" + rule_name;
  std::unique_ptr<Template> t;
  try {
    t = std::make_unique<Template>(name, std::string(kAlertTemplateDefs) + text);
  } catch (const std::exception& e) {
    return "<error expanding template: error parsing template " + name + ": " + e.what() + ">";
  }
  try {
    return t->execute(data, query, external_url);
  } catch (const std::exception& e) {
    return "<error expanding template: error executing template " + name + ": " + e.what() + ">";
  }
}

}  // namespace observe::rules
