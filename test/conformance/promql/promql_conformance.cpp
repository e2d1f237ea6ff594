// Runs Prometheus's promqltest .test files (shared/conformance/promql) against the engine.
// Implements load/clear/eval with the expect lines of FORMAT.md, the hidden @-modifier and
// range-mode checks of the upstream runner, skips non-core evals (evals.tsv) and ratchets
// the failures against known_failures.txt.
//
// usage: promql_conformance [--sql <conninfo> [--copy] [--diff]] [--no-hidden] <corpus dir> [known_failures.txt]
//                           [-v] [--all] [file ...]
// --sql runs every eval through observe.promql/observe.promql_range on an observe_ts table
// (sql_backend.h) instead of the in-process engine, loading with INSERT (--copy: COPY);
// --diff runs both and requires identical answers (diff_backend.h);
// --no-hidden skips the @ and range-mode checks.
#include <re2/re2.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/promql/engine.h"
#include "core/promql/lexer.h"
#include "core/promql/memory_storage.h"
#include "core/promql/parser.h"
#include "core/promql/printer.h"
#include "backend.h"
#include "diff_backend.h"
#ifdef OBSERVE_CONFORMANCE_SQL
#include "sql_backend.h"
#endif

using namespace observe;
using namespace observe::promql;
using observe::promql::conformance::Backend;

namespace {

bool g_verbose = false;
bool g_all = false;  // --all: also run non-core evals (informational, never ratcheted)
bool g_hidden = true;  // the upstream runner's @-modifier and range-mode checks

// The in-process engine over a MemoryStorage.
class MemoryBackend : public Backend {
 public:
  MemoryBackend() { opts_.max_samples = 10000; }  // what the upstream test engine uses
  void clear() override { st_.clear(); }
  void add(const Labels& series, int64_t t, double v) override { st_.add(series, t, v); }
  Value instant(const std::string* text, const NodePtr& expr, int64_t t) override {
    return text != nullptr ? instant_query(st_, *text, t, opts_) : instant_query(st_, expr, t, opts_);
  }
  Value range(const std::string* text, const NodePtr& expr, int64_t start, int64_t end, int64_t step) override {
    return text != nullptr ? range_query(st_, *text, start, end, step, opts_)
                           : range_query(st_, expr, start, end, step, opts_);
  }
  bool has_annotations() const override { return true; }

 private:
  MemoryStorage st_;
  EngineOptions opts_;
};

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Go's ParseFloat subset the files use (Inf, NaN, signs, exponents); false if not a number.
bool parse_number(const std::string& s, double* v) {
  if (s.empty()) return false;
  std::string l = lower(s);
  if (l == "inf" || l == "+inf") { *v = INFINITY; return true; }
  if (l == "-inf") { *v = -INFINITY; return true; }
  if (l == "nan") { *v = std::nan(""); return true; }
  if (l.find("inf") != std::string::npos || l.find("nan") != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  if (l.size() > 2 && (l.rfind("0x", 0) == 0)) {
    *v = static_cast<double>(std::strtoull(s.c_str(), &end, 16));
  } else {
    *v = std::strtod(s.c_str(), &end);
  }
  return end == s.c_str() + s.size();
}

bool parse_time(const std::string& s, int64_t* ms) {
  if (parse_duration(s, ms)) return true;
  double v;
  if (parse_number(s, &v)) {
    *ms = static_cast<int64_t>(std::llround(v * 1000));
    return true;
  }
  return false;
}

// almost.Equal with Prometheus's StaleNaN rule.
bool float_equal(double a, double b) {
  if (is_stale_nan(a) || is_stale_nan(b)) return is_stale_nan(a) && is_stale_nan(b);
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < DBL_MIN) return diff < 1e-6 * DBL_MIN;
  return diff / std::min(abs_sum, DBL_MAX) < 1e-6;
}

// Splits `metric{a="b c"} 1 2` into the series text and the rest.
void split_series(const std::string& line, std::string* series, std::string* rest) {
  int depth = 0;
  bool quote = false;
  size_t i = 0;
  for (; i < line.size(); i++) {
    char c = line[i];
    if (quote) {
      if (c == '\\') i++;
      else if (c == '"') quote = false;
      continue;
    }
    if (c == '"') quote = true;
    else if (c == '{') depth++;
    else if (c == '}') depth--;
    else if ((c == ' ' || c == '\t') && depth == 0) break;
  }
  *series = line.substr(0, i);
  *rest = i < line.size() ? trim(line.substr(i)) : "";
}

struct Point {
  bool present = false;
  bool histogram = false;
  double v = 0;
};

std::vector<std::string> split_items(const std::string& s) {
  // Histogram literals `{{...}}` contain spaces: keep them together.
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i >= s.size()) break;
    size_t start = i;
    int depth = 0;
    while (i < s.size()) {
      if (s[i] == '{') depth++;
      else if (s[i] == '}') depth--;
      else if ((s[i] == ' ' || s[i] == '\t') && depth == 0) break;
      i++;
    }
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

// Expanding notation of FORMAT.md; throws std::runtime_error on malformed items.
std::vector<Point> expand_values(const std::string& text) {
  std::vector<Point> out;
  for (const std::string& item : split_items(text)) {
    if (item.rfind("{{", 0) == 0) {
      size_t close = item.rfind("}}");
      int64_t times = 0;
      if (close != std::string::npos && close + 2 < item.size()) {
        std::string tail = item.substr(close + 2);
        size_t x = tail.find('x');
        if (x != std::string::npos) times = std::atoll(tail.c_str() + x + 1);
      }
      for (int64_t k = 0; k <= times; k++) out.push_back({true, true, 0});
      continue;
    }
    if (item == "_") { out.push_back({}); continue; }
    if (item == "stale") { out.push_back({true, false, stale_nan()}); continue; }
    size_t x = item.rfind('x');
    if (x != std::string::npos && x > 0) {
      std::string head = item.substr(0, x);
      int64_t times = std::atoll(item.c_str() + x + 1);
      if (head == "_") {
        for (int64_t k = 0; k < times; k++) out.push_back({});
        continue;
      }
      // a+b, a-b or a
      size_t op = std::string::npos;
      for (size_t k = 1; k < head.size(); k++) {
        if ((head[k] == '+' || head[k] == '-') && head[k - 1] != 'e' && head[k - 1] != 'E') {
          op = k;
          break;
        }
      }
      double a, b = 0;
      if (op == std::string::npos) {
        if (!parse_number(head, &a)) throw std::runtime_error("bad value " + item);
      } else {
        if (!parse_number(head.substr(0, op), &a) || !parse_number(head.substr(op + 1), &b))
          throw std::runtime_error("bad value " + item);
        if (head[op] == '-') b = -b;
      }
      double k = a;
      for (int64_t j = 0; j <= times; j++) {
        out.push_back({true, false, k});
        k += b;
      }
      continue;
    }
    double v;
    if (!parse_number(item, &v)) throw std::runtime_error("bad value " + item);
    out.push_back({true, false, v});
  }
  return out;
}

struct ExpectedSeries {
  Labels labels;
  std::vector<Point> points;
};

struct Eval {
  std::string file;
  int line = 0;
  std::string expr;
  bool range = false;
  int64_t t = 0, start = 0, end = 0, step = 0;
  bool fail = false, ordered = false;
  std::string fail_msg, fail_regex;
  bool has_warn = false, has_info = false, no_warn = false, no_info = false;
  std::vector<std::pair<std::string, std::string>> warn_expect, info_expect;  // (msg|regex, text)
  bool has_string = false;
  std::string expected_string;
  bool range_vector = false;
  int64_t rv_start = 0, rv_end = 0, rv_step = 0;
  bool scalar = false;
  double scalar_value = 0;
  std::vector<ExpectedSeries> series;
};

std::string fmt_value(const Value& v) {
  std::ostringstream o;
  switch (v.type) {
    case ValueType::kScalar: o << "scalar " << v.scalar; break;
    case ValueType::kString: o << "string \"" << v.str << "\""; break;
    case ValueType::kVector:
      o << "vector[";
      for (auto& e : v.vector) o << " " << e.metric.to_string() << "=" << e.v;
      o << " ]";
      break;
    case ValueType::kMatrix:
      o << "matrix[";
      for (auto& s : v.matrix) {
        o << " " << s.metric.to_string() << "=";
        for (auto& p : s.samples) o << p.v << "@" << p.t / 1000.0 << " ";
      }
      o << "]";
      break;
    default: o << "none";
  }
  return o.str();
}

// Compares an instant query's value with the expectation; returns "" when it matches.
// The series of matrix result v with these labels must hold exactly `want`.
std::string compare_series(const Value& v, const Labels& labels, const std::vector<Sample>& want) {
  const Series* found = nullptr;
  for (auto& s : v.matrix)
    if (s.metric == labels) found = &s;
  if (!found) return "missing series " + labels.to_string() + ", got " + fmt_value(v);
  if (want.size() != found->samples.size()) return "point count mismatch for " + labels.to_string() + ", got " + fmt_value(v);
  for (size_t i = 0; i < want.size(); i++)
    if (want[i].t != found->samples[i].t || !float_equal(want[i].v, found->samples[i].v))
      return "point mismatch for " + labels.to_string() + ", got " + fmt_value(v);
  return "";
}

std::string compare_instant(const Eval& e, const Value& v) {
  if (e.has_string) {
    if (v.type != ValueType::kString) return "expected string, got " + fmt_value(v);
    if (v.str != e.expected_string) return "expected string \"" + e.expected_string + "\", got \"" + v.str + "\"";
    return "";
  }
  if (e.scalar) {
    if (v.type != ValueType::kScalar) return "expected scalar, got " + fmt_value(v);
    if (!float_equal(v.scalar, e.scalar_value)) return "expected scalar " + std::to_string(e.scalar_value) + ", got " + fmt_value(v);
    return "";
  }
  if (e.range_vector) {
    if (v.type != ValueType::kMatrix) return "expected range vector, got " + fmt_value(v);
    if (v.matrix.size() != e.series.size()) return "series count mismatch, got " + fmt_value(v);
    for (auto& es : e.series) {
      std::vector<Sample> want;
      for (size_t i = 0; i < es.points.size(); i++)
        if (es.points[i].present) want.push_back({e.rv_start + static_cast<int64_t>(i) * e.rv_step, es.points[i].v});
      std::string err = compare_series(v, es.labels, want);
      if (!err.empty()) return err;
    }
    return "";
  }
  if (v.type != ValueType::kVector) return "expected vector, got " + fmt_value(v);
  for (auto& es : e.series)
    if (es.points.size() != 1 || es.points[0].histogram) return "histogram or multi-point expectation";
  if (v.vector.size() != e.series.size())
    return "expected " + std::to_string(e.series.size()) + " elements, got " + fmt_value(v);
  for (size_t i = 0; i < e.series.size(); i++) {
    const auto& es = e.series[i];
    size_t idx = v.vector.size();
    if (e.ordered) {
      if (v.vector[i].metric == es.labels) idx = i;
    } else {
      for (size_t k = 0; k < v.vector.size(); k++)
        if (v.vector[k].metric == es.labels) idx = k;
    }
    if (idx == v.vector.size()) return "missing/misplaced " + es.labels.to_string() + ", got " + fmt_value(v);
    if (!float_equal(v.vector[idx].v, es.points[0].v))
      return "value mismatch for " + es.labels.to_string() + ", got " + fmt_value(v);
  }
  return "";
}

std::string compare_range(const Eval& e, const Value& v) {
  if (v.type != ValueType::kMatrix) return "expected matrix, got " + fmt_value(v);
  for (size_t i = 1; i < v.matrix.size(); i++)
    if (!(v.matrix[i - 1].metric < v.matrix[i].metric)) return "matrix not sorted by labels";
  if (v.matrix.size() != e.series.size()) return "series count mismatch, got " + fmt_value(v);
  for (auto& es : e.series) {
    std::vector<Sample> want;
    for (size_t i = 0; i < es.points.size(); i++) {
      if (es.points[i].histogram) return "histogram expectation";
      if (es.points[i].present) want.push_back({e.start + static_cast<int64_t>(i) * e.step, es.points[i].v});
    }
    std::string err = compare_series(v, es.labels, want);
    if (!err.empty()) return err;
  }
  return "";
}

std::string check_annotations(const Eval& e, const Value& v) {
  auto check = [](const std::vector<std::string>& got, bool expected, bool forbidden,
                  const std::vector<std::pair<std::string, std::string>>& pats, const char* kind) -> std::string {
    if (forbidden && !got.empty()) return std::string("unexpected ") + kind + ": " + got[0];
    if (!expected) return "";
    if (got.empty()) return std::string("expected ") + kind + " annotation, got none";
    for (auto& g : got) {
      bool ok = false;
      for (auto& [mode, text] : pats) {
        if (mode.empty()) ok = true;
        else if (mode == "msg") ok |= g == text;
        else ok |= RE2::PartialMatch(g, RE2(text));
      }
      if (!ok) return std::string("unexpected ") + kind + ": " + g;
    }
    return "";
  };
  std::string r = check(v.warnings, e.has_warn, e.no_warn, e.warn_expect, "warning");
  if (!r.empty()) return r;
  return check(v.infos, e.has_info, e.no_info, e.info_expect, "info");
}

bool matches_fail(const Eval& e, const std::string& msg) {
  if (!e.fail_msg.empty()) return msg == e.fail_msg;
  if (!e.fail_regex.empty()) return RE2::PartialMatch(msg, RE2(e.fail_regex));
  return true;
}

// Functions whose value depends on the evaluation time even with step-invariant arguments
// (Prometheus's AtModifierUnsafeFunctions plus the query-context functions).
bool calls_at_unsafe_function(const Node& n) {
  static const std::set<std::string> unsafe = {"days_in_month", "day_of_month", "day_of_week", "day_of_year",
                                               "hour", "minute", "month", "year", "predict_linear", "time",
                                               "timestamp", "start", "end", "range", "step"};
  if (n.kind == NodeKind::kCall && unsafe.count(n.str)) return true;
  for (auto& a : n.args)
    if (calls_at_unsafe_function(*a)) return true;
  return false;
}

// Sets `@ t` on every selector and subquery without one; subquery contents stay untouched.
void set_at(Node& n, int64_t t) {
  switch (n.kind) {
    case NodeKind::kVectorSelector:
      if (n.at_kind == AtKind::kNone) { n.at_kind = AtKind::kValue; n.at_ms = t; }
      return;
    case NodeKind::kMatrixSelector:
      set_at(*n.args[0], t);
      return;
    case NodeKind::kSubquery:
      if (n.at_kind == AtKind::kNone) { n.at_kind = AtKind::kValue; n.at_ms = t; }
      return;
    default:
      for (auto& a : n.args) set_at(*a, t);
  }
}

std::string run_instant_once(Backend& st, const Eval& e, const NodePtr& expr, int64_t t, bool check_annos,
                             const std::string& text) {
  Value v;
  try {
    v = st.instant(check_annos ? &text : nullptr, expr, t);
  } catch (const std::exception& ex) {
    if (e.fail) return matches_fail(e, ex.what()) ? "" : std::string("wrong error: ") + ex.what();
    return std::string("error: ") + ex.what();
  }
  if (e.fail) return "expected error, got " + fmt_value(v);
  if (check_annos && st.has_annotations()) {
    std::string a = check_annotations(e, v);
    if (!a.empty()) return a;
  }
  std::string c = compare_instant(e, v);
  if (!c.empty()) return c;
  // Range-mode consistency (upstream runner): t-1m..t+1m step 1m must agree at t.
  static const RE2 ctx_funcs("(start|end|range|step)\\(\\)");
  if (!g_hidden || e.ordered || e.has_string || e.range_vector || RE2::PartialMatch(e.expr, ctx_funcs)) return "";
  Value r;
  try {
    r = st.range(nullptr, expr, t - 60000, t + 60000, 60000);
  } catch (const std::exception& ex) {
    return std::string("range mode error: ") + ex.what();
  }
  for (size_t i = 1; i < r.matrix.size(); i++)
    if (!(r.matrix[i - 1].metric < r.matrix[i].metric)) return "range mode: matrix not sorted";
  Value inst;
  inst.type = ValueType::kVector;
  for (auto& s : r.matrix)
    for (auto& p : s.samples)
      if (p.t == t) inst.vector.push_back({s.metric, p.v, t, false});
  if (v.type == ValueType::kScalar) {
    inst.type = ValueType::kScalar;
    inst.scalar = inst.vector.empty() ? std::nan("") : inst.vector[0].v;
  }
  std::string rc = compare_instant(e, inst);
  return rc.empty() ? "" : "range mode: " + rc;
}

std::string run_eval(Backend& st, const Eval& e) {
  if (e.range) {
    Value v;
    try {
      v = st.range(&e.expr, nullptr, e.start, e.end, e.step);
    } catch (const std::exception& ex) {
      if (e.fail) return matches_fail(e, ex.what()) ? "" : std::string("wrong error: ") + ex.what();
      return std::string("error: ") + ex.what();
    }
    if (e.fail) return "expected error, got " + fmt_value(v);
    if (st.has_annotations()) {
      std::string a = check_annotations(e, v);
      if (!a.empty()) return a;
    }
    return compare_range(e, v);
  }
  NodePtr expr;
  try {
    expr = parse_expr(e.expr);
  } catch (const std::exception& ex) {
    if (e.fail) return matches_fail(e, ex.what()) ? "" : std::string("wrong error: ") + ex.what();
    return std::string("parse error: ") + ex.what();
  }
  // The printer must give back a query that parses to the same tree.
  std::string printed = to_string(*expr);
  try {
    std::string again = to_string(*parse_expr(printed));
    if (again != printed) return "printer round trip: " + printed + " -> " + again;
  } catch (const std::exception& ex) {
    return "printed query does not parse: " + printed + ": " + ex.what();
  }
  std::string r = run_instant_once(st, e, expr, e.t, true, e.expr);
  if (!r.empty() || e.fail) return r;
  // @-modifier invariance (upstream runner's atModifierTestCases).
  if (!g_hidden || calls_at_unsafe_function(*expr)) return "";
  std::vector<int64_t> times = e.t == 0 ? std::vector<int64_t>{-1000, 0, 1000}
                                        : std::vector<int64_t>{-10 * e.t, 0, e.t / 5, e.t, 10 * e.t};
  for (int64_t at : times) {
    // As upstream: set @ on the tree, print it, and run the printed query.
    NodePtr re = parse_expr(e.expr);
    set_at(*re, e.t);
    re = parse_expr(to_string(*re));
    std::string rr = run_instant_once(st, e, re, at, false, e.expr);
    if (!rr.empty()) return "@ check at " + std::to_string(at) + "ms: " + rr;
  }
  return "";
}

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
};

struct Context {
  std::map<std::pair<std::string, int>, std::string> classes;
  std::set<std::string> known;
  std::vector<std::string> unexpected_failures, fixed;
  Counts total;
};

void run_file(const std::string& dir, const std::string& file, Context& ctx, Backend& st) {
  std::ifstream in(dir + "/" + file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    l = trim(l);
    if (!l.empty() && l[0] == '#') l.clear();
    lines.push_back(l);
  }
  st.clear();
  Counts c;
  size_t i = 0;
  while (i < lines.size()) {
    if (lines[i].empty()) { i++; continue; }
    std::string cmd = lines[i];
    int cmd_line = static_cast<int>(i) + 1;
    std::string first = lower(cmd.substr(0, cmd.find(' ')));
    size_t j = i + 1;
    while (j < lines.size() && !lines[j].empty()) j++;
    std::vector<std::string> body(lines.begin() + static_cast<long>(i) + 1, lines.begin() + static_cast<long>(j));
    i = j;
    if (first == "clear") {  // a one-line command: what follows it is the next command
      st.clear();
      i = static_cast<size_t>(cmd_line);
      continue;
    }
    if (first.rfind("load", 0) == 0) {
      std::string ival = trim(cmd.substr(cmd.find(' ') + 1));
      int64_t step;
      if (!parse_duration(ival, &step)) {
        std::cerr << file << ":" << cmd_line << ": bad load interval\n";
        continue;
      }
      for (auto& l : body) {
        std::string series, rest;
        split_series(l, &series, &rest);
        if (series.find("@st") != std::string::npos) continue;  // start timestamps: experimental
        try {
          Labels ls = parse_series(series);
          auto pts = expand_values(rest);
          for (size_t k = 0; k < pts.size(); k++)
            if (pts[k].present && !pts[k].histogram) st.add(ls, static_cast<int64_t>(k) * step, pts[k].v);
        } catch (const std::exception& ex) {
          if (g_verbose) std::cerr << file << ":" << cmd_line << ": load line skipped: " << ex.what() << "\n";
        }
      }
      continue;
    }
    if (first.rfind("eval", 0) != 0) {
      std::cerr << file << ":" << cmd_line << ": unknown command " << first << "\n";
      continue;
    }
    auto cls_it = ctx.classes.find({file, cmd_line});
    std::string cls = cls_it == ctx.classes.end() ? "unclassified" : cls_it->second;
    std::string id = file + ":" + std::to_string(cmd_line);
    if (cls != "core" && !g_all) {
      c.skipped++;
      continue;
    }
    Eval e;
    e.file = file;
    e.line = cmd_line;
    std::string err;
    try {
      std::string suffix = first.size() > 4 ? first.substr(5) : "";
      if (suffix == "fail") e.fail = true;
      if (suffix == "ordered") e.ordered = true;
      if (suffix == "warn") e.has_warn = true;
      if (suffix == "info") e.has_info = true;
      std::istringstream ss(cmd.substr(first.size()));
      std::string mode;
      ss >> mode;
      std::string rest;
      if (mode == "instant") {
        std::string at, tm;
        ss >> at >> tm;
        if (!parse_time(tm, &e.t)) throw std::runtime_error("bad eval time " + tm);
      } else if (mode == "range") {
        std::string from, a, to, b, stepw, s;
        ss >> from >> a >> to >> b >> stepw >> s;
        if (!parse_time(a, &e.start) || !parse_time(b, &e.end) || !parse_duration(s, &e.step))
          throw std::runtime_error("bad range spec");
        e.range = true;
      } else {
        throw std::runtime_error("bad eval mode " + mode);
      }
      std::getline(ss, rest);
      e.expr = trim(rest);
      for (auto& l : body) {
        if (l.rfind("expect ", 0) == 0) {
          std::string x = trim(l.substr(7));
          std::string kind = x.substr(0, x.find_first_of(" :"));
          std::string tail = trim(x.substr(kind.size()));
          std::string mode2, text;
          if (tail.rfind("msg:", 0) == 0) { mode2 = "msg"; text = trim(tail.substr(4)); }
          else if (tail.rfind("regex:", 0) == 0) { mode2 = "regex"; text = trim(tail.substr(6)); }
          if (kind == "fail") {
            e.fail = true;
            if (mode2 == "msg") e.fail_msg = text;
            if (mode2 == "regex") e.fail_regex = text;
          } else if (kind == "ordered") {
            e.ordered = true;
          } else if (kind == "warn") {
            e.has_warn = true;
            e.warn_expect.push_back({mode2, text});
          } else if (kind == "info") {
            e.has_info = true;
            e.info_expect.push_back({mode2, text});
          } else if (kind == "no_warn") {
            e.no_warn = true;
          } else if (kind == "no_info") {
            e.no_info = true;
          } else if (kind == "string") {
            e.has_string = true;
            std::string q = trim(tail);
            if (q.size() >= 2) e.expected_string = q.substr(1, q.size() - 2);
          } else if (kind == "range") {
            // expect range vector from <a> to <b> step <s>
            std::istringstream rs(tail);
            std::string vec, from, a, to, b, stepw, s;
            rs >> vec >> from >> a >> to >> b >> stepw >> s;
            if (!parse_time(a, &e.rv_start) || !parse_time(b, &e.rv_end) || !parse_duration(s, &e.rv_step))
              throw std::runtime_error("bad expect range vector");
            e.range_vector = true;
            e.t = e.rv_end;
          } else {
            throw std::runtime_error("unknown expect " + kind);
          }
          continue;
        }
        if (l.rfind("expected_fail_message", 0) == 0) { e.fail_msg = trim(l.substr(21)); continue; }
        if (l.rfind("expected_fail_regexp", 0) == 0) { e.fail_regex = trim(l.substr(20)); continue; }
        double v;
        if (parse_number(l, &v)) {
          e.scalar = true;
          e.scalar_value = v;
          continue;
        }
        ExpectedSeries es;
        std::string series, rest2;
        split_series(l, &series, &rest2);
        es.labels = parse_series(series);
        es.points = expand_values(rest2);
        e.series.push_back(std::move(es));
      }
      err = run_eval(st, e);
    } catch (const std::exception& ex) {
      err = std::string("runner: ") + ex.what();
    }
    bool known = ctx.known.count(id) > 0;
    if (cls != "core") {
      if (err.empty()) c.passed++;
      else c.failed++;
      if (g_verbose && !err.empty()) std::cout << "FAIL (" << cls << ") " << id << " " << e.expr << "\n     " << err << "\n";
      continue;
    }
    if (err.empty()) {
      c.passed++;
      if (known) ctx.fixed.push_back(id);
    } else {
      c.failed++;
      if (!known) ctx.unexpected_failures.push_back(id);
      if (g_verbose || !known) std::cout << "FAIL " << id << " " << e.expr << "\n     " << err << "\n";
    }
  }
  std::cout << file << ": " << c.passed << " passed, " << c.failed << " failed, " << c.skipped << " skipped\n";
  ctx.total.passed += c.passed;
  ctx.total.failed += c.failed;
  ctx.total.skipped += c.skipped;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  const char* conninfo = nullptr;
  bool copy = false, diff = false;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "-v") == 0) g_verbose = true;
    else if (std::strcmp(argv[i], "--all") == 0) g_all = true;
    else if (std::strcmp(argv[i], "--no-hidden") == 0) g_hidden = false;
    else if (std::strcmp(argv[i], "--sql") == 0 && i + 1 < argc) conninfo = argv[++i];
    else if (std::strcmp(argv[i], "--copy") == 0) copy = true;
    else if (std::strcmp(argv[i], "--diff") == 0) diff = true;
    else pos.push_back(argv[i]);
  }
  if (pos.empty()) {
    std::cerr << "usage: promql_conformance [--sql <conninfo> [--copy] [--diff]] [--no-hidden] <corpus dir> [known_failures.txt] "
                 "[-v] [--all] [file ...]\n";
    return 2;
  }
  std::string dir = pos[0];
  std::ifstream tsv(dir + "/evals.tsv");
  if (!tsv) {
    std::cout << "PromQL conformance corpus not found at " << dir << ": skipped\n";
    return 77;
  }
  Context ctx;
  std::string line;
  std::getline(tsv, line);  // header
  while (std::getline(tsv, line)) {
    std::istringstream ls(line);
    std::string f, l, cls;
    std::getline(ls, f, '\t');
    std::getline(ls, l, '\t');
    std::getline(ls, cls, '\t');
    ctx.classes[{f, std::atoi(l.c_str())}] = trim(cls);
  }
  if (pos.size() > 1) {
    std::ifstream kf(pos[1]);
    for (std::string k; std::getline(kf, k);) {
      k = trim(k);
      if (!k.empty() && k[0] != '#') ctx.known.insert(k.substr(0, k.find_first_of(" \t")));
    }
  }
  std::set<std::string> filter(pos.begin() + std::min<size_t>(pos.size(), 2), pos.end());
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* ent = readdir(d)) {
      std::string n = ent->d_name;
      if (n.size() > 5 && n.substr(n.size() - 5) == ".test" && (filter.empty() || filter.count(n))) files.push_back(n);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  if (files.size() < filter.size()) {
    std::cerr << "some of the files asked for are not in " << dir << "\n";
    return 2;
  }
  std::unique_ptr<Backend> backend;
  if (conninfo != nullptr) {
#ifdef OBSERVE_CONFORMANCE_SQL
    try {
      backend = std::make_unique<observe::promql::conformance::SqlBackend>(conninfo, copy);
      if (diff)
        backend = std::make_unique<observe::promql::conformance::DiffBackend>(std::make_unique<MemoryBackend>(),
                                                                              std::move(backend));
    } catch (const std::exception& ex) {
      std::cerr << "SQL mode: " << ex.what() << "\n";
      return 2;
    }
#else
    std::cerr << "built without libpq: no SQL mode\n";
    return 2;
#endif
  } else {
    backend = std::make_unique<MemoryBackend>();
  }
  for (auto& f : files) {
    try {
      run_file(dir, f, ctx, *backend);
    } catch (const std::exception& ex) {  // a SQL mode load failure: the file cannot run
      std::cout << f << ": " << ex.what() << "\n";
      ctx.unexpected_failures.push_back(f);
    }
  }
  std::cout << "TOTAL: " << ctx.total.passed << " passed, " << ctx.total.failed << " failed, " << ctx.total.skipped
            << " skipped\n";
  for (auto& f : ctx.fixed) std::cout << "now passing, remove from known_failures.txt: " << f << "\n";
  if (!ctx.unexpected_failures.empty()) {
    std::cout << ctx.unexpected_failures.size() << " core eval(s) failed that known_failures.txt does not list\n";
    return 1;
  }
  return 0;
}
