// The parts of Parser both grammars share: scanning names and quoted values, collecting
// labels, numbers and error reporting.
#include "core/exposition/parser.h"

#include <algorithm>
#include <cstdio>

#include "core/common/utf8.h"
#include "core/exposition/chars.h"
#include "core/exposition/escape.h"
#include "core/exposition/numbers.h"

namespace observe::exposition {

// Past this many labels the duplicate check sorts instead of comparing pairwise.
static constexpr size_t kPairwiseDuplicateCheck = 32;

Parser::Parser(std::string_view payload, Format format, ParserOptions options)
    : in_(payload), format_(format), options_(options) {}

bool Parser::next(Entry* e) {
  if (done_) return false;
  scratch_.clear();
  fixups_.clear();
  return format_ == Format::kOpenMetrics ? next_openmetrics(e) : next_text(e);
}

void Parser::skip_blanks() {
  while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t')) ++pos_;
}

std::string_view Parser::scan_metric_name() {
  size_t start = pos_++;
  while (pos_ < in_.size() && chars::is(in_[pos_], chars::kNameChar)) ++pos_;
  return in_.substr(start, pos_ - start);
}

std::string Parser::got() const {
  if (pos_ >= in_.size()) return "end of input";
  unsigned char c = static_cast<unsigned char>(in_[pos_]);
  if (c == '\n') return "end of line";
  char buf[16];
  if (c >= 0x20 && c < 0x7f)
    std::snprintf(buf, sizeof buf, "'%c'", c);
  else
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
  return buf;
}

void Parser::fail(const std::string& what) {
  done_ = true;  // a malformed payload is not resumed
  throw ParseError(line_, what, pos_);
}

std::string Parser::quote(std::string_view s) {
  // 64 bytes are enough to recognise the token (payload lines can be huge), cut between
  // characters; the quotes are Prometheus's, only bytes that are no UTF-8 or control
  // characters are escaped.
  constexpr size_t kMax = 64;
  size_t cut = 0;
  while (cut < s.size() && cut < kMax) {
    size_t len = utf8_sequence_length(s, cut);
    cut += len == 0 ? 1 : len;
  }
  return "\"" + escape_message(s.substr(0, cut)) + (cut < s.size() ? "...\"" : "\"");
}

Parser::QuotedValue Parser::scan_quoted_value(bool newline_allowed, std::string_view label) {
  QuotedValue v;
  v.begin = ++pos_;  // past the opening quote
  const size_t n = in_.size();
  const size_t first_line = line_;
  for (;;) {
    while (pos_ < n && !chars::is(in_[pos_], chars::kValueStop)) ++pos_;
    if (pos_ >= n) {
      line_ = first_line;  // name the line the value starts on, not the end of the payload
      fail("unterminated value of label " + quote(label));
    }
    char c = in_[pos_];
    if (c == '"') break;
    if (c == '\\') {
      if (pos_ + 1 >= n) {
        line_ = first_line;
        fail("unterminated value of label " + quote(label));
      }
      if (in_[pos_ + 1] == '\n') fail("backslash before a line break in the value of label " + quote(label));
      v.escaped = true;
      // The escaped byte is kept as it is: a non-ASCII one must be checked as UTF-8 too.
      if (static_cast<unsigned char>(in_[pos_ + 1]) >= 0x80) v.non_ascii = true;
      pos_ += 2;
    } else if (c == '\n') {
      if (!newline_allowed) fail("line break inside the value of label " + quote(label));
      ++line_;  // the text format lets a quoted value span lines, as Prometheus's lexer does
      ++pos_;
    } else {
      v.non_ascii = true;
      ++pos_;
    }
  }
  v.end = pos_++;  // past the closing quote
  return v;
}

void Parser::add_label(Entry* e, std::string_view name, const QuotedValue& v) {
  std::string_view raw = in_.substr(v.begin, v.end - v.begin);
  if (v.non_ascii && !valid_utf8(raw)) fail("value of label " + quote(name) + " is not valid UTF-8");
  if (name == "__name__") fail("label name \"__name__\" repeats the metric name");
  if (e->labels.size() < kPairwiseDuplicateCheck) {
    for (const auto& l : e->labels)
      if (l.name == name) fail("duplicate label name " + quote(name));
  }
  if (v.escaped) {
    fixups_.push_back({e->labels.size(), scratch_.size(), 0});
    unescape_label_value(raw, &scratch_);
    fixups_.back().length = scratch_.size() - fixups_.back().offset;
  }
  e->labels.push_back({name, raw});
}

void Parser::finish_labels(Entry* e) {
  for (const auto& f : fixups_)
    e->labels[f.label].value = std::string_view(scratch_.data() + f.offset, f.length);
  if (e->labels.size() > kPairwiseDuplicateCheck) {
    std::vector<std::string_view> names;
    names.reserve(e->labels.size());
    for (const auto& l : e->labels) names.push_back(l.name);
    std::sort(names.begin(), names.end());
    auto dup = std::adjacent_find(names.begin(), names.end());
    if (dup != names.end()) fail("duplicate label name " + quote(*dup));
  }
}

void Parser::finish_sample(Entry* e, std::string_view name) {
  e->kind = EntryKind::kSample;
  e->metric_name = name;
  e->text = {};
  family_.classify(name, format_ == Format::kOpenMetrics, e);
}

double Parser::parse_number(std::string_view token, const char* what) {
  double v = 0;
  switch (parse_go_float(token, &v)) {
    case NumberStatus::kOk: return v;
    case NumberStatus::kRange: fail(std::string(what) + " " + quote(token) + " is out of range");
    case NumberStatus::kSyntax: break;
  }
  fail(std::string("invalid ") + what + " " + quote(token) + " (expected a number, NaN, +Inf or -Inf)");
}

}  // namespace observe::exposition
