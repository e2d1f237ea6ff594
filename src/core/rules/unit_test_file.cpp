// promtool's rule unit tests over our rule-file parser, evaluator and PromQL engine.
#include "core/rules/unit_test_file.h"

#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/common/error.h"
#include "core/common/stale.h"
#include "core/promconfig/config.h"
#include "core/promconfig/duration.h"
#include "core/promconfig/yaml_reader.h"
#include "core/promql/engine.h"
#include "core/promql/memory_storage.h"
#include "core/promql/strutil.h"
#include "core/rules/evaluator.h"
#include "core/rules/rule_file.h"

namespace observe::rules {

namespace py = promconfig::yaml;

namespace {

[[noreturn]] void bad_values(std::string_view values, const std::string& why) {
  throw Error(ErrorKind::kInvalidParameter, "error in series values \"" + std::string(values) + "\": " + why);
}

bool parse_number(const std::string& s, double* out) {
  if (s == "Inf" || s == "+Inf" || s == "inf" || s == "+inf") {
    *out = INFINITY;
    return true;
  }
  if (s == "-Inf" || s == "-inf") {
    *out = -INFINITY;
    return true;
  }
  if (s == "NaN" || s == "nan") {
    *out = NAN;
    return true;
  }
  if (s.empty()) return false;
  char* end = nullptr;
  *out = strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && s.find_first_of("xXpP") == std::string::npos;
}

}  // namespace

std::vector<SeriesValue> expand_series_values(std::string_view values) {
  std::vector<SeriesValue> out;
  std::istringstream in{std::string(values)};
  std::string tok;
  while (in >> tok) {
    // `<item>x<times>`: the repetition suffix.
    uint64_t times = 0;
    bool repeat = false;
    size_t x = tok.rfind('x');
    if (x != std::string::npos && x + 1 < tok.size() &&
        std::all_of(tok.begin() + x + 1, tok.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      if (tok.size() - x - 1 > 9) bad_values(values, "repetition too large");
      times = std::stoull(tok.substr(x + 1));
      repeat = true;
      tok = tok.substr(0, x);
    }
    if (out.size() + times > 10000000) bad_values(values, "too many values");
    if (tok == "_") {
      // `_xN` is N omitted values, `_` one.
      for (uint64_t i = 0; i < (repeat ? times : 1); i++) out.push_back({true, 0});
      continue;
    }
    if (tok == "stale") {
      if (repeat) bad_values(values, "stale cannot be repeated");
      out.push_back({false, stale_nan()});
      continue;
    }
    double a = 0, b = 0;
    // `A+B` / `A-B` (only with a repetition): split at a sign that is not leading and does
    // not follow an exponent marker.
    size_t split = std::string::npos;
    for (size_t i = 1; i < tok.size(); i++)
      if ((tok[i] == '+' || tok[i] == '-') && tok[i - 1] != 'e' && tok[i - 1] != 'E') {
        split = i;
        break;
      }
    if (split != std::string::npos) {
      if (!repeat) bad_values(values, "unexpected \"" + tok.substr(split, 1) + "\" without a repetition");
      if (!parse_number(tok.substr(0, split), &a) || !parse_number(tok.substr(split), &b))
        bad_values(values, "invalid number in \"" + tok + "\"");
      out.push_back({false, a});
      for (uint64_t i = 1; i <= times; i++) {
        a += b;
        out.push_back({false, a});
      }
      continue;
    }
    if (!parse_number(tok, &a)) bad_values(values, "invalid value \"" + tok + "\"");
    for (uint64_t i = 0; i <= (repeat ? times : 0); i++) out.push_back({false, a});
  }
  return out;
}

namespace {

struct InputSeries {
  std::string series, values;
};
struct ExpAlert {
  std::map<std::string, std::string> labels, annotations;
};
struct AlertTest {
  int64_t eval_time_ms = 0;
  std::string alertname;
  std::vector<ExpAlert> exp_alerts;
};
struct ExpSample {
  std::string labels;
  double value = 0;
};
struct ExprTest {
  std::string expr;
  int64_t eval_time_ms = 0;
  std::vector<ExpSample> exp_samples;
};
struct TestGroup {
  int64_t interval_ms = 0;
  std::vector<InputSeries> input_series;
  std::vector<AlertTest> alert_tests;
  std::vector<ExprTest> expr_tests;
  Labels external_labels;
  std::string name;
};
struct TestFile {
  std::vector<std::string> rule_files;
  int64_t evaluation_interval_ms = 0;
  std::vector<std::string> group_eval_order;
  std::vector<TestGroup> tests;
};

int64_t yaml_duration(const YAML::Node& n) {
  if (py::is_null(n)) return 0;
  return promconfig::parse_duration(py::as_string(n));
}

std::map<std::string, std::string> yaml_string_map(const YAML::Node& n, const std::string& type) {
  std::map<std::string, std::string> out;
  py::count_decode(n);
  if (py::is_null(n)) return out;
  if (!n.IsMap()) py::type_error(n, type);
  for (auto it = n.begin(); it != n.end(); ++it) out[py::as_string(it->first)] = py::as_string(it->second);
  return out;
}

template <typename F>
void each(const YAML::Node& n, const std::string& type, F f) {
  py::count_decode(n);
  if (py::is_null(n)) return;
  if (!n.IsSequence()) py::type_error(n, type);
  for (const auto& e : n) f(e);
}

double yaml_float(const YAML::Node& n) {
  if (py::is_null(n)) return 0;
  std::string s = py::as_string(n);
  double v;
  std::string t = s;
  if (t == ".inf" || t == "+.inf" || t == ".Inf") return INFINITY;
  if (t == "-.inf" || t == "-.Inf") return -INFINITY;
  if (t == ".nan" || t == ".NaN") return NAN;
  if (!parse_number(t, &v) || t == "Inf" || t == "NaN" || t == "-Inf" || t == "+Inf")
    py::type_error(n, "float64");
  return v;
}

TestFile decode_test_file(const std::string& text) {
  py::DecodeBudget budget(text.size());
  YAML::Node root = YAML::Load(text);
  TestFile f;
  py::visit_map(root, {"main.unitTestFile", [&](const std::string& k, const YAML::Node& v, int) {
    if (k == "rule_files") f.rule_files = py::as_string_list(v);
    else if (k == "evaluation_interval") f.evaluation_interval_ms = yaml_duration(v);
    else if (k == "group_eval_order") f.group_eval_order = py::as_string_list(v);
    else if (k == "tests")
      each(v, "[]main.testGroup", [&](const YAML::Node& tg) {
        TestGroup g;
        py::visit_map(tg, {"main.testGroup", [&](const std::string& gk, const YAML::Node& gv, int) {
          if (gk == "interval") g.interval_ms = yaml_duration(gv);
          else if (gk == "name") g.name = py::as_string(gv);
          else if (gk == "external_labels") {
            std::vector<Label> ls;
            for (const auto& [a, b] : yaml_string_map(gv, "labels.Labels")) ls.push_back({a, b});
            g.external_labels = Labels(std::move(ls));
          } else if (gk == "input_series")
            each(gv, "[]main.series", [&](const YAML::Node& s) {
              InputSeries is;
              py::visit_map(s, {"main.series", [&](const std::string& sk, const YAML::Node& sv, int) {
                if (sk == "series") is.series = py::as_string(sv);
                else if (sk == "values") is.values = py::as_string(sv);
                else return false;
                return true;
              }});
              g.input_series.push_back(is);
            });
          else if (gk == "alert_rule_test")
            each(gv, "[]main.alertTestCase", [&](const YAML::Node& s) {
              AlertTest at;
              py::visit_map(s, {"main.alertTestCase", [&](const std::string& ak, const YAML::Node& av, int) {
                if (ak == "eval_time") at.eval_time_ms = yaml_duration(av);
                else if (ak == "alertname") at.alertname = py::as_string(av);
                else if (ak == "exp_alerts")
                  each(av, "[]main.alert", [&](const YAML::Node& e) {
                    ExpAlert ea;
                    py::visit_map(e, {"main.alert", [&](const std::string& ek, const YAML::Node& ev, int) {
                      if (ek == "exp_labels") ea.labels = yaml_string_map(ev, "map[string]string");
                      else if (ek == "exp_annotations") ea.annotations = yaml_string_map(ev, "map[string]string");
                      else return false;
                      return true;
                    }});
                    at.exp_alerts.push_back(ea);
                  });
                else return false;
                return true;
              }});
              g.alert_tests.push_back(at);
            });
          else if (gk == "promql_expr_test")
            each(gv, "[]main.promqlTestCase", [&](const YAML::Node& s) {
              ExprTest et;
              py::visit_map(s, {"main.promqlTestCase", [&](const std::string& ek, const YAML::Node& ev, int) {
                if (ek == "expr") et.expr = py::as_string(ev);
                else if (ek == "eval_time") et.eval_time_ms = yaml_duration(ev);
                else if (ek == "exp_samples")
                  each(ev, "[]main.sample", [&](const YAML::Node& e) {
                    ExpSample es;
                    py::visit_map(e, {"main.sample", [&](const std::string& sk, const YAML::Node& sv, int) {
                      if (sk == "labels") es.labels = py::as_string(sv);
                      else if (sk == "value") es.value = yaml_float(sv);
                      else return false;
                      return true;
                    }});
                    et.exp_samples.push_back(es);
                  });
                else return false;
                return true;
              }});
              g.expr_tests.push_back(et);
            });
          else return false;
          return true;
        }});
        f.tests.push_back(std::move(g));
      });
    else return false;
    return true;
  }});
  return f;
}

std::string dirname_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kInvalidParameter, "open " + path + ": no such file or directory");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string go_duration(int64_t ms) {
  // time.Duration.String for the eval times in messages: "5m0s", "1h0m0s", "0s", "1.5s".
  if (ms == 0) return "0s";
  std::string out;
  int64_t h = ms / 3600000, m = (ms / 60000) % 60, s = (ms / 1000) % 60, frac = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (frac) {
    char f[8];
    snprintf(f, sizeof f, "%03d", int(frac));
    std::string fs = f;
    while (fs.back() == '0') fs.pop_back();
    out += "." + fs;
  }
  return out + "s";
}

// promtool prints model.Duration for eval_time in alert messages.
std::string model_duration(int64_t ms) { return promconfig::format_duration(ms); }

struct AlertSet {
  Labels labels, annotations;
  bool operator<(const AlertSet& o) const {
    return labels != o.labels ? labels < o.labels : annotations < o.annotations;
  }
  bool operator==(const AlertSet& o) const { return labels == o.labels && annotations == o.annotations; }
};

// promtool's indentLines: every line but the first prefixed.
std::string indent_lines(const std::string& text, const std::string& indent) {
  std::string out;
  for (size_t i = 0; i < text.size(); i++) {
    out += text[i];
    if (text[i] == '\n') out += indent;
  }
  return out;
}

// labels.Labels.String(): `{a="b", c="d"}` (names unquoted; __name__ is an ordinary label).
std::string plain_labels(const Labels& l) {
  std::string s = "{";
  bool first = true;
  for (const auto& x : l.items()) {
    if (!first) s += ", ";
    first = false;
    s += x.name + "=" + promql::go_quote(x.value);
  }
  return s + "}";
}

// labelsAndAnnotations.String() of promtool.
std::string alerts_string(const std::vector<AlertSet>& v) {
  if (v.empty()) return "[]";
  std::string s = "[";
  for (size_t i = 0; i < v.size(); i++)
    s += (i ? ",\n" : "\n") + std::to_string(i) + ":" +
         indent_lines("\nLabels:" + plain_labels(v[i].labels) + "\nAnnotations:" + plain_labels(v[i].annotations),
                      "  ");
  return s + "\n]";
}

// strconv.FormatFloat(v, 'E', -1, 64): the shortest mantissa that reads back, "1.5E+02".
std::string go_format_E(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  for (int p = 0; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*E", p, v);
    if (strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::vector<std::string> run_group(const TestFile& file, const TestGroup& tg,
                                   const std::vector<std::pair<std::string, RuleGroup>>& groups_in) {
  std::vector<std::string> errs;
  const int64_t eval_interval = file.evaluation_interval_ms;
  // Input series as the lazy loader holds them: appended up to each evaluation time.
  struct Point {
    int64_t t;
    size_t series;
    double v;
  };
  std::vector<Labels> series_labels;
  std::vector<Point> points;
  for (const auto& is : tg.input_series) {
    Labels l;
    std::vector<SeriesValue> vals;
    try {
      l = promql::parse_series(is.series);
      vals = expand_series_values(is.values);
    } catch (const std::exception& e) {
      return {std::string("error in load: ") + e.what()};
    }
    series_labels.push_back(l);
    for (size_t i = 0; i < vals.size(); i++)
      if (!vals[i].omitted) points.push_back({int64_t(i) * tg.interval_ms, series_labels.size() - 1, vals[i].v});
  }
  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.t < b.t; });
  // The TSDB keeps the first sample of a series at a timestamp (a later one is a duplicate):
  // with the 2.42 default interval of 0 every value lands at t=0 and the first one wins.
  {
    std::set<std::pair<size_t, int64_t>> seen_at;
    std::vector<Point> kept;
    for (const auto& p : points)
      if (seen_at.insert({p.series, p.t}).second) kept.push_back(p);
    points.swap(kept);
  }

  // Rule groups, ordered by group_eval_order (groups not named there first, file order).
  std::map<std::string, int> order;
  for (size_t i = 0; i < file.group_eval_order.size(); i++) order.emplace(file.group_eval_order[i], int(i));
  std::vector<std::pair<std::string, RuleGroup>> sorted = groups_in;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
    auto oa = order.count(a.second.name) ? order[a.second.name] : 0;
    auto ob = order.count(b.second.name) ? order[b.second.name] : 0;
    return oa < ob;
  });
  EvalOptions opts;
  opts.external_labels = tg.external_labels;
  opts.engine.default_subquery_step_ms = eval_interval;
  std::vector<RuleGroupEvaluator> evals;
  for (const auto& [path, g] : sorted) {
    RuleGroup copy = g;
    if (copy.interval_ms == 0) copy.interval_ms = tg.interval_ms;
    evals.emplace_back(std::move(copy), opts);
    evals.back().set_restored(true);
  }

  int64_t maxt = 0;
  std::set<int64_t> alert_times;
  std::map<int64_t, std::vector<const AlertTest*>> alert_tests;
  for (const auto& at : tg.alert_tests) {
    if (at.alertname.empty()) {
      std::string in = tg.name.empty() ? "" : " (in TestGroup " + tg.name + ")";
      return {"an item under alert_rule_test misses required attribute alertname at eval_time " +
              model_duration(at.eval_time_ms) + in};
    }
    maxt = std::max(maxt, at.eval_time_ms);
    alert_times.insert(at.eval_time_ms);
    alert_tests[at.eval_time_ms].push_back(&at);
  }
  for (const auto& et : tg.expr_tests) maxt = std::max(maxt, et.eval_time_ms);
  std::vector<int64_t> times(alert_times.begin(), alert_times.end());
  size_t curr = 0, next_point = 0;

  promql::MemoryStorage storage;
  Appender append = [&](const Labels& l, int64_t t, double v) { storage.add(l, t, v); };
  for (int64_t ts = 0; ts <= maxt; ts += eval_interval) {
    while (next_point < points.size() && points[next_point].t <= ts) {
      const Point& p = points[next_point++];
      storage.add(series_labels[p.series], p.t, p.v);
    }
    std::vector<std::string> eval_errs;
    for (auto& ev : evals) {
      ev.eval(storage, append, ts);
      for (size_t i = 0; i < ev.group().rules.size(); i++)
        if (!ev.status(i).ok)
          eval_errs.push_back("    rule: " + ev.group().rules[i].name() + ", time: " + go_duration(ts) +
                              ", err: " + ev.status(i).last_error);
    }
    errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
    if (!eval_errs.empty()) return errs;

    while (curr < times.size() && ts <= times[curr] && times[curr] < ts + eval_interval) {
      int64_t t = times[curr];
      std::map<std::string, std::vector<AlertSet>> got;
      std::set<std::string> present;
      for (const auto* at : alert_tests[t]) present.insert(at->alertname);
      for (const auto& ev : evals)
        for (size_t i = 0; i < ev.group().rules.size(); i++) {
          const Rule& r = ev.group().rules[i];
          if (!r.is_alert() || !present.count(r.alert)) continue;
          for (const auto& a : ev.active_alerts(i))
            if (a.state == AlertState::kFiring) got[r.alert].push_back({a.labels, a.annotations});
        }
      for (const auto* at : alert_tests[t]) {
        std::vector<AlertSet> exp;
        for (const auto& ea : at->exp_alerts) {
          std::vector<Label> ls, an;
          for (const auto& [k, v] : ea.labels) ls.push_back({k, v});
          ls.push_back({"alertname", at->alertname});
          for (const auto& [k, v] : ea.annotations) an.push_back({k, v});
          exp.push_back({Labels::with_empty_values(std::move(ls)), Labels::with_empty_values(std::move(an))});
        }
        auto g = got[at->alertname];
        std::sort(g.begin(), g.end());
        std::sort(exp.begin(), exp.end());
        if (!(g == exp)) {
          std::string name = tg.name.empty() ? "" : "    name: " + tg.name + ",\n";
          errs.push_back(name + "    alertname: " + at->alertname + ", time: " + model_duration(t) +
                         ", \n        exp:" + indent_lines(alerts_string(exp), "            ") +
                         ", \n        got:" + indent_lines(alerts_string(g), "            "));
        }
      }
      curr++;
    }
  }
  // Every input sample is in by now (the lazy loader's end state for the queries below).
  while (next_point < points.size()) {
    const Point& p = points[next_point++];
    if (p.t <= maxt) storage.add(series_labels[p.series], p.t, p.v);
  }

  for (const auto& et : tg.expr_tests) {
    std::vector<std::pair<Labels, double>> got;
    try {
      promql::EngineOptions eo;
      eo.default_subquery_step_ms = eval_interval;
      promql::Value v = promql::instant_query(storage, et.expr, et.eval_time_ms, eo);
      if (v.type == promql::ValueType::kVector) {
        for (const auto& e : v.vector) got.emplace_back(e.metric, e.v);
      } else if (v.type == promql::ValueType::kScalar) {
        got.emplace_back(Labels(), v.scalar);
      } else {
        throw Error(ErrorKind::kInvalidParameter, "rule result is not a vector or scalar");
      }
    } catch (const std::exception& e) {
      errs.push_back("    expr: " + promql::go_quote(et.expr) + ", time: " + model_duration(et.eval_time_ms) +
                     ", err: " + e.what());
      continue;
    }
    std::vector<std::pair<Labels, double>> exp;
    bool bad = false;
    for (const auto& es : et.exp_samples) {
      try {
        exp.emplace_back(promql::parse_series(es.labels), es.value);
      } catch (const std::exception& e) {
        errs.push_back("    expr: " + promql::go_quote(et.expr) + ", time: " + model_duration(et.eval_time_ms) +
                       ", err: labels " + promql::go_quote(es.labels) + ": " + e.what());
        bad = true;
        break;
      }
    }
    if (bad) continue;
    auto by_labels = [](const auto& a, const auto& b) { return a.first < b.first; };
    std::stable_sort(got.begin(), got.end(), by_labels);
    std::stable_sort(exp.begin(), exp.end(), by_labels);
    bool equal = got.size() == exp.size();
    for (size_t i = 0; equal && i < got.size(); i++)
      equal = got[i].first == exp[i].first && got[i].second == exp[i].second;  // NaN never equal, as DeepEqual
    if (!equal) {
      auto str = [](const std::vector<std::pair<Labels, double>>& v) {
        if (v.empty()) return std::string("nil");
        std::string s;
        for (size_t i = 0; i < v.size(); i++)
          s += (i ? ", " : "") + plain_labels(v[i].first) + " " + go_format_E(v[i].second);
        return s;
      };
      errs.push_back("    expr: " + promql::go_quote(et.expr) + ", time: " + model_duration(et.eval_time_ms) +
                     ",\n        exp: " + str(exp) + "\n        got: " + str(got));
    }
  }
  return errs;
}

}  // namespace

UnitTestReport run_rule_unit_test_file(const std::string& path) {
  UnitTestReport rep;
  rep.output = "Unit Testing:  " + path + "\n";
  auto fail = [&](std::vector<std::string> errs) {
    rep.ok = false;
    rep.errors = std::move(errs);
    rep.output += "  FAILED:\n";
    for (const auto& e : rep.errors) rep.output += e + "\n\n";
    return rep;
  };
  TestFile file;
  try {
    file = decode_test_file(read_file(path));
  } catch (const std::exception& e) {
    return fail({e.what()});
  }
  if (file.evaluation_interval_ms == 0) file.evaluation_interval_ms = 60000;
  std::set<std::string> seen;
  for (const auto& g : file.group_eval_order)
    if (!seen.insert(g).second) return fail({"group name repeated in evaluation order: " + g});
  // Rule files relative to the test file, globbed.
  std::vector<std::string> files;
  for (auto rf : file.rule_files) {
    if (!rf.empty() && rf[0] != '/') rf = dirname_of(path) + "/" + rf;
    glob_t g{};
    if (::glob(rf.c_str(), 0, nullptr, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc; i++) files.push_back(g.gl_pathv[i]);
    else
      rep.output += "  WARNING: no file match pattern " + rf + "\n";
    globfree(&g);
  }
  std::vector<std::pair<std::string, RuleGroup>> groups;
  std::vector<std::string> load_errs;
  for (const auto& f : files) {
    try {
      RuleFile rf = parse_rule_file(read_file(f));
      for (auto& g : rf.groups) groups.emplace_back(f, std::move(g));
    } catch (const RuleFileError& e) {
      for (const auto& m : e.errors()) load_errs.push_back(f + ": " + m);
    } catch (const std::exception& e) {
      load_errs.push_back(f + ": " + e.what());
    }
  }
  std::vector<std::string> errs;
  for (auto& tg : file.tests) {
    // Debian's promtool 2.42 leaves a test group's interval at 0 when unset (later releases
    // default it to evaluation_interval): kept, so verdicts match the promtool users have.
    if (!load_errs.empty()) {
      errs.insert(errs.end(), load_errs.begin(), load_errs.end());
      continue;
    }
    auto e = run_group(file, tg, groups);
    errs.insert(errs.end(), e.begin(), e.end());
  }
  if (!errs.empty()) return fail(std::move(errs));
  rep.output += "  SUCCESS\n";
  return rep;
}

}  // namespace observe::rules
