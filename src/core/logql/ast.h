// The LogQL syntax tree: a log query is a stream selector plus a pipeline of stages; a metric
// query is a PromQL tree (core/promql/ast.h) whose leaves are LogQL range aggregations
// (kExternal nodes), so that vector aggregations, binary operators, vector matching,
// label_replace, vector() and sort are PromQL's own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/matcher.h"
#include "core/promql/ast.h"

namespace re2 {
class RE2;
}

namespace observe::logql {
class HyperscanFilter;
}  // namespace observe::logql

namespace observe::logql {

class Template;
class PatternMatcher;
class IpMatcher;

// |=, !=, |~, !~, |>, !>
enum class LineFilterOp { kContains, kNotContains, kRegex, kNotRegex, kPattern, kNotPattern };

// One operand of a line filter (several when chained with `or`).
struct LineFilterTerm {
  std::string value;
  bool ip = false;                          // ip("...") operand
  std::shared_ptr<const re2::RE2> re;       // |~ / !~
  std::shared_ptr<const HyperscanFilter> hs;  // |~ / !~ where Hyperscan agrees with RE2 (faster)
  std::shared_ptr<const PatternMatcher> pattern;  // |> / !>
  std::shared_ptr<const IpMatcher> ipm;     // ip()
  // |~ / !~ whose regex is an alternation of plain literals (`a|b|c`): it matches exactly the
  // lines holding one of them, so storage may skip chunks and lines as for `|= "a" or "b"`.
  // Empty for any other regex (regex_literal_alternatives, parser.h).
  std::vector<std::string> literals;
};

struct LineFilter {
  LineFilterOp op = LineFilterOp::kContains;
  std::vector<LineFilterTerm> terms;  // OR-ed
  bool negative() const {
    return op == LineFilterOp::kNotContains || op == LineFilterOp::kNotRegex || op == LineFilterOp::kNotPattern;
  }
};

// Label filter expression tree.
struct LabelFilter;
using LabelFilterPtr = std::shared_ptr<LabelFilter>;
enum class CmpOp { kEq, kNeq, kGt, kGte, kLt, kLte };
struct LabelFilter {
  enum Kind { kAnd, kOr, kString, kNumeric, kDuration, kBytes, kIp } kind = kString;
  LabelFilterPtr lhs, rhs;                 // kAnd, kOr
  std::optional<LabelMatcher> matcher;     // kString
  std::string name;                        // leaf label name
  CmpOp op = CmpOp::kEq;                   // numeric/duration/bytes/ip
  double number = 0;                       // numeric; duration in seconds; bytes
  std::string text;                        // the literal as written (printing)
  std::shared_ptr<const IpMatcher> ipm;    // kIp
};

// A `name="expression"` of json/logfmt, or `dst=src` / `dst="template"` of label_format.
struct NamedParam {
  std::string name;
  std::string value;
  bool is_template = false;                 // label_format dst="{{...}}"
  std::shared_ptr<const Template> tmpl;
  std::vector<std::string> json_path;       // json expression, parsed
};

struct DropKeepItem {
  std::string name;
  std::optional<LabelMatcher> matcher;
};

enum class StageKind { kLineFilter, kJson, kLogfmt, kRegexp, kPattern, kUnpack, kLabelFilter, kLineFormat, kLabelFormat, kDrop, kKeep, kDecolorize };

struct Stage {
  StageKind kind = StageKind::kLineFilter;
  LineFilter line_filter;
  std::vector<NamedParam> params;           // json / logfmt expressions, label_format
  bool strict = false, keep_empty = false;  // logfmt flags
  std::string text;                         // regexp / pattern / line_format source
  std::shared_ptr<const re2::RE2> re;       // regexp
  std::shared_ptr<const PatternMatcher> pattern;
  std::shared_ptr<const Template> tmpl;     // line_format
  LabelFilterPtr label_filter;
  std::vector<DropKeepItem> items;          // drop / keep
};

struct LogSelector {
  Matchers matchers;
  std::vector<Stage> stages;
};

enum class UnwrapConv { kNone, kDuration, kBytes };
struct Unwrap {
  std::string label;
  UnwrapConv conv = UnwrapConv::kNone;
  std::vector<LabelFilterPtr> post_filters;  // `| unwrap x | __error__=""`
};

enum class RangeOp {
  kCountOverTime, kRate, kRateCounter, kBytesOverTime, kBytesRate, kAvgOverTime, kSumOverTime, kMinOverTime,
  kMaxOverTime, kStdvarOverTime, kStddevOverTime, kQuantileOverTime, kFirstOverTime, kLastOverTime, kAbsentOverTime
};
const char* range_op_name(RangeOp op);

// A range aggregation: `op([param,] selector | pipeline [| unwrap ...] [range] [offset]) [by|without (...)]`.
struct RangeAggregation {
  RangeOp op = RangeOp::kCountOverTime;
  double param = 0;  // quantile
  LogSelector log;
  std::optional<Unwrap> unwrap;
  int64_t range_ms = 0, offset_ms = 0;
  bool has_grouping = false, without = false;
  std::vector<std::string> grouping;
};

// A parsed query: a log query (selector + pipeline) or a metric query.
struct Query {
  bool is_log = false;
  LogSelector log;             // is_log
  promql::NodePtr metric;      // !is_log; kExternal leaves hold RangeAggregation leaves
  bool has_approx_topk = false;  // only valid on instant queries
  // A stage that cannot be built (bad regexp, pattern, template, ip()): the text parses, as
  // in Loki, but evaluation fails with this message (a SyntaxError at deferred_error_pos).
  std::string deferred_error;
  int deferred_error_pos = 0;
};

}  // namespace observe::logql
