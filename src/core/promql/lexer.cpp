#include "core/promql/lexer.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/common/error.h"
#include "core/common/utf8.h"

namespace observe::promql {

namespace {

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool is_ident_char(char c) { return is_ident_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

int64_t unit_ms(std::string_view u) {
  if (u == "ms") return 1;
  if (u == "s") return 1000;
  if (u == "m") return 60 * 1000;
  if (u == "h") return 3600 * 1000;
  if (u == "d") return 24LL * 3600 * 1000;
  if (u == "w") return 7LL * 24 * 3600 * 1000;
  if (u == "y") return 365LL * 24 * 3600 * 1000;
  return 0;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool parse_duration(std::string_view s, int64_t* ms) {
  if (s.empty()) return false;
  if (s == "0") {
    *ms = 0;
    return true;
  }
  int64_t total = 0;
  size_t i = 0;
  // Units must appear from largest to smallest, each at most once (model.ParseDuration).
  int64_t last_unit = INT64_MAX;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) i++;
    if (i == start) return false;
    if (i - start > 15) return false;  // beyond any representable duration
    int64_t n = std::strtoll(std::string(s.substr(start, i - start)).c_str(), nullptr, 10);
    size_t ustart = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) {
      // "ms" vs "m" followed by another number part
      i++;
      if (s.substr(ustart, i - ustart) == "m" && i < s.size() && s[i] == 's') continue;
      break;
    }
    int64_t u = unit_ms(s.substr(ustart, i - ustart));
    if (u == 0 || u >= last_unit) return false;
    last_unit = u;
    if (n > (INT64_MAX / 4 - total) / u) return false;  // keeps later arithmetic on times safe
    total += n * u;
  }
  *ms = total;
  return true;
}

Token Lexer::next() {
  std::string_view in = in_;
  size_t& i = i_;
  int& brackets = brackets_;  // inside [...] a ':' separates range and step instead of starting a name
  auto err = [&](const std::string& msg, size_t pos) -> void {
    throw SyntaxError(msg, static_cast<int>(pos));
  };
  while (i < in.size()) {
    char c = in[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      i++;
      continue;
    }
    if (c == '#') {  // comment to end of line
      while (i < in.size() && in[i] != '\n') i++;
      continue;
    }
    Token t;
    t.pos = static_cast<int>(i);
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < in.size() && std::isdigit(static_cast<unsigned char>(in[i + 1])))) {
      size_t start = i;
      if (c == '0' && i + 1 < in.size() && (in[i + 1] == 'x' || in[i + 1] == 'X')) {
        i += 2;
        while (i < in.size() && hexval(in[i]) >= 0) i++;
        t.kind = Tok::kNumber;
        t.number = static_cast<double>(std::strtoull(std::string(in.substr(start, i - start)).c_str(), nullptr, 16));
      } else {
        // Try a duration first: digits followed by a unit letter.
        size_t j = i;
        while (j < in.size() && (std::isalnum(static_cast<unsigned char>(in[j])))) j++;
        std::string_view word = in.substr(i, j - i);
        int64_t ms;
        bool has_unit = false;
        for (char ch : word) has_unit |= (ch == 's' || ch == 'm' || ch == 'h' || ch == 'd' || ch == 'w' || ch == 'y');
        if (has_unit && parse_duration(word, &ms)) {
          t.kind = Tok::kDuration;
          t.duration_ms = ms;
          t.text = std::string(word);
          i = j;
        } else {
          while (i < in.size() && std::isdigit(static_cast<unsigned char>(in[i]))) i++;
          if (i < in.size() && in[i] == '.') {
            i++;
            while (i < in.size() && std::isdigit(static_cast<unsigned char>(in[i]))) i++;
          }
          if (i < in.size() && (in[i] == 'e' || in[i] == 'E')) {
            size_t k = i + 1;
            if (k < in.size() && (in[k] == '+' || in[k] == '-')) k++;
            if (k < in.size() && std::isdigit(static_cast<unsigned char>(in[k]))) {
              i = k;
              while (i < in.size() && std::isdigit(static_cast<unsigned char>(in[i]))) i++;
            }
          }
          if (i < in.size() && is_ident_char(in[i]) && !(brackets > 0 && in[i] == ':')) {
            err("bad number or duration syntax: \"" + std::string(in.substr(start, i + 1 - start)) + "\"", start);
          }
          t.kind = Tok::kNumber;
          std::string text(in.substr(start, i - start));
          // Go's ParseInt with base 0 comes first in Prometheus: a leading 0 means octal.
          bool octal = text.size() > 1 && text[0] == '0' &&
                       text.find_first_not_of("01234567") == std::string::npos;
          t.number = octal ? static_cast<double>(std::strtoull(text.c_str(), nullptr, 8))
                           : std::strtod(text.c_str(), nullptr);
        }
      }
      t.text = std::string(in.substr(start, i - start));
      return t;
    }
    if (is_ident_start(c) && !(brackets > 0 && c == ':')) {
      size_t start = i;
      while (i < in.size() && is_ident_char(in[i]) && !(brackets > 0 && in[i] == ':')) i++;
      t.kind = Tok::kIdent;
      t.text = std::string(in.substr(start, i - start));
      return t;
    }
    if (c == '"' || c == '\'' || c == '`') {
      char q = c;
      size_t start = i;
      i++;
      std::string val;
      bool closed = false;
      while (i < in.size()) {
        char ch = in[i];
        if (ch == q) {
          closed = true;
          i++;
          break;
        }
        if (q != '`' && ch == '\n') err("unterminated quoted string", start);
        if (q != '`' && ch == '\\') {
          if (i + 1 >= in.size()) break;
          char e = in[i + 1];
          i += 2;
          switch (e) {
            case 'a': val += '\a'; break;
            case 'b': val += '\b'; break;
            case 'f': val += '\f'; break;
            case 'n': val += '\n'; break;
            case 'r': val += '\r'; break;
            case 't': val += '\t'; break;
            case 'v': val += '\v'; break;
            case '\\': val += '\\'; break;
            case '"': val += '"'; break;
            case '\'': val += '\''; break;
            case 'x': {
              if (i + 2 > in.size() || hexval(in[i]) < 0 || hexval(in[i + 1]) < 0)
                err("illegal character in escape sequence", i);
              val += static_cast<char>(hexval(in[i]) * 16 + hexval(in[i + 1]));
              i += 2;
              break;
            }
            case 'u':
            case 'U': {
              int n = e == 'u' ? 4 : 8;
              uint32_t cp = 0;
              for (int k = 0; k < n; k++) {
                if (i >= in.size() || hexval(in[i]) < 0) err("illegal character in escape sequence", i);
                cp = cp * 16 + static_cast<uint32_t>(hexval(in[i]));
                i++;
              }
              // As Prometheus: a surrogate or a value past U+10FFFF encodes to no valid UTF-8.
              if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                err("escape is invalid Unicode code point", i - n - 2);
              append_utf8(val, cp);
              break;
            }
            default:
              if (e >= '0' && e <= '7') {
                int v = e - '0';
                for (int k = 0; k < 2; k++) {
                  if (i >= in.size() || in[i] < '0' || in[i] > '7') err("illegal character in escape sequence", i);
                  v = v * 8 + (in[i] - '0');
                  i++;
                }
                val += static_cast<char>(v);
              } else {
                err("unknown escape sequence", i - 1);
              }
          }
          continue;
        }
        val += ch;
        i++;
      }
      if (!closed) err("unterminated quoted string", start);
      t.kind = Tok::kString;
      t.text = std::move(val);
      return t;
    }
    auto two = [&](const char* s) { return in.substr(i, 2) == s; };
    Tok k;
    size_t len = 1;
    if (two("==")) { k = Tok::kEqlC; len = 2; }
    else if (two("!=")) { k = Tok::kNeqMatch; len = 2; }
    else if (two("=~")) { k = Tok::kRegex; len = 2; }
    else if (two("!~")) { k = Tok::kNotRegex; len = 2; }
    else if (two(">=")) { k = Tok::kGte; len = 2; }
    else if (two("<=")) { k = Tok::kLte; len = 2; }
    else {
      switch (c) {
        case '(': k = Tok::kLParen; break;
        case ')': k = Tok::kRParen; break;
        case '{': k = Tok::kLBrace; break;
        case '}': k = Tok::kRBrace; break;
        case '[': k = Tok::kLBracket; break;
        case ']': k = Tok::kRBracket; break;
        case ',': k = Tok::kComma; break;
        case '@': k = Tok::kAt; break;
        case '=': k = Tok::kAssign; break;
        case '+': k = Tok::kAdd; break;
        case '-': k = Tok::kSub; break;
        case '*': k = Tok::kMul; break;
        case '/': k = Tok::kDiv; break;
        case '%': k = Tok::kMod; break;
        case '^': k = Tok::kPow; break;
        case '>': k = Tok::kGtr; break;
        case '<': k = Tok::kLss; break;
        case ':': k = Tok::kColon; break;
        default: {
          // The whole character, not its first byte; a byte of no valid sequence shows as \xNN.
          size_t n = utf8_sequence_length(in, i);
          err("unexpected character: '" + std::string(in.substr(i, n == 0 ? 1 : n)) + "'", i);
          k = Tok::kEOF;
        }
      }
    }
    if (k == Tok::kLBracket) brackets++;
    if (k == Tok::kRBracket && brackets > 0) brackets--;
    t.kind = k;
    t.text = std::string(in.substr(i, len));
    i += len;
    return t;
  }
  Token eof;
  eof.kind = Tok::kEOF;
  eof.pos = static_cast<int>(in.size());
  return eof;
}

std::vector<Token> lex(std::string_view in) {
  Lexer lexer(in);
  std::vector<Token> out;
  do {
    out.push_back(lexer.next());
  } while (out.back().kind != Tok::kEOF);
  return out;
}

}  // namespace observe::promql
