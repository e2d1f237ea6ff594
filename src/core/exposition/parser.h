// Streaming, zero-copy parser of Prometheus text format 0.0.4 and OpenMetrics 1.0 payloads,
// with Prometheus's textparse semantics (what it accepts and what it refuses).
//
//   exposition::Parser p(body, exposition::format_from_content_type(content_type));
//   exposition::Entry e;
//   while (p.next(&e)) if (e.kind == exposition::EntryKind::kSample) use(e);
//
// next() throws ParseError ("line N: what is wrong") at the first malformed line; the
// entries before it were valid. Views in the Entry point into the payload or the parser and
// stay valid until the next call to next(); the payload must outlive the parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/exposition/family.h"
#include "core/exposition/parse_error.h"
#include "core/exposition/types.h"

namespace observe::exposition {

struct ParserOptions {
  // Drop OpenMetrics `_created` series of counters, histograms and summaries (Prometheus does
  // when created-timestamp ingestion is on); by default they are ordinary samples.
  bool skip_created_series = false;
};

class Parser {
 public:
  Parser(std::string_view payload, Format format, ParserOptions options = {});

  // Fills *e with the next sample or metadata line; false at the end of the payload (after
  // `# EOF` in OpenMetrics). Comments and blank lines (text format) are skipped.
  bool next(Entry* e);

  Format format() const { return format_; }
  // 1-based line the parser is on (after an error: the malformed line).
  size_t line() const { return line_; }

 private:
  bool next_text(Entry* e);
  bool next_openmetrics(Entry* e);
  // Text format.
  bool text_comment(Entry* e);
  void text_sample(Entry* e);
  void text_labels(Entry* e);
  // OpenMetrics.
  bool om_comment(Entry* e);
  void om_sample(Entry* e);
  void om_labels(Entry* e, bool exemplar);
  void om_after_value(Entry* e);
  void om_exemplar();
  void om_timestamp(std::string_view token, Entry* e);
  // Shared.
  struct QuotedValue {
    size_t begin = 0, end = 0;  // the raw value, without its quotes
    bool escaped = false;       // holds a backslash
    bool non_ascii = false;     // needs the UTF-8 check
  };
  void skip_blanks();
  void end_line();
  std::string_view scan_metric_name();
  QuotedValue scan_quoted_value(bool newline_allowed, std::string_view label);
  void add_label(Entry* e, std::string_view name, const QuotedValue& v);
  void finish_labels(Entry* e);
  void finish_sample(Entry* e, std::string_view name);
  double parse_number(std::string_view token, const char* what);
  static std::string quote(std::string_view s);
  std::string got() const;
  [[noreturn]] void fail(const std::string& what);

  std::string_view in_;
  size_t pos_ = 0;
  size_t line_ = 1;
  Format format_;
  ParserOptions options_;
  bool done_ = false;
  FamilyTracker family_;
  // Unescaped label values and HELP text of the current entry; views are patched in after
  // the line is parsed because the buffer may grow while it is.
  std::string scratch_;
  struct Fixup {
    size_t label;
    size_t offset;
    size_t length;
  };
  std::vector<Fixup> fixups_;
};

// Calls f(const Entry&) for every sample of the payload.
template <class F>
void for_each_sample(std::string_view payload, Format format, F&& f, ParserOptions options = {}) {
  Parser p(payload, format, options);
  Entry e;
  while (p.next(&e))
    if (e.kind == EntryKind::kSample) f(static_cast<const Entry&>(e));
}

}  // namespace observe::exposition
