// OpenMetrics 1.0 lines: single spaces only, no blank lines, no comments but HELP, TYPE, UNIT
// and the final `# EOF`, timestamps in seconds, exemplars after ` # ` (checked, then dropped).
#include <cmath>

#include "core/exposition/chars.h"
#include "core/exposition/escape.h"
#include "core/exposition/parser.h"

namespace observe::exposition {

static const char kNoEof[] = "data does not end with # EOF";

bool Parser::next_openmetrics(Entry* e) {
  for (;;) {
    if (pos_ >= in_.size()) fail(kNoEof);
    e->line = line_;
    char c = in_[pos_];
    if (c == '#') return om_comment(e);
    if (chars::is(c, chars::kNameStart)) {
      om_sample(e);
      if (options_.skip_created_series && e->created_series) continue;
      return true;
    }
    if (c == '\n') fail("blank lines are not allowed in OpenMetrics");
    fail("expected a metric name or '#', got " + got());
  }
}

bool Parser::om_comment(Entry* e) {
  const size_t n = in_.size();
  std::string_view rest = in_.substr(pos_);
  if (rest.substr(0, 5) == "# EOF") {
    pos_ += 5;
    if (pos_ < n && in_[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
    if (pos_ < n) fail("unexpected data after # EOF");
    done_ = true;
    return false;
  }
  std::string_view kw = rest.size() >= 7 ? rest.substr(2, 4) : std::string_view();
  bool help = kw == "HELP", type = kw == "TYPE", unit = kw == "UNIT";
  if (!(help || type || unit) || rest[1] != ' ' || rest[6] != ' ')
    fail("expected # HELP, # TYPE, # UNIT or # EOF (OpenMetrics allows no other comments)");
  pos_ += 7;
  if (pos_ >= n || !chars::is(in_[pos_], chars::kNameStart))
    fail("expected a metric name after # " + std::string(kw) + ", got " + got());
  std::string_view name = scan_metric_name();
  if (pos_ >= n || in_[pos_] != ' ')
    fail("expected a space and text after the metric name in # " + std::string(kw) + ", got " + got());
  ++pos_;
  size_t eol = in_.find('\n', pos_);
  if (eol == std::string_view::npos) {
    pos_ = n;
    fail(kNoEof);
  }
  std::string_view text = in_.substr(pos_, eol - pos_);
  family_.on_metadata(name);
  e->metric_name = name;
  e->labels.clear();
  if (help) {
    if (!valid_utf8(text)) fail("HELP text of " + quote(name) + " is not valid UTF-8");
    if (text.find('\\') != std::string_view::npos) {
      unescape_label_value(text, &scratch_);  // OpenMetrics escapes HELP like label values
      text = scratch_;
    }
    e->kind = EntryKind::kHelp;
  } else if (type) {
    MetricType t;
    if (!metric_type_from_name(text, Format::kOpenMetrics, &t))
      fail("invalid metric type " + quote(text) + " for " + quote(name) +
           " (OpenMetrics knows counter, gauge, histogram, gaugehistogram, summary, info,"
           " stateset and unknown)");
    family_.set_type(t);
    e->kind = EntryKind::kType;
    e->type = t;
  } else {
    // A unit must be the last `_`-separated part of the name: `# UNIT foo_seconds seconds`.
    if (!text.empty() && !(name.size() > text.size() &&
                           name.compare(name.size() - text.size(), text.size(), text) == 0 &&
                           name[name.size() - text.size() - 1] == '_'))
      fail("unit " + quote(text) + " is not a suffix of metric " + quote(name));
    e->kind = EntryKind::kUnit;
  }
  e->text = text;
  pos_ = eol + 1;
  ++line_;
  return true;
}

// Scans a token up to the next space or line break.
static size_t token_end(std::string_view in, size_t pos) {
  while (pos < in.size() && in[pos] != ' ' && in[pos] != '\n') ++pos;
  return pos;
}

static bool at_exemplar(std::string_view in, size_t pos) { return in.substr(pos, 4) == " # {"; }

void Parser::om_sample(Entry* e) {
  const size_t n = in_.size();
  const size_t start = pos_;
  std::string_view name = scan_metric_name();
  e->labels.clear();
  if (pos_ < n && in_[pos_] == '{') om_labels(e, false);
  e->series = in_.substr(start, pos_ - start);
  if (pos_ >= n || in_[pos_] != ' ')
    fail("expected a space and a value after " + quote(e->series) + ", got " + got());
  size_t v = ++pos_;
  pos_ = token_end(in_, pos_);
  if (v == pos_) fail("expected a value after " + quote(e->series) + ", got " + got());
  e->value = parse_number(in_.substr(v, pos_ - v), "sample value");
  e->has_timestamp = false;
  om_after_value(e);
  finish_sample(e, name);
}

void Parser::om_timestamp(std::string_view token, Entry* e) {
  double s = parse_number(token, "timestamp");
  if (!std::isfinite(s)) fail("timestamp " + quote(token) + " is not a finite number");
  // Seconds to milliseconds exactly as Prometheus does: float multiply, then truncate.
  double ms = s * 1000.0;
  if (!(ms > -9223372036854775808.0 && ms < 9223372036854775808.0))
    fail("timestamp " + quote(token) + " is out of range");
  e->timestamp_ms = static_cast<int64_t>(ms);
  e->has_timestamp = true;
}

void Parser::om_after_value(Entry* e) {
  const size_t n = in_.size();
  if (pos_ >= n) fail(kNoEof);
  if (in_[pos_] == '\n') return end_line();
  if (at_exemplar(in_, pos_)) {
    pos_ += 3;
    return om_exemplar();
  }
  size_t t = ++pos_;
  pos_ = token_end(in_, pos_);
  if (t == pos_) fail("expected a timestamp after the value, got " + got());
  om_timestamp(in_.substr(t, pos_ - t), e);
  if (pos_ >= n) fail(kNoEof);
  if (in_[pos_] == '\n') return end_line();
  if (at_exemplar(in_, pos_)) {
    pos_ += 3;
    return om_exemplar();
  }
  fail("expected the end of the line or an exemplar after the timestamp, got " + got());
}

// ` # {labels} value [timestamp]`: validated like the sample, then dropped (no exemplar storage).
void Parser::om_exemplar() {
  const size_t n = in_.size();
  om_labels(nullptr, true);
  if (pos_ >= n || in_[pos_] != ' ')
    fail("expected a space and a value after the exemplar labels, got " + got());
  size_t v = ++pos_;
  pos_ = token_end(in_, pos_);
  if (v == pos_) fail("expected an exemplar value, got " + got());
  parse_number(in_.substr(v, pos_ - v), "exemplar value");
  if (pos_ >= n) fail(kNoEof);
  if (in_[pos_] == '\n') return end_line();
  size_t t = ++pos_;
  pos_ = token_end(in_, pos_);
  if (t == pos_) fail("expected an exemplar timestamp, got " + got());
  std::string_view token = in_.substr(t, pos_ - t);
  if (!std::isfinite(parse_number(token, "exemplar timestamp")))
    fail("exemplar timestamp " + quote(token) + " is not a finite number");
  if (pos_ >= n) fail(kNoEof);
  if (in_[pos_] != '\n') fail("expected the end of the line after the exemplar, got " + got());
  end_line();
}

// `{name="value",...}` with no blanks, a comma between pairs and an optional trailing comma.
// e == nullptr for an exemplar's labels, which are checked but not kept.
void Parser::om_labels(Entry* e, bool exemplar) {
  const size_t n = in_.size();
  ++pos_;  // '{'
  if (pos_ < n && in_[pos_] == '}') {
    ++pos_;
    if (e) finish_labels(e);
    return;
  }
  for (;;) {
    if (pos_ >= n) fail(kNoEof);
    if (!chars::is(in_[pos_], chars::kLabelStart))
      fail(std::string("expected a label name") + (exemplar ? " in the exemplar" : "") + ", got " + got());
    size_t s = pos_++;
    while (pos_ < n && chars::is(in_[pos_], chars::kLabelChar)) ++pos_;
    std::string_view lname = in_.substr(s, pos_ - s);
    if (pos_ >= n || in_[pos_] != '=')
      fail("expected '=' after label name " + quote(lname) + ", got " + got());
    ++pos_;
    if (pos_ >= n || in_[pos_] != '"')
      fail("expected a quoted value for label " + quote(lname) + ", got " + got());
    QuotedValue qv = scan_quoted_value(false, lname);
    if (e) {
      add_label(e, lname, qv);
    } else if (qv.non_ascii && !valid_utf8(in_.substr(qv.begin, qv.end - qv.begin))) {
      fail("value of exemplar label " + quote(lname) + " is not valid UTF-8");
    }
    if (pos_ >= n) fail(kNoEof);
    if (in_[pos_] == ',') {
      ++pos_;
      if (pos_ < n && in_[pos_] == '}') {
        ++pos_;
        break;
      }
      continue;
    }
    if (in_[pos_] == '}') {
      ++pos_;
      break;
    }
    fail("expected ',' or '}' after the value of label " + quote(lname) + ", got " + got());
  }
  if (e) finish_labels(e);
}

}  // namespace observe::exposition
