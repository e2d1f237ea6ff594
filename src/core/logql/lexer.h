// Splits a LogQL query into tokens with byte positions, as Loki's lexer (Go text/scanner)
// does: Go string literals, `#` comments, numbers followed by a unit become durations or
// byte sizes, `[...]` is one range token.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace observe::logql {

enum class Tok {
  kEOF,
  kIdent,     // identifiers and keywords (the parser decides)
  kNumber,    // text holds the literal (parsed by the parser: 0x10 is an error there)
  kDuration,  // 5m, 1.5h: duration_ns holds the value
  kBytes,     // 20MB: number holds the value
  kString,    // text holds the unquoted value
  kRange,     // [5m]: duration_ns holds the value
  kLBrace, kRBrace, kLParen, kRParen, kComma, kDot,
  kEq,        // =
  kNeq,       // !=
  kRe,        // =~
  kNre,       // !~
  kPipeExact, // |=
  kPipeMatch, // |~
  kPipePattern,     // |>
  kNotPattern,      // !>
  kPipe,      // |
  kEqlC,      // ==
  kGt, kGte, kLt, kLte,
  kAdd, kSub, kMul, kDiv, kMod, kPow,
};

// Loki's token names in "syntax error: unexpected X" messages.
const char* token_name(Tok t);

struct Token {
  Tok kind = Tok::kEOF;
  int pos = 0;
  int end = 0;
  std::string text;
  double number = 0;
  int64_t duration_ns = 0;
};

// Throws SyntaxError ("parse error at line L, col C: ...").
std::vector<Token> lex(std::string_view input);

// "parse error at line L, col C: msg" for the 0-based byte position pos of input.
[[noreturn]] void syntax_error(std::string_view input, int pos, const std::string& msg);

// Go's time.ParseDuration (ns), with its error texts ("time: unknown unit ..."); false and
// *err set on failure.
bool go_parse_duration(std::string_view s, int64_t* ns, std::string* err);
// Prometheus's model.ParseDuration (units ms s m h d w y, no fractions), in ns.
bool prom_parse_duration(std::string_view s, int64_t* ns);
// humanize.ParseBytes (the units LogQL accepts: B kB KB MB ... KiB MiB ..., commas ignored).
bool parse_bytes(std::string_view s, double* bytes, std::string* error = nullptr);
// Go's strconv.ParseFloat (decimal and hex floats, Inf, NaN; not 0x10 nor 0o17).
bool go_parse_float(std::string_view s, double* v);

}  // namespace observe::logql
