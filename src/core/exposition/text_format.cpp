// Prometheus text format 0.0.4 lines. Blanks (spaces, tabs) may separate every token, blank
// lines and `#` comments are skipped, a sample's timestamp is integer milliseconds — the
// grammar of Prometheus's promlex.l, not the stricter prose of the format document.
#include "core/exposition/chars.h"
#include "core/exposition/escape.h"
#include "core/exposition/numbers.h"
#include "core/exposition/parser.h"

namespace observe::exposition {

static bool blank(char c) { return c == ' ' || c == '\t'; }

void Parser::end_line() {
  if (pos_ < in_.size() && in_[pos_] == '\n') {
    ++pos_;
    ++line_;
  }
}

bool Parser::next_text(Entry* e) {
  for (;;) {
    const size_t line_start = pos_;
    skip_blanks();
    if (pos_ >= in_.size()) {
      done_ = true;  // the text format may end without a final newline
      return false;
    }
    char c = in_[pos_];
    if (c == '\n') {
      end_line();
      continue;
    }
    e->line = line_;
    if (c == '#') {
      if (text_comment(e)) return true;
      continue;
    }
    if (chars::is(c, chars::kNameStart)) {
      // Blanks may precede a comment but not a sample: Prometheus makes them part of the
      // metric name, which is then invalid and fails the scrape.
      if (pos_ != line_start) fail("blanks before the metric name " + quote(scan_metric_name()));
      text_sample(e);
      return true;
    }
    fail("expected a metric name, a '#' comment or a blank line, got " + got());
  }
}

// `# HELP name text` and `# TYPE name type` are metadata; every other `#` line is a comment.
bool Parser::text_comment(Entry* e) {
  const size_t n = in_.size();
  size_t p = pos_ + 1;
  bool help = false, type = false;
  if (p < n && blank(in_[p])) {
    while (p < n && blank(in_[p])) ++p;
    std::string_view kw = in_.substr(p, 4);
    if (p + 4 < n && blank(in_[p + 4])) {
      help = kw == "HELP";
      type = kw == "TYPE";
    }
  }
  size_t eol = in_.find('\n', pos_);
  if (eol == std::string_view::npos) eol = n;
  if (!help && !type) {
    pos_ = eol;
    end_line();
    return false;
  }
  const char* kw = help ? "HELP" : "TYPE";
  pos_ = p + 4;
  skip_blanks();
  if (pos_ >= n || !chars::is(in_[pos_], chars::kNameStart))
    fail(std::string("expected a metric name after # ") + kw + ", got " + got());
  std::string_view name = scan_metric_name();
  // The text is the rest of the line less its first character (the separating blank), or
  // empty when the rest is only blanks: what Prometheus's lexer yields.
  std::string_view rest = in_.substr(pos_, eol - pos_);
  std::string_view text;
  if (rest.find_first_not_of(" \t") != std::string_view::npos) text = rest.substr(1);
  family_.on_metadata(name);
  e->metric_name = name;
  e->labels.clear();
  if (help) {
    if (!valid_utf8(text)) fail("HELP text of " + quote(name) + " is not valid UTF-8");
    if (text.find('\\') != std::string_view::npos) {
      unescape_text_help(text, &scratch_);
      text = scratch_;
    }
    e->kind = EntryKind::kHelp;
  } else {
    MetricType t;
    if (!metric_type_from_name(text, Format::kPrometheusText, &t))
      fail("invalid metric type " + quote(text) + " for " + quote(name) +
           " (the text format knows counter, gauge, histogram, summary and untyped)");
    family_.set_type(t);
    e->kind = EntryKind::kType;
    e->type = t;
  }
  e->text = text;
  pos_ = eol;
  end_line();
  return true;
}

void Parser::text_sample(Entry* e) {
  const size_t n = in_.size();
  const size_t start = pos_;
  std::string_view name = scan_metric_name();
  size_t series_end = pos_;
  e->labels.clear();
  skip_blanks();
  if (pos_ < n && in_[pos_] == '{') {
    text_labels(e);
    series_end = pos_;
  }
  e->series = in_.substr(start, series_end - start);
  skip_blanks();
  size_t v = pos_;
  while (pos_ < n && in_[pos_] != ' ' && in_[pos_] != '\t' && in_[pos_] != '\n' && in_[pos_] != '{')
    ++pos_;
  if (v == pos_) fail("expected a value after " + quote(e->series) + ", got " + got());
  e->value = parse_number(in_.substr(v, pos_ - v), "sample value");
  skip_blanks();
  e->has_timestamp = false;
  if (pos_ < n && in_[pos_] != '\n') {
    if (in_[pos_] < '0' || in_[pos_] > '9')
      fail("expected a timestamp in milliseconds or the end of the line after the value, got " + got());
    size_t t = pos_;
    while (pos_ < n && in_[pos_] >= '0' && in_[pos_] <= '9') ++pos_;
    std::string_view digits = in_.substr(t, pos_ - t);
    if (parse_decimal_int64(digits, &e->timestamp_ms) != NumberStatus::kOk)
      fail("timestamp " + quote(digits) + " is out of the int64 range");
    e->has_timestamp = true;
    skip_blanks();
    if (pos_ < n && in_[pos_] != '\n')
      fail("expected the end of the line after the timestamp, got " + got());
  }
  end_line();
  finish_sample(e, name);
}

// `{name="value", ...}`: blanks between tokens, the comma optional, a trailing comma allowed.
void Parser::text_labels(Entry* e) {
  const size_t n = in_.size();
  ++pos_;  // '{'
  for (;;) {
    skip_blanks();
    if (pos_ >= n) fail("unexpected end of input inside a label set");
    char c = in_[pos_];
    if (c == '}') {
      ++pos_;
      break;
    }
    if (!chars::is(c, chars::kLabelStart)) fail("expected a label name or '}', got " + got());
    size_t s = pos_++;
    while (pos_ < n && chars::is(in_[pos_], chars::kLabelChar)) ++pos_;
    std::string_view lname = in_.substr(s, pos_ - s);
    skip_blanks();
    if (pos_ >= n || in_[pos_] != '=')
      fail("expected '=' after label name " + quote(lname) + ", got " + got());
    ++pos_;
    skip_blanks();
    if (pos_ >= n || in_[pos_] != '"')
      fail("expected a quoted value for label " + quote(lname) + ", got " + got());
    add_label(e, lname, scan_quoted_value(true, lname));
    skip_blanks();
    if (pos_ < n && in_[pos_] == ',') ++pos_;
  }
  finish_labels(e);
}

}  // namespace observe::exposition
