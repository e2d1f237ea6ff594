// Splits a PromQL query into tokens. Every token keeps its byte offset so that parse
// errors can point at the exact place in the query.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace observe::promql {

enum class Tok {
  kEOF,
  kIdent,     // identifiers and keywords (the parser decides, case-insensitively for keywords)
  kNumber,    // number literal; `number` holds the value
  kDuration,  // 5m, 1h30m; `duration_ms` holds the value
  kString,    // quoted string; `text` holds the unescaped value
  kLParen, kRParen, kLBrace, kRBrace, kLBracket, kRBracket, kComma, kColon, kAt,
  kAssign,     // =  (label matcher)
  kNeqMatch,   // !=
  kRegex,      // =~
  kNotRegex,   // !~
  kAdd, kSub, kMul, kDiv, kMod, kPow,
  kEqlC,  // ==
  kGtr, kLss, kGte, kLte,
};

struct Token {
  Tok kind = Tok::kEOF;
  int pos = 0;
  std::string text;  // source text (identifier) or unescaped string value
  double number = 0;
  int64_t duration_ms = 0;
};

// Tokens one at a time, as the parser asks for them: a query that fails early is not lexed
// to its end (a huge query costs what is read of it, not a token vector of its whole size).
// Throws SyntaxError with the 0-based byte position of the offending character.
class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}
  // The next token; kEOF at the end, and again on every later call.
  Token next();

 private:
  std::string_view in_;
  size_t i_ = 0;
  int brackets_ = 0;  // inside [...] a ':' separates range and step instead of starting a name
};

// All tokens, the last one kEOF.
std::vector<Token> lex(std::string_view input);

// Parses a Prometheus duration such as `1h30m`, `10s53ms` (units ms s m h d w y).
// Returns false when the text is not a duration.
bool parse_duration(std::string_view text, int64_t* ms);

}  // namespace observe::promql
