// Runs a log pipeline (line filters, parsers, label filters, formatters, drop/keep) over one
// entry at a time, with Loki's label precedence (stream > structured metadata > parsed, the
// losers under `<name>_extracted`) and its __error__ / __error_details__ rules.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/common/labels.h"
#include "core/logql/ast.h"

namespace observe::logql {

inline constexpr char kErrorLabel[] = "__error__";
inline constexpr char kErrorDetailsLabel[] = "__error_details__";

// The labels of one entry while it goes through the pipeline.
class LabelSet {
 public:
  enum Origin { kStream, kMeta, kParsed };
  void reset(const Labels& stream, const Labels& metadata);
  // Value of a label (also __error__ / __error_details__); nullptr when absent.
  const std::string* get(std::string_view name) const;
  // A field from a parser stage: on a clash with a stream label or metadata it goes to
  // `<name>_extracted`.
  void set_parsed(const std::string& name, std::string_view value);
  // Sets or overwrites (label_format).
  void set(const std::string& name, std::string_view value);
  void del(std::string_view name);
  bool has_error() const { return !err_.empty(); }
  void set_error(const std::string& err, const std::string& details);
  // The label set of the entry, sorted, with __error__ / __error_details__ when set.
  Labels result() const;
  // Keeps only the labels for which keep(name, value) is true (never the error labels).
  template <typename F>
  void retain(F keep) {
    size_t kept = 0;
    for (size_t i = 0; i < n_; i++)
      if (keep(entries_[i].name, entries_[i].value)) {
        if (kept != i) std::swap(entries_[kept], entries_[i]);
        kept++;
      }
    n_ = kept;
  }

 private:
  struct Entry {
    std::string name, value;
    Origin origin;
  };
  Entry* find(std::string_view name);
  const Entry* find(std::string_view name) const;
  void push(std::string_view name, std::string_view value, Origin origin);
  // entries_[0, n_) are the labels; the rest keep their strings' buffers for the next entry
  // (one LabelSet serves every line of a query: no allocation per label per line).
  std::vector<Entry> entries_;
  size_t n_ = 0;
  std::string err_, details_;
};

class JsonExtractor;

// Keys a parser stage has seen in one line (duplicate keys keep the first). Reused from line
// to line; a linear scan while there are few, a hash set past that.
class SeenKeys {
 public:
  void clear() {
    n_ = 0;
    many_.clear();
  }
  // True the first time a key is inserted since clear().
  bool insert(std::string_view key);

 private:
  static constexpr size_t kLinear = 32;
  std::vector<std::string> keys_;
  size_t n_ = 0;
  std::unordered_set<std::string> many_;
};

// Compiled pipeline of a LogSelector (its stages), reusable across entries.
class Pipeline {
 public:
  explicit Pipeline(const std::vector<Stage>& stages);
  ~Pipeline();
  // Runs the stages; false when the entry is filtered out. `line` may be rewritten.
  bool process(int64_t ts_ns, std::string* line, LabelSet* labels);

 private:
  bool label_filter(const LabelFilter& f, LabelSet* labels);
  const std::vector<Stage>& stages_;
  std::unique_ptr<JsonExtractor> json_;
  SeenKeys seen_;
};

// Line filter test (shared with storage, which may skip lines or chunks with it).
bool line_filter_matches(const LineFilter& f, std::string_view line);

// False when no entry of a stream with these labels can pass `stages`: a label filter reached
// only through stages that never change a stream label (line filters, json / logfmt / regexp /
// pattern, which put a colliding name in <name>_extracted, line_format, decolorize and other
// label filters) rejects the stream's own value (a string matcher on a stream label; `and`
// when a side does, `or` when both do). True when that cannot be known before reading lines.
// The engine skips such streams without reading them: the answer is the same, as none of their
// entries would reach the end of the pipeline.
bool stream_can_pass(const std::vector<Stage>& stages, const Labels& stream);

// Evaluates the label filters that follow unwrap.
bool post_unwrap_filters(const std::vector<LabelFilterPtr>& filters, LabelSet* labels);

}  // namespace observe::logql
