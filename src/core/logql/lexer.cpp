// LogQL lexer: Loki's lex.go behaviour on top of Go's text/scanner conventions.
#include "core/logql/lexer.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/common/error.h"
#include "core/promql/strutil.h"

namespace observe::logql {

using promql::go_quote;

const char* token_name(Tok t) {
  switch (t) {
    case Tok::kEOF: return "$end";
    case Tok::kIdent: return "IDENTIFIER";
    case Tok::kNumber: return "NUMBER";
    case Tok::kDuration: return "DURATION";
    case Tok::kBytes: return "BYTES";
    case Tok::kString: return "STRING";
    case Tok::kRange: return "RANGE";
    case Tok::kLBrace: return "{";
    case Tok::kRBrace: return "}";
    case Tok::kLParen: return "(";
    case Tok::kRParen: return ")";
    case Tok::kComma: return ",";
    case Tok::kDot: return ".";
    case Tok::kEq: return "=";
    case Tok::kNeq: return "!=";
    case Tok::kRe: return "=~";
    case Tok::kNre: return "!~";
    case Tok::kPipeExact: return "|=";
    case Tok::kPipeMatch: return "|~";
    case Tok::kPipePattern: return "|>";
    case Tok::kNotPattern: return "!>";
    case Tok::kPipe: return "|";
    case Tok::kEqlC: return "==";
    case Tok::kGt: return ">";
    case Tok::kGte: return ">=";
    case Tok::kLt: return "<";
    case Tok::kLte: return "<=";
    case Tok::kAdd: return "+";
    case Tok::kSub: return "-";
    case Tok::kMul: return "*";
    case Tok::kDiv: return "/";
    case Tok::kMod: return "%";
    case Tok::kPow: return "^";
  }
  return "?";
}

void syntax_error(std::string_view input, int pos, const std::string& msg) {
  int line = 1, col = 1;
  for (int i = 0; i < pos && i < static_cast<int>(input.size()); i++) {
    if (input[static_cast<size_t>(i)] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  throw SyntaxError("parse error at line " + std::to_string(line) + ", col " + std::to_string(col) + ": " + msg, pos);
}

namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0 || i + static_cast<size_t>(n) >= s.size() + (n == 0 ? 1 : 0)) {
      if (n != 0) return false;
    }
    for (int k = 1; k <= n; k++)
      if ((static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0xC0) != 0x80) return false;
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_duration_rune(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || std::strchr("nsuµmhdwy", c) != nullptr ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

bool go_parse_float(std::string_view s, double* v) {
  if (s.empty()) return false;
  std::string t(s);
  size_t i = 0;
  if (t[0] == '+' || t[0] == '-') i = 1;
  if (i >= t.size()) return false;
  std::string body = t.substr(i);
  std::string low;
  for (char c : body) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (low == "inf" || low == "infinity") {
    *v = t[0] == '-' ? -INFINITY : INFINITY;
    return true;
  }
  if (low == "nan") {
    *v = NAN;
    return true;
  }
  bool hex = low.size() > 1 && low[0] == '0' && low[1] == 'x';
  for (size_t k = 0; k < low.size(); k++) {
    char c = low[k];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') continue;
    if (hex && (k == 1 || (c >= 'a' && c <= 'f') || c == 'p' || ((c == '+' || c == '-') && low[k - 1] == 'p'))) continue;
    if (!hex && (c == 'e' || ((c == '+' || c == '-') && low[k - 1] == 'e'))) continue;
    return false;
  }
  if (hex && low.find('p') == std::string::npos) return false;
  char* end = nullptr;
  *v = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size();
}

bool go_parse_duration(std::string_view orig, int64_t* ns, std::string* err) {
  std::string quoted = go_quote(std::string(orig));
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *ns = 0;
    return true;
  }
  if (s.empty()) {
    *err = "time: invalid duration " + quoted;
    return false;
  }
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    if (!(s[0] == '.' || std::isdigit(static_cast<unsigned char>(s[0])))) {
      *err = "time: invalid duration " + quoted;
      return false;
    }
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) i++;
    size_t int_end = i;
    bool frac = false;
    if (i < s.size() && s[i] == '.') {
      frac = true;
      i++;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) i++;
    }
    if (int_end == 0 && (!frac || i == 1)) {
      *err = "time: invalid duration " + quoted;
      return false;
    }
    double num = std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
    size_t u = i;
    while (u < s.size() && s[u] != '.' && !std::isdigit(static_cast<unsigned char>(s[u]))) u++;
    if (u == i) {
      *err = "time: missing unit in duration " + quoted;
      return false;
    }
    std::string_view unit = s.substr(i, u - i);
    double mult;
    if (unit == "ns") mult = 1;
    else if (unit == "us" || unit == "µs" || unit == "μs") mult = 1e3;
    else if (unit == "ms") mult = 1e6;
    else if (unit == "s") mult = 1e9;
    else if (unit == "m") mult = 60e9;
    else if (unit == "h") mult = 3600e9;
    else {
      *err = "time: unknown unit " + go_quote(std::string(unit)) + " in duration " + quoted;
      return false;
    }
    total += num * mult;
    s.remove_prefix(u);
  }
  if (total > 9.223372036854775807e18) {
    *err = "time: invalid duration " + quoted;
    return false;
  }
  *ns = static_cast<int64_t>(std::llround(neg ? -total : total));
  return true;
}

bool prom_parse_duration(std::string_view s, int64_t* ns) {
  if (s.empty()) return false;
  if (s == "0") {
    *ns = 0;
    return true;
  }
  static const struct {
    const char* unit;
    int64_t ms;
  } units[] = {{"y", 365LL * 86400000}, {"w", 7LL * 86400000}, {"d", 86400000}, {"h", 3600000},
               {"m", 60000},           {"s", 1000},             {"ms", 1}};
  size_t next_unit = 0;
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) j++;
    if (j == i) return false;
    int64_t num = std::strtoll(std::string(s.substr(i, j - i)).c_str(), nullptr, 10);
    size_t k = j;
    while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) k++;
    std::string_view unit = s.substr(j, k - j);
    size_t u = next_unit;
    while (u < 7 && unit != units[u].unit) u++;
    if (u == 7) return false;
    next_unit = u + 1;
    int64_t part;
    if (j - i > 18 || __builtin_mul_overflow(num, units[u].ms, &part) || __builtin_add_overflow(total, part, &total))
      return false;  // Prometheus: "duration out of range"
    i = k;
  }
  if (__builtin_mul_overflow(total, int64_t{1000000}, ns)) return false;
  return true;
}

bool parse_bytes(std::string_view s, double* bytes, std::string* error) {
  size_t last = 0;
  std::string num;
  while (last < s.size() && (std::isdigit(static_cast<unsigned char>(s[last])) || s[last] == '.' || s[last] == ',')) {
    if (s[last] != ',') num += s[last];
    last++;
  }
  double f;
  if (!go_parse_float(num, &f)) {
    if (error) *error = "strconv.ParseFloat: parsing " + go_quote(num) + ": invalid syntax";
    return false;
  }
  std::string unit;
  std::string_view rest = s.substr(last);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back()))) rest.remove_suffix(1);
  for (char c : rest) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const struct {
    const char* u;
    double m;
  } table[] = {{"", 1},         {"b", 1},          {"kib", 1024.0},   {"ki", 1024.0},   {"kb", 1e3},
               {"k", 1e3},      {"mib", 1048576.0}, {"mi", 1048576.0}, {"mb", 1e6},      {"m", 1e6},
               {"gib", 1073741824.0}, {"gi", 1073741824.0}, {"gb", 1e9}, {"g", 1e9},
               {"tib", 1099511627776.0}, {"ti", 1099511627776.0}, {"tb", 1e12}, {"t", 1e12},
               {"pib", 1125899906842624.0}, {"pi", 1125899906842624.0}, {"pb", 1e15}, {"p", 1e15},
               {"eib", 1152921504606846976.0}, {"ei", 1152921504606846976.0}, {"eb", 1e18}, {"e", 1e18}};
  for (auto& t : table) {
    if (unit == t.u) {
      double v = f * t.m;
      if (v >= 18446744073709551616.0) {
        if (error) *error = "too large: " + std::string(s);
        return false;
      }
      *bytes = std::floor(v);
      return true;
    }
  }
  if (error) *error = "unhandled size name: " + unit;
  return false;
}

std::vector<Token> lex(std::string_view in) {
  std::vector<Token> out;
  size_t i = 0;
  const int n = static_cast<int>(in.size());
  auto err = [&](size_t pos, const std::string& msg) { syntax_error(in, static_cast<int>(pos), msg); };
  while (i < in.size()) {
    char c = in[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      i++;
      continue;
    }
    if (c == '#') {
      while (i < in.size() && in[i] != '\n') i++;
      continue;
    }
    Token t;
    t.pos = static_cast<int>(i);
    auto two = [&](char a, char b) { return c == a && i + 1 < in.size() && in[i + 1] == b; };
    if (c == '"' || c == '`') {
      size_t j = i + 1;
      std::string v;
      if (c == '`') {
        while (j < in.size() && in[j] != '`') v += in[j++];
        if (j >= in.size()) err(i, "literal not terminated");
        j++;
      } else {
        bool closed = false;
        while (j < in.size()) {
          char d = in[j];
          if (d == '\n') break;
          if (d == '"') {
            closed = true;
            j++;
            break;
          }
          if (d != '\\') {
            v += d;
            j++;
            continue;
          }
          if (j + 1 >= in.size()) break;
          char e = in[j + 1];
          j += 2;
          switch (e) {
            case 'a': v += '\a'; break;
            case 'b': v += '\b'; break;
            case 'f': v += '\f'; break;
            case 'n': v += '\n'; break;
            case 'r': v += '\r'; break;
            case 't': v += '\t'; break;
            case 'v': v += '\v'; break;
            case '\\': v += '\\'; break;
            case '"': v += '"'; break;
            case '\'': err(j - 2, "invalid syntax"); break;
            case 'x': {
              if (j + 2 > in.size() || hexval(in[j]) < 0 || hexval(in[j + 1]) < 0) err(j - 2, "invalid syntax");
              v += static_cast<char>(hexval(in[j]) * 16 + hexval(in[j + 1]));
              j += 2;
              break;
            }
            case 'u':
            case 'U': {
              size_t len = e == 'u' ? 4 : 8;
              uint32_t cp = 0;
              for (size_t k = 0; k < len; k++) {
                if (j + k >= in.size() || hexval(in[j + k]) < 0) err(j - 2, "invalid syntax");
                cp = cp * 16 + static_cast<uint32_t>(hexval(in[j + k]));
              }
              if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) err(j - 2, "invalid syntax");
              append_utf8(&v, cp);
              j += len;
              break;
            }
            default:
              if (e >= '0' && e <= '7') {
                if (j + 2 > in.size()) err(j - 2, "invalid syntax");
                int val = (e - '0') * 64 + (in[j] - '0') * 8 + (in[j + 1] - '0');
                if (in[j] < '0' || in[j] > '7' || in[j + 1] < '0' || in[j + 1] > '7' || val > 255) err(j - 2, "invalid syntax");
                v += static_cast<char>(val);
                j += 2;
              } else {
                err(j - 2, "invalid syntax");
              }
          }
        }
        if (!closed) err(i, "literal not terminated");
      }
      if (!valid_utf8(in.substr(i, j - i))) err(i, "invalid UTF-8 encoding");
      t.kind = Tok::kString;
      t.text = std::move(v);
      t.end = static_cast<int>(j);
      i = j;
      out.push_back(std::move(t));
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < in.size() && std::isdigit(static_cast<unsigned char>(in[i + 1])))) {
      size_t j = i;
      if (c == '0' && j + 1 < in.size() && std::strchr("xXoObB", in[j + 1])) {
        bool hexp = in[j + 1] == 'x' || in[j + 1] == 'X';
        j += 2;
        while (j < in.size() && (std::isxdigit(static_cast<unsigned char>(in[j])) || in[j] == '.' || in[j] == '_')) j++;
        if (hexp && j < in.size() && (in[j] == 'p' || in[j] == 'P')) {
          j++;
          if (j < in.size() && (in[j] == '+' || in[j] == '-')) j++;
          while (j < in.size() && std::isdigit(static_cast<unsigned char>(in[j]))) j++;
        }
      } else {
        while (j < in.size() && (std::isdigit(static_cast<unsigned char>(in[j])) || in[j] == '.')) j++;
        if (j < in.size() && (in[j] == 'e' || in[j] == 'E')) {
          size_t k = j + 1;
          if (k < in.size() && (in[k] == '+' || in[k] == '-')) k++;
          if (k < in.size() && std::isdigit(static_cast<unsigned char>(in[k]))) {
            while (k < in.size() && std::isdigit(static_cast<unsigned char>(in[k]))) k++;
            j = k;
          }
        }
      }
      std::string num(in.substr(i, j - i));
      // A duration: the number followed by duration characters.
      size_t d = j;
      while (d < in.size() && is_duration_rune(in[d])) d++;
      if (d > j) {
        std::string text(in.substr(i, d - i));
        int64_t ns;
        std::string e;
        if (prom_parse_duration(text, &ns) || go_parse_duration(text, &ns, &e)) {
          t.kind = Tok::kDuration;
          t.text = text;
          t.duration_ns = ns;
          t.end = static_cast<int>(d);
          i = d;
          out.push_back(std::move(t));
          continue;
        }
      }
      size_t b = j;
      while (b < in.size() && (std::isalnum(static_cast<unsigned char>(in[b])) || in[b] == '.')) b++;
      if (b > j) {
        std::string text(in.substr(i, b - i));
        double bytes;
        if (parse_bytes(text, &bytes)) {
          t.kind = Tok::kBytes;
          t.text = text;
          t.number = bytes;
          t.end = static_cast<int>(b);
          i = b;
          out.push_back(std::move(t));
          continue;
        }
      }
      t.kind = Tok::kNumber;
      t.text = num;
      t.end = static_cast<int>(j);
      i = j;
      out.push_back(std::move(t));
      continue;
    }
    if (is_ident_start(c)) {
      size_t j = i;
      while (j < in.size() && is_ident_char(in[j])) j++;
      t.kind = Tok::kIdent;
      t.text = std::string(in.substr(i, j - i));
      t.end = static_cast<int>(j);
      i = j;
      out.push_back(std::move(t));
      continue;
    }
    if (c == '[') {
      size_t j = i + 1;
      std::string body;
      while (j < in.size() && in[j] != ']') body += in[j++];
      if (j >= in.size()) err(i, "missing closing ']' in duration");
      std::string trimmed;
      for (char ch : body)
        if (ch != ' ' && ch != '\t' && ch != '\n') trimmed += ch;
      int64_t ns;
      std::string e;
      if (!prom_parse_duration(trimmed, &ns) && !go_parse_duration(trimmed, &ns, &e)) err(i, e);
      t.kind = Tok::kRange;
      t.text = trimmed;
      t.duration_ns = ns;
      t.end = static_cast<int>(j + 1);
      i = j + 1;
      out.push_back(std::move(t));
      continue;
    }
    size_t len = 1;
    if (two('|', '=')) { t.kind = Tok::kPipeExact; len = 2; }
    else if (two('|', '~')) { t.kind = Tok::kPipeMatch; len = 2; }
    else if (two('|', '>')) { t.kind = Tok::kPipePattern; len = 2; }
    else if (two('!', '=')) { t.kind = Tok::kNeq; len = 2; }
    else if (two('!', '~')) { t.kind = Tok::kNre; len = 2; }
    else if (two('!', '>')) { t.kind = Tok::kNotPattern; len = 2; }
    else if (two('=', '~')) { t.kind = Tok::kRe; len = 2; }
    else if (two('=', '=')) { t.kind = Tok::kEqlC; len = 2; }
    else if (two('>', '=')) { t.kind = Tok::kGte; len = 2; }
    else if (two('<', '=')) { t.kind = Tok::kLte; len = 2; }
    else {
      switch (c) {
        case '{': t.kind = Tok::kLBrace; break;
        case '}': t.kind = Tok::kRBrace; break;
        case '(': t.kind = Tok::kLParen; break;
        case ')': t.kind = Tok::kRParen; break;
        case ',': t.kind = Tok::kComma; break;
        case '.': t.kind = Tok::kDot; break;
        case '=': t.kind = Tok::kEq; break;
        case '|': t.kind = Tok::kPipe; break;
        case '>': t.kind = Tok::kGt; break;
        case '<': t.kind = Tok::kLt; break;
        case '+': t.kind = Tok::kAdd; break;
        case '-': t.kind = Tok::kSub; break;
        case '*': t.kind = Tok::kMul; break;
        case '/': t.kind = Tok::kDiv; break;
        case '%': t.kind = Tok::kMod; break;
        case '^': t.kind = Tok::kPow; break;
        default: err(i, std::string("unexpected character: ") + go_quote(std::string(1, c)));
      }
    }
    t.end = static_cast<int>(i + len);
    i += len;
    out.push_back(std::move(t));
  }
  Token eof;
  eof.kind = Tok::kEOF;
  eof.pos = n;
  eof.end = n;
  out.push_back(eof);
  return out;
}

}  // namespace observe::logql
