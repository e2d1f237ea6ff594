// PromQL functions: the table the parser checks calls against, and their evaluation.
#include "core/promql/functions.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <unordered_map>

#include "core/promql/function_impl.h"
#include "core/promql/strutil.h"

namespace observe::promql {

namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType STR = ValueType::kString;

const std::vector<FunctionInfo>& table() {
  static const std::vector<FunctionInfo> t = {
      {"abs", {V}}, {"absent", {V}}, {"absent_over_time", {M}}, {"acos", {V}}, {"acosh", {V}},
      {"asin", {V}}, {"asinh", {V}}, {"atan", {V}}, {"atanh", {V}}, {"avg_over_time", {M}},
      {"ceil", {V}}, {"changes", {M}}, {"clamp", {V, S, S}}, {"clamp_max", {V, S}}, {"clamp_min", {V, S}},
      {"cos", {V}}, {"cosh", {V}}, {"count_over_time", {M}}, {"days_in_month", {V}, 1},
      {"day_of_month", {V}, 1}, {"day_of_week", {V}, 1}, {"day_of_year", {V}, 1}, {"deg", {V}},
      {"delta", {M}}, {"deriv", {M}}, {"exp", {V}}, {"floor", {V}}, {"first_over_time", {M}},
      {"histogram_avg", {V}}, {"histogram_count", {V}}, {"histogram_sum", {V}},
      {"histogram_stddev", {V}}, {"histogram_stdvar", {V}}, {"histogram_fraction", {S, S, V}},
      {"histogram_quantile", {S, V}}, {"histogram_quantiles", {V, STR, S, S}, 9, V, true}, {"hour", {V}, 1}, {"idelta", {M}}, {"increase", {M}},
      {"irate", {M}}, {"label_replace", {V, STR, STR, STR, STR}}, {"label_join", {V, STR, STR, STR}, -1},
      {"last_over_time", {M}}, {"ln", {V}}, {"log10", {V}}, {"log2", {V}},
      {"mad_over_time", {M}, 0, V, true}, {"max_over_time", {M}}, {"min_over_time", {M}}, {"minute", {V}, 1},
      {"month", {V}, 1}, {"pi", {}, 0, S}, {"predict_linear", {M, S}}, {"present_over_time", {M}},
      {"quantile_over_time", {S, M}}, {"rad", {V}}, {"rate", {M}}, {"resets", {M}}, {"round", {V, S}, 1},
      {"scalar", {V}, 0, S}, {"sgn", {V}}, {"sin", {V}}, {"sinh", {V}}, {"sort", {V}}, {"sort_desc", {V}},
      {"sort_by_label", {V, STR}, -1, V, true}, {"sort_by_label_desc", {V, STR}, -1, V, true},
      {"sqrt", {V}}, {"stddev_over_time", {M}}, {"stdvar_over_time", {M}}, {"sum_over_time", {M}},
      {"tan", {V}}, {"tanh", {V}}, {"time", {}, 0, S}, {"timestamp", {V}}, {"vector", {S}},
      {"year", {V}, 1},
      {"ts_of_min_over_time", {M}, 0, V, true}, {"ts_of_max_over_time", {M}, 0, V, true},
      {"ts_of_first_over_time", {M}, 0, V, true}, {"ts_of_last_over_time", {M}, 0, V, true},
      {"double_exponential_smoothing", {M, S, S}, 0, V, true},
      {"step", {}, 0, S, true}, {"range", {}, 0, S, true}, {"start", {}, 0, S, true}, {"end", {}, 0, S, true},
      {"min_of", {S, S}, 0, S, true}, {"max_of", {S, S}, 0, S, true},
  };
  return t;
}

// facette/natsort's Compare (what sort_by_label uses): digit runs compare as integers.
bool natural_less(std::string_view a, std::string_view b) {
  auto chunks = [](std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
      size_t j = i;
      bool digit = std::isdigit(static_cast<unsigned char>(s[i])) != 0;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) != 0) == digit) j++;
      out.push_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  };
  auto as_int = [](std::string_view c, long long* v) {
    if (c.empty() || c.size() > 18) return false;
    for (char ch : c)
      if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
    *v = std::atoll(std::string(c).c_str());
    return true;
  };
  auto ca = chunks(a), cb = chunks(b);
  for (size_t i = 0; i < ca.size(); i++) {
    if (i >= cb.size()) return false;
    long long x, y;
    bool equal;
    if (as_int(ca[i], &x) && as_int(cb[i], &y)) {
      if (x != y) return x < y;
      equal = true;
    } else {
      if (ca[i] != cb[i]) return ca[i] < cb[i];
      equal = true;
    }
    if (equal) {
      if (i == ca.size() - 1) return true;
      if (i == cb.size() - 1) return false;
    }
  }
  return false;
}

double go_min(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::min(a, b);
}
double go_max(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::max(a, b);
}

Value eval_date(Evaluator& ev, const Node& n, int64_t t, int (*f)(const std::tm&)) {
  Vector out;
  auto conv = [&](double secs) {
    std::time_t tt = static_cast<std::time_t>(static_cast<int64_t>(secs));
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return static_cast<double>(f(tm));
  };
  if (n.args.empty()) {
    out.push_back({Labels(), conv(static_cast<double>(t / 1000)), t, false});
    return vector_value(std::move(out), t);
  }
  Value v = ev.eval(*n.args[0], t);
  for (auto& e : v.vector) out.push_back({e.metric, conv(e.v), t, true});
  return vector_value(std::move(out), t);
}

int days_in_month(const std::tm& tm) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = tm.tm_year + 1900;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return tm.tm_mon == 1 && leap ? 29 : days[tm.tm_mon];
}

using MathFn = double (*)(double);

const std::unordered_map<std::string, MathFn>& math_functions() {
  static const std::unordered_map<std::string, MathFn> m = {
      {"abs", [](double v) { return std::fabs(v); }},
      {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }},
      {"exp", [](double v) { return std::exp(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},
      {"ln", [](double v) { return std::log(v); }},
      {"log2", [](double v) { return std::log2(v); }},
      {"log10", [](double v) { return std::log10(v); }},
      {"sin", [](double v) { return std::sin(v); }},
      {"cos", [](double v) { return std::cos(v); }},
      {"tan", [](double v) { return std::tan(v); }},
      {"asin", [](double v) { return std::asin(v); }},
      {"acos", [](double v) { return std::acos(v); }},
      {"atan", [](double v) { return std::atan(v); }},
      {"sinh", [](double v) { return std::sinh(v); }},
      {"cosh", [](double v) { return std::cosh(v); }},
      {"tanh", [](double v) { return std::tanh(v); }},
      {"asinh", [](double v) { return std::asinh(v); }},
      {"acosh", [](double v) { return std::acosh(v); }},
      {"atanh", [](double v) { return std::atanh(v); }},
      {"deg", [](double v) { return v * 180 / M_PI; }},
      {"rad", [](double v) { return v * M_PI / 180; }},
      {"sgn", [](double v) { return v < 0 ? -1.0 : v > 0 ? 1.0 : v; }},
  };
  return m;
}

// Functions over a range vector that yield one value per series (nullopt: no output).
}  // namespace
const Node& unwrap(const Node& n) {
  const Node* p = &n;
  while (p->kind == NodeKind::kParen) p = p->args[0].get();
  return *p;
}

double scalar_arg(Evaluator& ev, const Node& n, int64_t t) { return ev.eval(n, t).scalar; }
std::string string_arg(Evaluator& ev, const Node& n, int64_t t) { return ev.eval(n, t).str; }

Value vector_value(Vector v, int64_t t) {
  Value r;
  r.type = ValueType::kVector;
  r.t = t;
  for (auto& e : v) e.t = t;
  r.vector = std::move(v);
  return r;
}

// --- range-vector helpers -------------------------------------------------------------

const FunctionInfo* find_function(std::string_view name) {
  for (auto& f : table())
    if (f.name == name) return &f;
  return nullptr;
}

Value eval_call(Evaluator& ev, const Node& n, int64_t t) {
  const std::string& name = n.str;
  Value r;
  r.t = t;
  // Query context (experimental in Prometheus): the query's own start, end, step and range.
  if (name == "step" || name == "range" || name == "start" || name == "end") {
    r.type = ValueType::kScalar;
    int64_t ms = name == "step" ? ev.query_step() : name == "range" ? ev.query_end() - ev.query_start()
                 : name == "start" ? ev.query_start() : ev.query_end();
    r.scalar = static_cast<double>(ms) / 1000;
    return r;
  }
  if (name == "min_of" || name == "max_of") {
    double a = scalar_arg(ev, *n.args[0], t), b = scalar_arg(ev, *n.args[1], t);
    r.type = ValueType::kScalar;
    r.scalar = name == "min_of" ? go_min(a, b) : go_max(a, b);
    return r;
  }
  if (name == "time") {
    r.type = ValueType::kScalar;
    r.scalar = static_cast<double>(t) / 1000;
    return r;
  }
  if (name == "pi") {
    r.type = ValueType::kScalar;
    r.scalar = M_PI;
    return r;
  }
  if (name == "scalar") {
    Value v = ev.eval(*n.args[0], t);
    r.type = ValueType::kScalar;
    r.scalar = v.vector.size() == 1 ? v.vector[0].v : std::nan("");
    return r;
  }
  if (name == "vector") return vector_value({{Labels(), scalar_arg(ev, *n.args[0], t), t, false}}, t);
  if (name == "label_replace") return label_replace(ev, n, t);
  if (name == "label_join") return label_join(ev, n, t);
  if (name == "histogram_quantile") return histogram_quantile(ev, n, t);
  if (name == "histogram_fraction") return histogram_fraction(ev, n, t);
  if (name == "histogram_quantiles") return histogram_quantiles(ev, n, t);
  if (name == "timestamp") {
    const Node& a = unwrap(*n.args[0]);
    Vector in = a.kind == NodeKind::kVectorSelector ? ev.eval_vector_selector(a, t) : ev.eval(a, t).vector;
    Vector out;
    for (auto& e : in) out.push_back({e.metric, static_cast<double>(e.t) / 1000, t, true});
    return vector_value(std::move(out), t);
  }
  if (name == "minute") return eval_date(ev, n, t, [](const std::tm& tm) { return tm.tm_min; });
  if (name == "hour") return eval_date(ev, n, t, [](const std::tm& tm) { return tm.tm_hour; });
  if (name == "day_of_week") return eval_date(ev, n, t, [](const std::tm& tm) { return tm.tm_wday; });
  if (name == "day_of_month") return eval_date(ev, n, t, [](const std::tm& tm) { return tm.tm_mday; });
  if (name == "day_of_year") return eval_date(ev, n, t, [](const std::tm& tm) { return tm.tm_yday + 1; });
  if (name == "month") return eval_date(ev, n, t, [](const std::tm& tm) { return tm.tm_mon + 1; });
  if (name == "year") return eval_date(ev, n, t, [](const std::tm& tm) { return tm.tm_year + 1900; });
  if (name == "days_in_month") return eval_date(ev, n, t, days_in_month);

  const FunctionInfo* info = find_function(name);
  if (info && !info->arg_types.empty() && info->arg_types[0] == ValueType::kVector &&
      (name.rfind("histogram_", 0) == 0)) {
    // Native-histogram-only functions: float series yield nothing.
    ev.eval(*n.args.back(), t);
    return vector_value({}, t);
  }

  if (name == "absent") {
    Value v = ev.eval(*n.args[0], t);
    if (!v.vector.empty()) return vector_value({}, t);
    return vector_value({{absent_labels(*n.args[0]), 1, t, false}}, t);
  }
  if (name == "sort" || name == "sort_desc") {
    if (ev.is_range_query()) ev.warn("sort is ineffective for range queries since results are always ordered by labels", n.pos);
    Value v = ev.eval(*n.args[0], t);
    bool desc = name == "sort_desc";
    std::stable_sort(v.vector.begin(), v.vector.end(), [&](const VectorElement& a, const VectorElement& b) {
      if (std::isnan(a.v)) return false;
      if (std::isnan(b.v)) return true;
      return desc ? a.v > b.v : a.v < b.v;
    });
    return vector_value(std::move(v.vector), t);
  }
  if (name == "sort_by_label" || name == "sort_by_label_desc") {
    if (ev.is_range_query()) ev.warn("sort is ineffective for range queries since results are always ordered by labels", n.pos);
    Value v = ev.eval(*n.args[0], t);
    std::vector<std::string> keys;
    for (size_t i = 1; i < n.args.size(); i++) keys.push_back(string_arg(ev, *n.args[i], t));
    bool desc = name == "sort_by_label_desc";
    std::stable_sort(v.vector.begin(), v.vector.end(), [&](const VectorElement& a, const VectorElement& b) {
      for (auto& k : keys) {
        std::string_view x = a.metric.get(k), y = b.metric.get(k);
        if (x == y) continue;
        return desc ? natural_less(y, x) : natural_less(x, y);
      }
      return desc ? b.metric < a.metric : a.metric < b.metric;
    });
    return vector_value(std::move(v.vector), t);
  }
  auto mf = math_functions().find(name);
  if (mf != math_functions().end()) {
    Value v = ev.eval(*n.args[0], t);
    for (auto& e : v.vector) {
      e.v = mf->second(e.v);
      e.drop_name = true;
    }
    return vector_value(std::move(v.vector), t);
  }
  if (name == "round") {
    double to = n.args.size() > 1 ? scalar_arg(ev, *n.args[1], t) : 1;
    double inv = 1.0 / to;
    Value v = ev.eval(*n.args[0], t);
    for (auto& e : v.vector) {
      e.v = std::floor(e.v * inv + 0.5) / inv;
      e.drop_name = true;
    }
    return vector_value(std::move(v.vector), t);
  }
  if (name == "clamp" || name == "clamp_min" || name == "clamp_max") {
    double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
    if (name == "clamp") {
      lo = scalar_arg(ev, *n.args[1], t);
      hi = scalar_arg(ev, *n.args[2], t);
    } else if (name == "clamp_min") {
      lo = scalar_arg(ev, *n.args[1], t);
    } else {
      hi = scalar_arg(ev, *n.args[1], t);
    }
    Value v = ev.eval(*n.args[0], t);
    if (lo > hi) return vector_value({}, t);
    for (auto& e : v.vector) {
      e.v = go_max(lo, go_min(hi, e.v));
      e.drop_name = true;
    }
    return vector_value(std::move(v.vector), t);
  }

  // Range-vector functions: the matrix argument is the last one except for
  // quantile_over_time (first is φ) and predict_linear (matrix first).
  size_t mi = 0;
  for (size_t i = 0; i < n.args.size(); i++)
    if (n.args[i]->type() == ValueType::kMatrix) mi = i;
  if (name == "quantile_over_time") {
    double q = scalar_arg(ev, *n.args[0], t);
    if (std::isnan(q) || q < 0 || q > 1)
      ev.warn("quantile value should be between 0 and 1, got " + go_format_g(q), n.args[0]->pos);
  }
  Value m = ev.eval(*n.args[mi], t);
  if (name == "absent_over_time") {
    if (!m.matrix.empty()) return vector_value({}, t);
    return vector_value({{absent_labels(*n.args[0]), 1, t, false}}, t);
  }
  bool keeps_name = name == "last_over_time" || name == "first_over_time";
  RangeFn fn = range_fn(name);
  RangeWindow w;
  w.t = t;
  const Node& margs = unwrap(*n.args[mi]);
  const Node& mod = margs.kind == NodeKind::kMatrixSelector ? *margs.args[0] : margs;
  w.range_end = ev.at_time(mod, t) - mod.offset_ms;
  w.range_start = w.range_end - margs.range_ms;
  if (fn == RangeFn::kQuantile) w.param0 = scalar_arg(ev, *n.args[0], t);
  if (fn == RangeFn::kPredictLinear || fn == RangeFn::kDoubleExp) w.param0 = scalar_arg(ev, *n.args[1], t);
  if (fn == RangeFn::kDoubleExp) w.param1 = scalar_arg(ev, *n.args[2], t);
  Vector out;
  for (auto& s : m.matrix) {
    if (s.samples.empty()) continue;
    double v;
    w.p = s.samples.data();
    w.n = s.samples.size();
    if (!range_function(fn, w, &v)) continue;
    out.push_back({s.metric, v, t, !keeps_name || s.drop_name});
  }
  return vector_value(std::move(out), t);
}

}  // namespace observe::promql
