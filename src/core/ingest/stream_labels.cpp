#include "core/ingest/stream_labels.h"

#include <algorithm>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/promql/lexer.h"

namespace observe::ingest {

namespace {

bool name_char(char c, bool first, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
         (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view s, bool colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); i++)
    if (!name_char(s[i], i == 0, colon)) return false;
  return true;
}

[[noreturn]] void bad(const std::string& msg, int pos = -1) {
  throw Error(ErrorKind::kDataException, msg, pos);
}

}  // namespace

bool valid_label_name(std::string_view name) { return valid_name(name, false); }
bool valid_metric_name(std::string_view name) { return valid_name(name, true); }

std::vector<Label> parse_stream_selector(std::string_view text) {
  std::vector<Label> out;
  auto fail = [&](const std::string& what, int pos) -> void {
    bad("invalid stream labels " + quote_for_message(text, 256) + ": " + what + " at byte " + std::to_string(pos),
        pos);
  };
  try {
    promql::Lexer lx(text);
    promql::Token t = lx.next();
    if (t.kind == promql::Tok::kIdent) {
      if (!valid_metric_name(t.text)) fail("invalid metric name " + quote_for_message(t.text, 64), t.pos);
      out.push_back({std::string(kMetricNameLabel), t.text});
      t = lx.next();
      if (t.kind == promql::Tok::kEOF) return out;
    }
    if (t.kind != promql::Tok::kLBrace) fail("expected '{'", t.pos);
    t = lx.next();
    while (t.kind != promql::Tok::kRBrace) {
      if (t.kind != promql::Tok::kIdent || !valid_label_name(t.text)) fail("expected a label name", t.pos);
      std::string name = std::move(t.text);
      t = lx.next();
      if (t.kind != promql::Tok::kAssign) fail("expected '=' after label name " + quote_for_message(name, 64), t.pos);
      t = lx.next();
      if (t.kind != promql::Tok::kString) fail("expected a quoted label value", t.pos);
      out.push_back({std::move(name), std::move(t.text)});
      t = lx.next();
      if (t.kind == promql::Tok::kComma) {
        t = lx.next();
      } else if (t.kind != promql::Tok::kRBrace) {
        fail("expected ',' or '}'", t.pos);
      }
    }
    t = lx.next();
    if (t.kind != promql::Tok::kEOF) fail("unexpected text after '}'", t.pos);
  } catch (const SyntaxError& e) {
    bad("invalid stream labels " + quote_for_message(text, 256) + ": " + e.what(), e.position());
  }
  return out;
}

std::string format_stream(const std::vector<Label>& pairs) {
  std::string s = "{";
  for (size_t i = 0; i < pairs.size(); i++) {
    if (i) s += ", ";
    s += pairs[i].name;
    s += '=';
    s += quote_label_value(pairs[i].value);
  }
  s += '}';
  return s;
}

Labels validate_stream_labels(std::vector<Label> pairs, const LabelLimits& limits, std::string_view what) {
  pairs.erase(std::remove_if(pairs.begin(), pairs.end(), [](const Label& l) { return l.value.empty(); }),
              pairs.end());
  sort_labels_by_name(pairs);
  // Loki's messages (pkg/validation/validate.go), with the stream as given; formatted only for
  // an error (this runs for every stream, on the Kafka path for every message).
  auto stream = [&] {
    if (!what.empty()) return quote_for_message(what, 256);
    std::string text = format_stream(pairs);
    return quote_for_message(text, 256);
  };
  if (pairs.empty()) bad("error at least one label pair is required per stream");
  if (pairs.size() > limits.max_label_names)
    bad("stream " + stream() + " has " + std::to_string(pairs.size()) + " label names; limit " +
        std::to_string(limits.max_label_names));
  for (size_t i = 0; i < pairs.size(); i++) {
    const Label& l = pairs[i];
    if (!valid_label_name(l.name) && !(l.name == kMetricNameLabel))
      bad("stream " + stream() + " has invalid label name " + quote_for_message(l.name, 64));
    if (l.name.size() > limits.max_name_length)
      bad("stream " + stream() + " has label name too long: " + quote_for_message(l.name, 64));
    if (l.value.size() > limits.max_value_length)
      bad("stream " + stream() + " has label value too long: " + quote_for_message(l.value, 64));
    if (!valid_utf8(l.value))
      bad("stream " + stream() + " has a label value that is not valid UTF-8: " + quote_for_message(l.value, 64));
    if (i > 0 && pairs[i - 1].name == l.name)
      bad("stream " + stream() + " has duplicate label name: " + quote_for_message(l.name, 64));
  }
  return Labels(std::move(pairs));
}

}  // namespace observe::ingest
