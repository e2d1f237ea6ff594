// PromQL functions: the table the parser checks calls against, and their evaluation.
#include "core/promql/functions.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <unordered_map>

#include "core/promql/evaluator.h"
#include "core/promql/kahan.h"
#include "core/promql/quantile.h"
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
      {"histogram_quantile", {S, V}}, {"hour", {V}, 1}, {"idelta", {M}}, {"increase", {M}},
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
  };
  return t;
}

double go_min(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::min(a, b);
}
double go_max(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::max(a, b);
}

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

// (range start, range end] of a matrix argument at t, in ms.
void window(Evaluator& ev, const Node& arg, int64_t t, int64_t* start, int64_t* end) {
  const Node& m = unwrap(arg);
  const Node& mod = m.kind == NodeKind::kMatrixSelector ? *m.args[0] : m;
  *end = ev.at_time(mod, t) - mod.offset_ms;
  *start = *end - m.range_ms;
}

bool extrapolated_rate(const std::vector<Sample>& s, int64_t range_start, int64_t range_end, bool counter, bool rate,
                       double* out) {
  if (s.size() < 2) return false;
  double result = s.back().v - s.front().v;
  if (counter) {
    for (size_t i = 1; i < s.size(); i++)
      if (s[i].v < s[i - 1].v) result += s[i - 1].v;
  }
  double to_start = static_cast<double>(s.front().t - range_start) / 1000;
  double to_end = static_cast<double>(range_end - s.back().t) / 1000;
  double sampled = static_cast<double>(s.back().t - s.front().t) / 1000;
  double avg = sampled / static_cast<double>(s.size() - 1);
  double threshold = avg * 1.1;
  if (to_start >= threshold) to_start = avg / 2;
  if (counter) {
    double to_zero = to_start;
    if (result > 0 && s.front().v >= 0) to_zero = sampled * (s.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg / 2;
  double factor = sampled != 0 ? (sampled + to_start + to_end) / sampled : 1.0;
  if (rate) factor /= static_cast<double>(range_end - range_start) / 1000;
  *out = result * factor;
  return true;
}

void linear_regression(const std::vector<Sample>& s, int64_t intercept_time, double* slope, double* intercept) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  double init = s[0].v;
  bool const_y = true;
  for (size_t i = 0; i < s.size(); i++) {
    if (const_y && i > 0 && s[i].v != init) const_y = false;
    n += 1;
    double x = static_cast<double>(s[i].t - intercept_time) / 1e3;
    kahan_inc(x, &sx, &cx);
    kahan_inc(s[i].v, &sy, &cy);
    kahan_inc(x * s[i].v, &sxy, &cxy);
    kahan_inc(x * x, &sx2, &cx2);
  }
  if (const_y) {
    if (std::isinf(init)) {
      *slope = *intercept = std::nan("");
    } else {
      *slope = 0;
      *intercept = init;
    }
    return;
  }
  sx += cx;
  sy += cy;
  sxy += cxy;
  sx2 += cx2;
  double cov = sxy - sx * sy / n;
  double var = sx2 - sx * sx / n;
  *slope = cov / var;
  *intercept = sy / n - *slope * sx / n;
}

double avg_over(const std::vector<Sample>& s) {
  double sum = s[0].v, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < s.size(); i++) {
    count = static_cast<double>(i + 1);
    double f = s[i].v;
    if (!incremental) {
      double ns = sum, nc = c;
      kahan_inc(f, &ns, &nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    double q = (count - 1) / count;
    double m = q * mean, cc = q * c;
    kahan_inc(f / count, &m, &cc);
    mean = m;
    c = cc;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

double variance_over(const std::vector<Sample>& s) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (auto& p : s) {
    count++;
    double delta = p.v - (mean + cmean);
    kahan_inc(delta / count, &mean, &cmean);
    kahan_inc(delta * (p.v - (mean + cmean)), &aux, &caux);
  }
  return (aux + caux) / count;
}

// Go regexp's Expand: $1, ${1}, $name, ${name}; $$ is a literal $.
std::string expand(const std::string& tmpl, const RE2& re, const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  for (size_t i = 0; i < tmpl.size(); i++) {
    char c = tmpl[i];
    if (c != '$' || i + 1 >= tmpl.size()) {
      out += c;
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      i++;
      continue;
    }
    std::string name;
    size_t j = i + 1;
    if (tmpl[j] == '{') {
      size_t close = tmpl.find('}', j);
      if (close == std::string::npos) {
        out += c;
        continue;
      }
      name = tmpl.substr(j + 1, close - j - 1);
      j = close + 1;
    } else {
      while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_')) j++;
      name = tmpl.substr(i + 1, j - i - 1);
    }
    if (name.empty()) {
      out += c;
      continue;
    }
    i = j - 1;
    bool digits = std::all_of(name.begin(), name.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
    int idx = -1;
    if (digits) {
      idx = std::atoi(name.c_str());
    } else {
      auto it = names.find(name);
      if (it != names.end()) idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[idx].data() != nullptr)
      out.append(groups[idx].data(), groups[idx].size());
  }
  return out;
}

Labels absent_labels(const Node& arg) {
  const Node& a = unwrap(arg);
  const Node* sel = nullptr;
  if (a.kind == NodeKind::kVectorSelector) sel = &a;
  if (a.kind == NodeKind::kMatrixSelector) sel = a.args[0].get();
  if (!sel) return Labels();
  Labels out;
  std::vector<std::string> seen;
  for (auto& m : sel->matchers) {
    if (m.name() == kMetricNameLabel) continue;
    bool has = std::find(seen.begin(), seen.end(), m.name()) != seen.end();
    if (m.op() == MatchOp::kEqual && !has) {
      out.set(m.name(), m.value());
      seen.push_back(m.name());
    } else {
      out.remove(m.name());
    }
  }
  return out;
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
bool range_function(Evaluator& ev, const Node& n, const std::string& name, const Series& s, int64_t t, double* out) {
  const auto& p = s.samples;
  if (name == "rate" || name == "increase" || name == "delta") {
    int64_t start, end;
    window(ev, *n.args[0], t, &start, &end);
    return extrapolated_rate(p, start, end, name != "delta", name == "rate", out);
  }
  if (name == "irate" || name == "idelta") {
    if (p.size() < 2) return false;
    const Sample& last = p[p.size() - 1];
    const Sample& prev = p[p.size() - 2];
    double r = (name == "irate" && last.v < prev.v) ? last.v : last.v - prev.v;
    if (name == "irate") {
      int64_t dt = last.t - prev.t;
      if (dt == 0) return false;
      r /= static_cast<double>(dt) / 1000;
    }
    *out = r;
    return true;
  }
  if (name == "changes" || name == "resets") {
    double count = 0;
    for (size_t i = 1; i < p.size(); i++) {
      if (name == "changes") {
        if (p[i].v != p[i - 1].v && !(std::isnan(p[i].v) && std::isnan(p[i - 1].v))) count++;
      } else if (p[i].v < p[i - 1].v) {
        count++;
      }
    }
    *out = count;
    return true;
  }
  if (name == "deriv") {
    if (p.size() < 2) return false;
    double slope, icpt;
    linear_regression(p, p[0].t, &slope, &icpt);
    *out = slope;
    return true;
  }
  if (name == "predict_linear") {
    if (p.size() < 2) return false;
    double d = scalar_arg(ev, *n.args[1], t);
    double slope, icpt;
    linear_regression(p, t, &slope, &icpt);
    *out = slope * d + icpt;
    return true;
  }
  if (name == "avg_over_time") { *out = avg_over(p); return true; }
  if (name == "sum_over_time") {
    double sum = 0, c = 0;
    for (auto& x : p) kahan_inc(x.v, &sum, &c);
    *out = std::isinf(sum) ? sum : sum + c;
    return true;
  }
  if (name == "count_over_time") { *out = static_cast<double>(p.size()); return true; }
  if (name == "min_over_time" || name == "max_over_time") {
    double v = p[0].v;
    for (auto& x : p) {
      if (name == "min_over_time" ? (x.v < v || std::isnan(v)) : (x.v > v || std::isnan(v))) v = x.v;
    }
    *out = v;
    return true;
  }
  if (name == "last_over_time") { *out = p.back().v; return true; }
  if (name == "first_over_time") { *out = p.front().v; return true; }
  if (name == "ts_of_last_over_time") { *out = static_cast<double>(p.back().t) / 1000; return true; }
  if (name == "ts_of_first_over_time") { *out = static_cast<double>(p.front().t) / 1000; return true; }
  if (name == "ts_of_min_over_time" || name == "ts_of_max_over_time") {
    bool mn = name == "ts_of_min_over_time";
    double v = p[0].v;
    int64_t ts = p[0].t;
    for (auto& x : p) {
      if (mn ? (x.v <= v || std::isnan(v)) : (x.v >= v || std::isnan(v))) {
        v = x.v;
        ts = x.t;
      }
    }
    *out = static_cast<double>(ts) / 1000;
    return true;
  }
  if (name == "stddev_over_time") { *out = std::sqrt(variance_over(p)); return true; }
  if (name == "stdvar_over_time") { *out = variance_over(p); return true; }
  if (name == "present_over_time") { *out = 1; return true; }
  if (name == "quantile_over_time") {
    double q = scalar_arg(ev, *n.args[0], t);
    std::vector<double> vals;
    for (auto& x : p) vals.push_back(x.v);
    *out = quantile(q, vals);
    return true;
  }
  if (name == "mad_over_time") {
    std::vector<double> vals;
    for (auto& x : p) vals.push_back(x.v);
    double med = quantile(0.5, vals);
    for (auto& v : vals) v = std::fabs(v - med);
    *out = quantile(0.5, vals);
    return true;
  }
  return false;
}

struct BucketGroup {
  Labels metric;
  std::vector<Bucket> buckets;
};

// Groups classic `le` buckets by their other labels (the name included: delayed removal).
std::vector<BucketGroup> bucket_groups(Evaluator& ev, const Vector& in, int pos) {
  std::vector<BucketGroup> groups;
  std::unordered_map<std::string, size_t> index;
  for (auto& e : in) {
    std::string le(e.metric.get("le"));
    char* endp = nullptr;
    double ub = std::strtod(le.c_str(), &endp);
    if (le.empty() || endp != le.c_str() + le.size() || std::isspace(static_cast<unsigned char>(le[0]))) {
      ev.warn("bucket label \"le\" is missing or has a malformed value of \"" + le + "\" for metric name \"" +
                  std::string(e.metric.metric_name()) + "\"",
              pos);
      continue;
    }
    Labels m = e.metric;
    m.remove("le");
    std::string key = m.to_string();
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back({m, {}});
    groups[it->second].buckets.push_back({ub, e.v});
  }
  return groups;
}

std::string format_g(double q) {
  if (std::isnan(q)) return "NaN";
  if (std::isinf(q)) return q > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", q);
  return buf;
}

Value histogram_quantile(Evaluator& ev, const Node& n, int64_t t) {
  double q = scalar_arg(ev, *n.args[0], t);
  Value in = ev.eval(*n.args[1], t);
  if (std::isnan(q) || q < 0 || q > 1)
    ev.warn("quantile value should be between 0 and 1, got " + format_g(q), n.args[0]->pos);
  Vector out;
  for (auto& g : bucket_groups(ev, in.vector, n.args[1]->pos)) {
    bool forced;
    double v = bucket_quantile(q, g.buckets, &forced);
    if (forced)
      ev.info("input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name \"" +
                  std::string(g.metric.metric_name()) + "\"",
              n.args[1]->pos);
    out.push_back({g.metric, v, t, true});
  }
  return vector_value(std::move(out), t);
}

Value histogram_fraction(Evaluator& ev, const Node& n, int64_t t) {
  double lo = scalar_arg(ev, *n.args[0], t), hi = scalar_arg(ev, *n.args[1], t);
  Value in = ev.eval(*n.args[2], t);
  Vector out;
  for (auto& g : bucket_groups(ev, in.vector, n.args[2]->pos))
    out.push_back({g.metric, bucket_fraction(lo, hi, g.buckets), t, true});
  return vector_value(std::move(out), t);
}

Value label_replace(Evaluator& ev, const Node& n, int64_t t) {
  std::string dst = string_arg(ev, *n.args[1], t), repl = string_arg(ev, *n.args[2], t),
              src = string_arg(ev, *n.args[3], t), re_str = string_arg(ev, *n.args[4], t);
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  RE2 re("^(?s:" + re_str + ")$", opts);
  if (!re.ok()) Evaluator::invalid("invalid regular expression in label_replace(): " + re_str);
  if (!is_valid_label_name(dst)) Evaluator::invalid("invalid destination label name in label_replace(): " + dst);
  Value v = ev.eval(*n.args[0], t);
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  for (auto& e : v.vector) {
    std::string sv(e.metric.get(src));
    if (!re.Match(sv, 0, sv.size(), RE2::UNANCHORED, groups.data(), ngroups)) continue;
    std::string res = expand(repl, re, groups);
    e.metric.set(dst, res);
    if (dst == kMetricNameLabel) e.drop_name = false;
  }
  check_unique_labelsets(v.vector);
  return vector_value(std::move(v.vector), t);
}

Value label_join(Evaluator& ev, const Node& n, int64_t t) {
  std::string dst = string_arg(ev, *n.args[1], t), sep = string_arg(ev, *n.args[2], t);
  std::vector<std::string> srcs;
  for (size_t i = 3; i < n.args.size(); i++) {
    srcs.push_back(string_arg(ev, *n.args[i], t));
    if (!is_valid_label_name(srcs.back())) Evaluator::invalid("invalid source label name in label_join(): " + srcs.back());
  }
  if (!is_valid_label_name(dst)) Evaluator::invalid("invalid destination label name in label_join(): " + dst);
  Value v = ev.eval(*n.args[0], t);
  for (auto& e : v.vector) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); i++) {
      if (i) joined += sep;
      joined += std::string(e.metric.get(srcs[i]));
    }
    e.metric.set(dst, joined);
    if (dst == kMetricNameLabel) e.drop_name = false;
  }
  check_unique_labelsets(v.vector);
  return vector_value(std::move(v.vector), t);
}

}  // namespace

const FunctionInfo* find_function(std::string_view name) {
  for (auto& f : table())
    if (f.name == name) return &f;
  return nullptr;
}

Value eval_call(Evaluator& ev, const Node& n, int64_t t) {
  const std::string& name = n.str;
  Value r;
  r.t = t;
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
    Value v = ev.eval(*n.args[0], t);
    std::vector<std::string> keys;
    for (size_t i = 1; i < n.args.size(); i++) keys.push_back(string_arg(ev, *n.args[i], t));
    bool desc = name == "sort_by_label_desc";
    std::stable_sort(v.vector.begin(), v.vector.end(), [&](const VectorElement& a, const VectorElement& b) {
      for (auto& k : keys) {
        int c = a.metric.get(k).compare(b.metric.get(k));
        if (c != 0) return desc ? c > 0 : c < 0;
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
    if (std::isnan(q) || q < 0 || q > 1) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", q);
      ev.warn(std::string("quantile value should be between 0 and 1, got ") + (std::isnan(q) ? "NaN" : buf), n.args[0]->pos);
    }
  }
  Value m = ev.eval(*n.args[mi], t);
  if (name == "absent_over_time") {
    if (!m.matrix.empty()) return vector_value({}, t);
    return vector_value({{absent_labels(*n.args[0]), 1, t, false}}, t);
  }
  bool keeps_name = name == "last_over_time" || name == "first_over_time";
  Vector out;
  for (auto& s : m.matrix) {
    if (s.samples.empty()) continue;
    double v;
    if (!range_function(ev, n, name, s, t, &v)) continue;
    out.push_back({s.metric, v, t, !keeps_name || s.drop_name});
  }
  return vector_value(std::move(out), t);
}

}  // namespace observe::promql
