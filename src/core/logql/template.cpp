// Go text/template subset (see template.h).
#include "core/logql/template.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <stdexcept>

#include "core/common/base64.h"
#include "core/common/go_regexp.h"
#include "core/common/go_time.h"
#include "core/logql/lexer.h"
#include "core/promql/strutil.h"

namespace observe::logql {

namespace {

struct Val {
  enum K { kNil, kStr, kInt, kFloat, kBool, kTime } k = kNil;
  std::string s;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  int64_t t = 0;  // ns since epoch (kTime)
  static Val str(std::string v) {
    Val r;
    r.k = kStr;
    r.s = std::move(v);
    return r;
  }
  static Val integer(int64_t v) {
    Val r;
    r.k = kInt;
    r.i = v;
    return r;
  }
  static Val flt(double v) {
    Val r;
    r.k = kFloat;
    r.f = v;
    return r;
  }
  static Val boolean(bool v) {
    Val r;
    r.k = kBool;
    r.b = v;
    return r;
  }
  static Val time(int64_t ns) {
    Val r;
    r.k = kTime;
    r.t = ns;
    return r;
  }
};

struct ExecError {
  std::string msg;
};

// Parses a time in a Go layout (the common numeric elements); false if it does not fit.
bool parse_time(std::string_view layout, std::string_view value, int64_t* ns) {
  struct tm tm = {};
  tm.tm_mday = 1;
  int64_t frac = 0;
  size_t i = 0, j = 0;
  auto starts = [&](const char* p) { return layout.substr(i, std::strlen(p)) == p; };
  auto num = [&](size_t n, int* out) {
    if (j + n > value.size()) return false;
    int v = 0;
    for (size_t k = 0; k < n; k++) {
      if (!std::isdigit(static_cast<unsigned char>(value[j + k]))) return false;
      v = v * 10 + (value[j + k] - '0');
    }
    *out = v;
    j += n;
    return true;
  };
  while (i < layout.size()) {
    int v;
    if (starts("2006")) { if (!num(4, &v)) return false; tm.tm_year = v - 1900; i += 4; }
    else if (starts("01")) { if (!num(2, &v)) return false; tm.tm_mon = v - 1; i += 2; }
    else if (starts("02")) { if (!num(2, &v)) return false; tm.tm_mday = v; i += 2; }
    else if (starts("15")) { if (!num(2, &v)) return false; tm.tm_hour = v; i += 2; }
    else if (starts("04")) { if (!num(2, &v)) return false; tm.tm_min = v; i += 2; }
    else if (starts("05")) { if (!num(2, &v)) return false; tm.tm_sec = v; i += 2; }
    else if (starts(".000") || starts(".999")) {
      size_t n = 1;
      while (i + n < layout.size() && (layout[i + n] == '0' || layout[i + n] == '9')) n++;
      i += n;
      if (j < value.size() && value[j] == '.') {
        j++;
        int64_t f = 0, digits = 0;
        while (j < value.size() && std::isdigit(static_cast<unsigned char>(value[j]))) {
          if (digits < 9) {
            f = f * 10 + (value[j] - '0');
            digits++;
          }
          j++;
        }
        while (digits++ < 9) f *= 10;
        frac = f;
      }
    } else if (starts("Z07:00")) {
      if (j < value.size() && value[j] == 'Z') j++;
      i += 6;
    } else {
      if (j >= value.size() || value[j] != layout[i]) return false;
      i++;
      j++;
    }
  }
  if (j != value.size()) return false;
  *ns = static_cast<int64_t>(timegm(&tm)) * 1000000000 + frac;
  return true;
}

std::string to_string(const Val& v) {
  switch (v.k) {
    case Val::kNil: return "<no value>";
    case Val::kStr: return v.s;
    case Val::kInt: return std::to_string(v.i);
    case Val::kFloat: return promql::go_format_g(v.f);
    case Val::kBool: return v.b ? "true" : "false";
    case Val::kTime: return go_format_time(v.t, "2006-01-02 15:04:05.999999999 -0700 MST");
  }
  return "";
}

bool truthy(const Val& v) {
  switch (v.k) {
    case Val::kNil: return false;
    case Val::kStr: return !v.s.empty();
    case Val::kInt: return v.i != 0;
    case Val::kFloat: return v.f != 0;
    case Val::kBool: return v.b;
    case Val::kTime: return true;
  }
  return false;
}

// cast.ToFloat64 / ToInt64 as sprig uses them: strings are parsed, failures give 0.
double to_float(const Val& v) {
  switch (v.k) {
    case Val::kStr: {
      double d;
      return go_parse_float(v.s, &d) ? d : 0;
    }
    case Val::kInt: return static_cast<double>(v.i);
    case Val::kFloat: return v.f;
    case Val::kBool: return v.b ? 1 : 0;
    default: return 0;
  }
}
int64_t to_int(const Val& v) {
  switch (v.k) {
    case Val::kStr: {
      const std::string& s = v.s;
      size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
      if (i == s.size()) return 0;
      for (size_t k = i; k < s.size(); k++)
        if (!std::isdigit(static_cast<unsigned char>(s[k]))) {
          double d;
          return go_parse_float(s, &d) ? static_cast<int64_t>(d) : 0;
        }
      return std::strtoll(s.c_str(), nullptr, 10);
    }
    case Val::kInt: return v.i;
    case Val::kFloat: return static_cast<int64_t>(v.f);
    case Val::kBool: return v.b ? 1 : 0;
    default: return 0;
  }
}

// Go's fmt verbs %s %d %v %f %g %e %q %x %t with flags and width/precision.
std::string go_sprintf(const std::string& fmt, const std::vector<Val>& args) {
  std::string out;
  size_t ai = 0;
  for (size_t i = 0; i < fmt.size(); i++) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    size_t j = i + 1;
    std::string flags;
    while (j < fmt.size() && std::strchr("+-# 0", fmt[j])) flags += fmt[j++];
    std::string width, prec;
    while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) width += fmt[j++];
    bool has_prec = false;
    if (j < fmt.size() && fmt[j] == '.') {
      has_prec = true;
      j++;
      while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) prec += fmt[j++];
    }
    if (j >= fmt.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = fmt[j];
    i = j;
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (ai >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const Val& a = args[ai++];
    std::string spec = "%" + flags + width + (has_prec ? "." + (prec.empty() ? "0" : prec) : "");
    char buf[512];
    std::string piece;
    switch (verb) {
      case 'd':
        if (a.k == Val::kInt) {
          snprintf(buf, sizeof buf, (spec + "lld").c_str(), static_cast<long long>(a.i));
          piece = buf;
        } else {
          piece = std::string("%!d(") + (a.k == Val::kStr ? "string=" : "") + to_string(a) + ")";
        }
        break;
      case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
        if (a.k == Val::kFloat || a.k == Val::kInt) {
          double d = a.k == Val::kFloat ? a.f : static_cast<double>(a.i);
          if (a.k == Val::kInt) {
            piece = std::string("%!") + verb + "(int=" + std::to_string(a.i) + ")";
          } else if ((verb == 'g' || verb == 'G') && !has_prec) {
            piece = promql::go_format_g(d);
          } else {
            snprintf(buf, sizeof buf, (spec + verb).c_str(), d);
            piece = buf;
          }
        } else {
          piece = std::string("%!") + verb + "(string=" + to_string(a) + ")";
        }
        break;
      case 'q': piece = promql::go_quote(to_string(a)); break;
      case 'x': case 'X': {
        if (a.k == Val::kInt) {
          snprintf(buf, sizeof buf, (spec + (verb == 'x' ? "llx" : "llX")).c_str(), static_cast<long long>(a.i));
          piece = buf;
        } else {
          std::string s = to_string(a);
          for (unsigned char c : s) {
            snprintf(buf, sizeof buf, verb == 'x' ? "%02x" : "%02X", c);
            piece += buf;
          }
        }
        break;
      }
      case 't': piece = to_string(a); break;
      default: {  // s, v
        piece = to_string(a);
        if (has_prec && verb == 's') piece = piece.substr(0, static_cast<size_t>(std::atoi(prec.c_str())));
        size_t w = static_cast<size_t>(std::atoi(width.c_str()));
        if (piece.size() < w) {
          if (flags.find('-') != std::string::npos) piece += std::string(w - piece.size(), ' ');
          else piece = std::string(w - piece.size(), ' ') + piece;
        }
      }
    }
    out += piece;
  }
  if (ai < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = ai; k < args.size(); k++) {
      if (k > ai) out += ", ";
      out += (args[k].k == Val::kStr ? "string=" : args[k].k == Val::kInt ? "int=" : "float64=") + to_string(args[k]);
    }
    out += ")";
  }
  return out;
}

std::string title_case(const std::string& s) {
  std::string r = s;
  bool start = true;
  for (auto& c : r) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      start = true;
    } else {
      if (start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      start = false;
    }
  }
  return r;
}

std::string trim_set(const std::string& s, const std::string& cut, bool left, bool right) {
  size_t b = 0, e = s.size();
  if (left)
    while (b < e && cut.find(s[b]) != std::string::npos) b++;
  if (right)
    while (e > b && cut.find(s[e - 1]) != std::string::npos) e--;
  return s.substr(b, e - b);
}

const char* kSpace = " \t\n\r\v\f";

std::string b64enc(const std::string& in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += tbl[n >> 18]; out += tbl[(n >> 12) & 63]; out += tbl[(n >> 6) & 63]; out += tbl[n & 63];
    i += 3;
  }
  if (i + 1 == in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    out += tbl[n >> 18]; out += tbl[(n >> 12) & 63]; out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += tbl[n >> 18]; out += tbl[(n >> 12) & 63]; out += tbl[(n >> 6) & 63]; out += '=';
  }
  return out;
}

std::string b64dec(const std::string& in) {
  std::string out;
  return base64_decode(in, false, &out) ? out : "illegal base64 data";
}

std::string url_encode(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
             std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else out += s[i];
  }
  return out;
}


// ---- parse tree ----

struct Pipeline;
struct Arg {
  enum K { kField, kDot, kStr, kInt, kFloat, kBool, kNil, kFunc, kPipe } k = kNil;
  std::string s;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::shared_ptr<Pipeline> pipe;
};
struct Command {
  std::vector<Arg> args;
};
struct Pipeline {
  std::vector<Command> cmds;
};
struct TNode {
  enum K { kText, kAction, kIf } k = kText;
  std::string text;
  Pipeline pipe;
  std::vector<TNode> body, else_body;
};

const std::vector<std::string>& function_names() {
  static const std::vector<std::string> names = {
      "__line__", "__timestamp__", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "len", "print", "printf",
      "println", "lower", "upper", "title", "trim", "trimPrefix", "trimSuffix", "trimAll", "replace", "trunc",
      "substr", "contains", "hasPrefix", "hasSuffix", "default", "regexReplaceAll", "regexReplaceAllLiteral",
      "toDate", "toDateInZone", "date", "unixEpoch", "unixEpochMillis", "unixEpochNanos", "unixToTime", "now",
      "duration", "duration_seconds", "bytes", "add", "sub", "mul", "div", "mod", "addf", "subf", "mulf", "divf",
      "int", "float64", "round", "ceil", "floor", "fromJson", "alignLeft", "alignRight", "b64enc", "b64dec",
      "urlencode", "urldecode", "indent", "nindent", "repeat", "count", "max", "min", "maxf", "minf", "ToLower",
      "ToUpper", "Replace", "Trim", "TrimLeft", "TrimRight", "TrimPrefix", "TrimSuffix", "TrimSpace", "html",
      "js", "urlquery", "index", "slice", "call"};
  return names;
}

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src) {}

  std::vector<TNode> parse_all(bool* uses_line) {
    uses_line_ = uses_line;
    std::string end_kw;
    auto nodes = parse_list(&end_kw);
    if (!end_kw.empty()) fail("unexpected {{" + end_kw + "}}");
    return nodes;
  }

 private:
  [[noreturn]] void fail(const std::string& msg) {
    throw std::invalid_argument("template: line_format:" + std::to_string(line_) + ": " + msg);
  }

  // Parses until EOF or an {{else}}/{{end}}, whose keyword goes to *end_kw.
  std::vector<TNode> parse_list(std::string* end_kw) {
    std::vector<TNode> out;
    while (pos_ < src_.size()) {
      size_t open = src_.find("{{", pos_);
      std::string text(src_.substr(pos_, open == std::string_view::npos ? std::string_view::npos : open - pos_));
      if (open == std::string_view::npos) {
        pos_ = src_.size();
        if (!text.empty()) out.push_back(TNode{TNode::kText, text, {}, {}, {}});
        break;
      }
      size_t p = open + 2;
      bool trim_left = p + 1 < src_.size() && src_[p] == '-' && (src_[p + 1] == ' ' || src_[p + 1] == '\t' || src_[p + 1] == '\n');
      if (trim_left) {
        size_t e = text.size();
        while (e > 0 && std::strchr(kSpace, text[e - 1])) e--;
        text.resize(e);
        p += 1;
      }
      if (!text.empty()) out.push_back(TNode{TNode::kText, text, {}, {}, {}});
      for (char c : src_.substr(pos_, open - pos_))
        if (c == '\n') line_++;
      // Find the closing }}, outside strings.
      size_t q = p;
      char quote = 0;
      size_t close = std::string_view::npos;
      while (q + 1 < src_.size() || (q < src_.size() && quote)) {
        char c = src_[q];
        if (quote) {
          if (c == '\\' && quote == '"') q++;
          else if (c == quote) quote = 0;
        } else if (c == '"' || c == '`' || c == '\'') {
          quote = c;
        } else if (c == '}' && q + 1 < src_.size() && src_[q + 1] == '}') {
          close = q;
          break;
        }
        q++;
      }
      if (close == std::string_view::npos) fail("unclosed action");
      size_t inner_end = close;
      bool trim_right = close >= 2 && src_[close - 1] == '-' && std::strchr(kSpace, src_[close - 2]);
      if (trim_right) inner_end = close - 1;
      std::string inner(src_.substr(p, inner_end - p));
      pos_ = close + 2;
      if (trim_right)
        while (pos_ < src_.size() && std::strchr(kSpace, src_[pos_])) pos_++;
      // Comment.
      std::string trimmed = trim_set(inner, kSpace, true, true);
      if (trimmed.rfind("/*", 0) == 0) {
        if (trimmed.size() < 4 || trimmed.substr(trimmed.size() - 2) != "*/") fail("unclosed comment");
        continue;
      }
      toks_ = tokenize(inner);
      ti_ = 0;
      if (toks_.empty()) fail("missing value for command");
      const std::string& kw = toks_[0].text;
      if (toks_[0].kind == 'i' && (kw == "end" || kw == "else")) {
        *end_kw = kw;
        if (kw == "else" && toks_.size() > 1) {
          // {{else if ...}}: parse the condition here, the caller builds the chain.
          ti_ = 1;
          else_if_ = true;
        }
        return out;
      }
      if (toks_[0].kind == 'i' && kw == "if") {
        ti_ = 1;
        TNode node;
        node.k = TNode::kIf;
        node.pipe = parse_pipeline();
        parse_if_rest(&node);
        out.push_back(std::move(node));
        continue;
      }
      if (toks_[0].kind == 'i' && (kw == "range" || kw == "with" || kw == "define" || kw == "template" || kw == "block"))
        fail("unsupported action " + kw);
      TNode node;
      node.k = TNode::kAction;
      node.pipe = parse_pipeline();
      out.push_back(std::move(node));
    }
    return out;
  }

  void parse_if_rest(TNode* node) {
    std::string end_kw;
    node->body = parse_list(&end_kw);
    if (end_kw.empty()) fail("unexpected EOF");
    if (end_kw == "else") {
      if (else_if_) {
        else_if_ = false;
        if (toks_[ti_].kind != 'i' || toks_[ti_].text != "if") fail("unexpected token after else");
        ti_++;
        TNode inner;
        inner.k = TNode::kIf;
        inner.pipe = parse_pipeline();
        parse_if_rest(&inner);
        node->else_body.push_back(std::move(inner));
        return;
      }
      std::string end2;
      node->else_body = parse_list(&end2);
      if (end2 != "end") fail("expected end; found " + (end2.empty() ? std::string("EOF") : end2));
    }
  }

  struct TTok {
    char kind;  // 'f' field, '.' dot, 's' string, 'n' number, 'i' ident, '(' ')' '|'
    std::string text;
  };

  std::vector<TTok> tokenize(const std::string& s) {
    std::vector<TTok> out;
    size_t i = 0;
    while (i < s.size()) {
      char c = s[i];
      if (std::strchr(kSpace, c)) {
        i++;
        continue;
      }
      if (c == '(' || c == ')' || c == '|') {
        out.push_back({c, std::string(1, c)});
        i++;
        continue;
      }
      if (c == '.') {
        size_t j = i + 1;
        while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) j++;
        if (j == i + 1) out.push_back({'.', "."});
        else out.push_back({'f', s.substr(i + 1, j - i - 1)});
        i = j;
        continue;
      }
      if (c == '"' || c == '`') {
        std::string quoted;
        size_t j = i + 1;
        std::string v;
        if (c == '`') {
          while (j < s.size() && s[j] != '`') v += s[j++];
          if (j >= s.size()) fail("unterminated raw quoted string");
          j++;
        } else {
          // Reuse the LogQL lexer's Go unquoting.
          while (j < s.size() && s[j] != '"') {
            if (s[j] == '\\') j++;
            j++;
          }
          if (j >= s.size()) fail("unterminated quoted string");
          j++;
          try {
            auto toks = lex(s.substr(i, j - i));
            v = toks[0].text;
          } catch (const std::exception&) {
            fail("invalid syntax");
          }
        }
        out.push_back({'s', v});
        i = j;
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c)) || ((c == '-' || c == '+') && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
        size_t j = i + 1;
        while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
                                ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E'))))
          j++;
        out.push_back({'n', s.substr(i, j - i)});
        i = j;
        continue;
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) j++;
        out.push_back({'i', s.substr(i, j - i)});
        i = j;
        continue;
      }
      if (c == '$') fail("variables are not supported");
      fail(std::string("unexpected \"") + c + "\" in command");
    }
    return out;
  }

  Pipeline parse_pipeline() {
    Pipeline p;
    while (true) {
      Command cmd;
      while (ti_ < toks_.size() && toks_[ti_].kind != '|' && toks_[ti_].kind != ')') cmd.args.push_back(parse_operand());
      if (cmd.args.empty()) fail("missing value for command");
      p.cmds.push_back(std::move(cmd));
      if (ti_ < toks_.size() && toks_[ti_].kind == '|') {
        ti_++;
        continue;
      }
      break;
    }
    return p;
  }

  Arg parse_operand() {
    const TTok& t = toks_[ti_++];
    Arg a;
    switch (t.kind) {
      case 'f': a.k = Arg::kField; a.s = t.text; return a;
      case '.': a.k = Arg::kDot; return a;
      case 's': a.k = Arg::kStr; a.s = t.text; return a;
      case 'n': {
        bool is_int = t.text.find_first_of(".eEpP") == std::string::npos || (t.text.find("0x") != std::string::npos && t.text.find_first_of("pP") == std::string::npos);
        if (is_int) {
          a.k = Arg::kInt;
          a.i = std::strtoll(t.text.c_str(), nullptr, 0);
        } else {
          a.k = Arg::kFloat;
          if (!go_parse_float(t.text, &a.f)) fail("illegal number syntax: " + t.text);
        }
        return a;
      }
      case '(': {
        a.k = Arg::kPipe;
        a.pipe = std::make_shared<Pipeline>(parse_pipeline());
        if (ti_ >= toks_.size() || toks_[ti_].kind != ')') fail("unclosed left paren");
        ti_++;
        return a;
      }
      case 'i': {
        if (t.text == "true" || t.text == "false") {
          a.k = Arg::kBool;
          a.b = t.text == "true";
          return a;
        }
        if (t.text == "nil") {
          a.k = Arg::kNil;
          return a;
        }
        const auto& names = function_names();
        if (std::find(names.begin(), names.end(), t.text) == names.end())
          fail("function \"" + t.text + "\" not defined");
        if (t.text == "__line__" || t.text == "__timestamp__") *uses_line_ = true;
        a.k = Arg::kFunc;
        a.s = t.text;
        return a;
      }
      default: fail("unexpected " + t.text + " in operand");
    }
  }

  std::string_view src_;
  size_t pos_ = 0;
  int line_ = 1;
  std::vector<TTok> toks_;
  size_t ti_ = 0;
  bool else_if_ = false;
  bool* uses_line_ = nullptr;
};

// ---- execution ----

class Exec {
 public:
  explicit Exec(const TemplateContext& ctx) : ctx_(ctx) {}

  void run(const std::vector<TNode>& nodes, std::string* out) {
    for (auto& n : nodes) {
      switch (n.k) {
        case TNode::kText: *out += n.text; break;
        case TNode::kAction: {
          Val v = pipeline(n.pipe);
          *out += to_string(v);
          break;
        }
        case TNode::kIf:
          if (truthy(pipeline(n.pipe))) run(n.body, out);
          else run(n.else_body, out);
          break;
      }
    }
  }

 private:
  Val pipeline(const Pipeline& p) {
    Val v;
    bool has = false;
    for (auto& c : p.cmds) {
      v = command(c, has ? &v : nullptr);
      has = true;
    }
    return v;
  }

  Val operand(const Arg& a) {
    switch (a.k) {
      case Arg::kField: {
        std::string s;
        ctx_.label(a.s, &s);
        return Val::str(s);
      }
      case Arg::kDot: return Val::str("map[...]");
      case Arg::kStr: return Val::str(a.s);
      case Arg::kInt: return Val::integer(a.i);
      case Arg::kFloat: return Val::flt(a.f);
      case Arg::kBool: return Val::boolean(a.b);
      case Arg::kNil: return Val();
      case Arg::kPipe: return pipeline(*a.pipe);
      case Arg::kFunc: return call(a.s, {});
    }
    return Val();
  }

  Val command(const Command& c, const Val* piped) {
    const Arg& head = c.args[0];
    if (head.k != Arg::kFunc) {
      if (c.args.size() > 1 || piped) throw ExecError{"can't give argument to non-function"};
      return operand(head);
    }
    std::vector<Val> args;
    // and/or evaluate lazily in Go; eager evaluation gives the same values here.
    for (size_t i = 1; i < c.args.size(); i++) args.push_back(operand(c.args[i]));
    if (piped) args.push_back(*piped);
    return call(head.s, args);
  }

  static void need(const std::string& fn, const std::vector<Val>& a, size_t n) {
    if (a.size() != n)
      throw ExecError{"wrong number of args for " + fn + ": want " + std::to_string(n) + " got " + std::to_string(a.size())};
  }

  static std::string S(const Val& v) { return to_string(v); }

  static bool equal(const Val& a, const Val& b) {
    if (a.k == Val::kStr && b.k == Val::kStr) return a.s == b.s;
    if ((a.k == Val::kInt || a.k == Val::kFloat) && (b.k == Val::kInt || b.k == Val::kFloat)) {
      if (a.k != b.k) throw ExecError{"incompatible types for comparison"};
      return a.k == Val::kInt ? a.i == b.i : a.f == b.f;
    }
    if (a.k == Val::kBool && b.k == Val::kBool) return a.b == b.b;
    if (a.k == Val::kNil || b.k == Val::kNil) throw ExecError{"invalid type for comparison"};
    throw ExecError{"incompatible types for comparison"};
  }
  static int compare(const Val& a, const Val& b) {
    if (a.k == Val::kStr && b.k == Val::kStr) return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
    if (a.k == Val::kInt && b.k == Val::kInt) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    if (a.k == Val::kFloat && b.k == Val::kFloat) return a.f < b.f ? -1 : a.f > b.f ? 1 : 0;
    throw ExecError{"incompatible types for comparison"};
  }

  Val call(const std::string& fn, const std::vector<Val>& a) {
    if (fn == "__line__") return Val::str(std::string(ctx_.line));
    if (fn == "__timestamp__") return Val::time(ctx_.ts_ns);
    if (fn == "eq") {
      if (a.size() < 2) throw ExecError{"missing argument for comparison"};
      for (size_t i = 1; i < a.size(); i++)
        if (equal(a[0], a[i])) return Val::boolean(true);
      return Val::boolean(false);
    }
    if (fn == "ne") { need(fn, a, 2); return Val::boolean(!equal(a[0], a[1])); }
    if (fn == "lt") { need(fn, a, 2); return Val::boolean(compare(a[0], a[1]) < 0); }
    if (fn == "le") { need(fn, a, 2); return Val::boolean(compare(a[0], a[1]) <= 0); }
    if (fn == "gt") { need(fn, a, 2); return Val::boolean(compare(a[0], a[1]) > 0); }
    if (fn == "ge") { need(fn, a, 2); return Val::boolean(compare(a[0], a[1]) >= 0); }
    if (fn == "and") {
      if (a.empty()) throw ExecError{"wrong number of args for and"};
      for (auto& v : a) if (!truthy(v)) return v;
      return a.back();
    }
    if (fn == "or") {
      if (a.empty()) throw ExecError{"wrong number of args for or"};
      for (auto& v : a) if (truthy(v)) return v;
      return a.back();
    }
    if (fn == "not") { need(fn, a, 1); return Val::boolean(!truthy(a[0])); }
    if (fn == "len") { need(fn, a, 1); return Val::integer(static_cast<int64_t>(S(a[0]).size())); }
    if (fn == "print" || fn == "println") {
      std::string s;
      for (size_t i = 0; i < a.size(); i++) {
        if (i > 0 && (fn == "println" || (a[i].k != Val::kStr && a[i - 1].k != Val::kStr))) s += ' ';
        s += S(a[i]);
      }
      if (fn == "println") s += '\n';
      return Val::str(s);
    }
    if (fn == "printf") {
      if (a.empty()) throw ExecError{"wrong number of args for printf"};
      return Val::str(go_sprintf(S(a[0]), std::vector<Val>(a.begin() + 1, a.end())));
    }
    auto str1 = [&](auto f) {
      need(fn, a, 1);
      return Val::str(f(S(a[0])));
    };
    if (fn == "lower" || fn == "ToLower") return str1([](std::string s) { for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c))); return s; });
    if (fn == "upper" || fn == "ToUpper") return str1([](std::string s) { for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c))); return s; });
    if (fn == "title") return str1(title_case);
    if (fn == "trim" || fn == "TrimSpace") return str1([](const std::string& s) { return trim_set(s, kSpace, true, true); });
    if (fn == "trimAll") { need(fn, a, 2); return Val::str(trim_set(S(a[1]), S(a[0]), true, true)); }
    if (fn == "Trim") { need(fn, a, 2); return Val::str(trim_set(S(a[0]), S(a[1]), true, true)); }
    if (fn == "TrimLeft") { need(fn, a, 2); return Val::str(trim_set(S(a[0]), S(a[1]), true, false)); }
    if (fn == "TrimRight") { need(fn, a, 2); return Val::str(trim_set(S(a[0]), S(a[1]), false, true)); }
    auto trim_prefix = [](const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0 ? s.substr(p.size()) : s; };
    auto trim_suffix = [](const std::string& s, const std::string& p) {
      return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0 ? s.substr(0, s.size() - p.size()) : s;
    };
    if (fn == "trimPrefix") { need(fn, a, 2); return Val::str(trim_prefix(S(a[1]), S(a[0]))); }
    if (fn == "trimSuffix") { need(fn, a, 2); return Val::str(trim_suffix(S(a[1]), S(a[0]))); }
    if (fn == "TrimPrefix") { need(fn, a, 2); return Val::str(trim_prefix(S(a[0]), S(a[1]))); }
    if (fn == "TrimSuffix") { need(fn, a, 2); return Val::str(trim_suffix(S(a[0]), S(a[1]))); }
    auto replace_all = [](std::string s, const std::string& from, const std::string& to, int64_t n) {
      if (from.empty()) return s;
      std::string out;
      size_t pos = 0;
      int64_t done = 0;
      while (n < 0 || done < n) {
        size_t f = s.find(from, pos);
        if (f == std::string::npos) break;
        out += s.substr(pos, f - pos) + to;
        pos = f + from.size();
        done++;
      }
      return out + s.substr(pos);
    };
    if (fn == "replace") { need(fn, a, 3); return Val::str(replace_all(S(a[2]), S(a[0]), S(a[1]), -1)); }
    if (fn == "Replace") { need(fn, a, 4); return Val::str(replace_all(S(a[0]), S(a[1]), S(a[2]), to_int(a[3]))); }
    if (fn == "trunc") {
      need(fn, a, 2);
      int64_t n = to_int(a[0]);
      std::string s = S(a[1]);
      if (n < 0) return Val::str(static_cast<int64_t>(s.size()) + n > 0 ? s.substr(s.size() - static_cast<size_t>(-n)) : s);
      return Val::str(s.size() > static_cast<size_t>(n) ? s.substr(0, static_cast<size_t>(n)) : s);
    }
    if (fn == "substr") {
      need(fn, a, 3);
      int64_t start = to_int(a[0]), end = to_int(a[1]);
      std::string s = S(a[2]);
      int64_t len = static_cast<int64_t>(s.size());
      if (start < 0) return Val::str(s.substr(0, static_cast<size_t>(std::min(std::max<int64_t>(end, 0), len))));
      if (end < 0 || end > len) return Val::str(start < len ? s.substr(static_cast<size_t>(start)) : "");
      if (start > end) return Val::str("");
      return Val::str(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start)));
    }
    if (fn == "contains") { need(fn, a, 2); return Val::boolean(S(a[1]).find(S(a[0])) != std::string::npos); }
    if (fn == "hasPrefix") { need(fn, a, 2); return Val::boolean(S(a[1]).rfind(S(a[0]), 0) == 0); }
    if (fn == "hasSuffix") {
      need(fn, a, 2);
      std::string s = S(a[1]), p = S(a[0]);
      return Val::boolean(s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0);
    }
    if (fn == "default") {
      if (a.size() == 1) return a[0];
      need(fn, a, 2);
      return truthy(a[1]) ? a[1] : a[0];
    }
    if (fn == "regexReplaceAll" || fn == "regexReplaceAllLiteral") {
      need(fn, a, 3);
      RE2 re(S(a[0]), RE2::Quiet);
      if (!re.ok()) throw ExecError{"error parsing regexp: " + re.error()};
      return Val::str(go_replace_all(re, S(a[1]), S(a[2]), fn == "regexReplaceAllLiteral"));
    }
    if (fn == "toDate" || fn == "toDateInZone") {
      if (a.size() < 2) throw ExecError{"wrong number of args for " + fn};
      int64_t ns = 0;
      if (!parse_time(S(a[0]), S(a.back()), &ns)) return Val::time(0);
      return Val::time(ns);
    }
    if (fn == "date") {
      need(fn, a, 2);
      int64_t ns = a[1].k == Val::kTime ? a[1].t : a[1].k == Val::kInt ? a[1].i * 1000000000 : 0;
      return Val::str(go_format_time(ns, S(a[0])));
    }
    if (fn == "unixEpoch" || fn == "unixEpochMillis" || fn == "unixEpochNanos") {
      need(fn, a, 1);
      int64_t ns = a[0].t;
      int64_t div = fn == "unixEpoch" ? 1000000000 : fn == "unixEpochMillis" ? 1000000 : 1;
      int64_t q = ns / div;
      if (ns % div != 0 && ns < 0) q--;
      return Val::str(std::to_string(q));
    }
    if (fn == "unixToTime") {
      need(fn, a, 1);
      std::string s = S(a[0]);
      int64_t v = std::strtoll(s.c_str(), nullptr, 10);
      int64_t ns = s.size() <= 10 ? v * 1000000000 : s.size() <= 13 ? v * 1000000 : s.size() <= 16 ? v * 1000 : v;
      return Val::time(ns);
    }
    if (fn == "now") return Val::time(static_cast<int64_t>(std::time(nullptr)) * 1000000000);
    if (fn == "duration" || fn == "duration_seconds") {
      need(fn, a, 1);
      int64_t ns;
      std::string e;
      if (!go_parse_duration(S(a[0]), &ns, &e)) throw ExecError{e};
      return Val::flt(static_cast<double>(ns) / 1e9);
    }
    if (fn == "bytes") {
      need(fn, a, 1);
      double b;
      if (!parse_bytes(S(a[0]), &b)) throw ExecError{"strconv.ParseFloat: parsing " + promql::go_quote(S(a[0])) + ": invalid syntax"};
      return Val::flt(b);
    }
    if (fn == "add" || fn == "mul") {
      int64_t r = fn == "add" ? 0 : 1;
      for (auto& v : a) r = fn == "add" ? r + to_int(v) : r * to_int(v);
      return Val::integer(r);
    }
    if (fn == "sub") { need(fn, a, 2); return Val::integer(to_int(a[0]) - to_int(a[1])); }
    if (fn == "div") {
      need(fn, a, 2);
      if (to_int(a[1]) == 0) throw ExecError{"runtime error: integer divide by zero"};
      return Val::integer(to_int(a[0]) / to_int(a[1]));
    }
    if (fn == "mod") {
      need(fn, a, 2);
      if (to_int(a[1]) == 0) throw ExecError{"runtime error: integer divide by zero"};
      return Val::integer(to_int(a[0]) % to_int(a[1]));
    }
    if (fn == "addf" || fn == "mulf") {
      double r = fn == "addf" ? 0 : 1;
      for (auto& v : a) r = fn == "addf" ? r + to_float(v) : r * to_float(v);
      return Val::flt(r);
    }
    if (fn == "subf" || fn == "divf") {
      if (a.empty()) throw ExecError{"wrong number of args for " + fn};
      double r = to_float(a[0]);
      for (size_t i = 1; i < a.size(); i++) r = fn == "subf" ? r - to_float(a[i]) : r / to_float(a[i]);
      return Val::flt(r);
    }
    if (fn == "max" || fn == "min") {
      if (a.empty()) throw ExecError{"wrong number of args for " + fn};
      int64_t r = to_int(a[0]);
      for (auto& v : a) r = fn == "max" ? std::max(r, to_int(v)) : std::min(r, to_int(v));
      return Val::integer(r);
    }
    if (fn == "maxf" || fn == "minf") {
      if (a.empty()) throw ExecError{"wrong number of args for " + fn};
      double r = to_float(a[0]);
      for (auto& v : a) r = fn == "maxf" ? std::max(r, to_float(v)) : std::min(r, to_float(v));
      return Val::flt(r);
    }
    if (fn == "int") { need(fn, a, 1); return Val::integer(to_int(a[0])); }
    if (fn == "float64") { need(fn, a, 1); return Val::flt(to_float(a[0])); }
    if (fn == "round") {
      if (a.size() < 2) throw ExecError{"wrong number of args for round"};
      double v = to_float(a[0]);
      double p = std::pow(10, static_cast<double>(to_int(a[1])));
      double rv = a.size() > 2 ? to_float(a[2]) : 0.5;
      double d = v * p;
      double ip = std::trunc(d);
      double frac = std::fabs(d - ip);
      if (frac >= rv) ip += d < 0 ? -1 : 1;
      return Val::flt(ip / p);
    }
    if (fn == "ceil") { need(fn, a, 1); return Val::flt(std::ceil(to_float(a[0]))); }
    if (fn == "floor") { need(fn, a, 1); return Val::flt(std::floor(to_float(a[0]))); }
    if (fn == "alignLeft" || fn == "alignRight") {
      need(fn, a, 2);
      int64_t n = to_int(a[0]);
      std::string s = S(a[1]);
      if (n < 0) throw ExecError{"invalid count"};
      size_t w = static_cast<size_t>(n);
      if (s.size() >= w) return Val::str(fn == "alignLeft" ? s.substr(0, w) : s.substr(s.size() - w));
      return Val::str(fn == "alignLeft" ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s);
    }
    if (fn == "b64enc") return str1(b64enc);
    if (fn == "b64dec") return str1(b64dec);
    if (fn == "urlencode" || fn == "urlquery") return str1(url_encode);
    if (fn == "urldecode") return str1(url_decode);
    if (fn == "indent" || fn == "nindent") {
      need(fn, a, 2);
      std::string pad(static_cast<size_t>(std::max<int64_t>(0, to_int(a[0]))), ' ');
      std::string s = pad + replace_all(S(a[1]), "\n", "\n" + pad, -1);
      return Val::str(fn == "nindent" ? "\n" + s : s);
    }
    if (fn == "repeat") {
      need(fn, a, 2);
      std::string r, s = S(a[1]);
      for (int64_t i = 0; i < to_int(a[0]); i++) r += s;
      return Val::str(r);
    }
    if (fn == "count") {
      need(fn, a, 2);
      RE2 re(S(a[0]), RE2::Quiet);
      if (!re.ok()) throw ExecError{"error parsing regexp: " + re.error()};
      re2::StringPiece in(S(a[1]));
      std::string s = S(a[1]);
      re2::StringPiece sp(s);
      int64_t n = 0;
      while (RE2::FindAndConsume(&sp, re)) {
        n++;
        if (sp.empty()) break;
      }
      return Val::integer(n);
    }
    if (fn == "fromJson") throw ExecError{"fromJson is not supported"};
    if (fn == "html" || fn == "js" || fn == "index" || fn == "slice" || fn == "call") throw ExecError{fn + " is not supported"};
    throw ExecError{"function \"" + fn + "\" not defined"};
  }

  const TemplateContext& ctx_;
};

}  // namespace

struct Template::Impl {
  std::vector<TNode> nodes;
};

Template::Template(std::string_view text) : impl_(std::make_unique<Impl>()) {
  Parser p(text);
  impl_->nodes = p.parse_all(&uses_line_);
}

Template::~Template() = default;

bool Template::render(const TemplateContext& ctx, std::string* out, std::string* err) const {
  out->clear();
  try {
    Exec ex(ctx);
    ex.run(impl_->nodes, out);
    return true;
  } catch (const ExecError& e) {
    *err = "template: line_format:1: " + e.msg;
    return false;
  }
}

}  // namespace observe::logql
