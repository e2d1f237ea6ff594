// Runs the LogQL conformance scripts (shared/conformance/logql/*.logqltest, FORMAT.md) on the
// core engine over MemoryLogStore, and the parser corpora (valid queries parse, invalid ones
// are rejected). Prints per file and in total `N passed, M failed, K skipped`; exits 1 when
// an eval fails that ratchet.txt does not list or a listed eval passes again (the list
// only shrinks), 77 when the corpus directory is absent.
//
//   logql_conformance DIR RATCHET [-v] [--sql CONNINFO [--copy]] [file.logqltest ...]
//
// --sql runs every eval through observe.logql_instant / observe.logql_range on an observe_log
// table the `load`s are written into (sql_logs.h; --copy loads with COPY), judged against the
// same expectations; the parser corpora are not run then.
#include <re2/re2.h>
#include <simdjson.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
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
#include "core/logql/engine.h"
#include "core/logql/lexer.h"
#include "core/logql/parser.h"
#ifdef OBSERVE_CONFORMANCE_SQL
#include "sql_logs.h"
#endif

using namespace observe;
using namespace observe::logql;

namespace {

bool g_verbose = false;
#ifdef OBSERVE_CONFORMANCE_SQL
observe::logql::conformance::SqlLogs* g_sql = nullptr;  // SQL mode: the table evals run on
#endif

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// Removes a `#` comment outside quotes.
std::string strip_comment(const std::string& s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (quote) {
      if (c == '\\' && quote == '"') i++;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '`') {
      quote = c;
    } else if (c == '#') {
      return s.substr(0, i);
    }
  }
  return s;
}

bool parse_time_ms(const std::string& s, int64_t* ms) {
  int64_t ns;
  std::string err;
  if (prom_parse_duration(s, &ns) || go_parse_duration(s, &ns, &err)) {
    *ms = ns / 1000000;
    return true;
  }
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || s.empty()) return false;
  *ms = static_cast<int64_t>(std::llround(v * 1000));
  return true;
}

bool parse_number(const std::string& s, double* v) {
  std::string l;
  for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "inf" || l == "+inf") { *v = INFINITY; return true; }
  if (l == "-inf") { *v = -INFINITY; return true; }
  if (l == "nan") { *v = NAN; return true; }
  return go_parse_float(s, v);
}

bool float_equal(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < DBL_MIN) return diff < 1e-6 * DBL_MIN;
  return diff / std::min(abs_sum, DBL_MAX) < 1e-6;
}

// `{a="b", c="d"}` -> labels; returns the index after '}'.
size_t parse_labels(const std::string& s, size_t i, Labels* out) {
  std::vector<Label> ls;
  if (i >= s.size() || s[i] != '{') throw std::runtime_error("expected { in " + s);
  i++;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) i++;
    if (i >= s.size()) throw std::runtime_error("unterminated labels in " + s);
    if (s[i] == '}') {
      *out = Labels::with_empty_values(std::move(ls));
      return i + 1;
    }
    size_t j = i;
    while (j < s.size() && s[j] != '=' && s[j] != ' ') j++;
    std::string name = s.substr(i, j - i);
    while (j < s.size() && (s[j] == ' ' || s[j] == '=')) j++;
    if (j >= s.size() || s[j] != '"') throw std::runtime_error("expected quoted value in " + s);
    size_t k = j + 1;
    while (k < s.size() && s[k] != '"') {
      if (s[k] == '\\') k++;
      k++;
    }
    auto toks = lex(s.substr(j, k - j + 1));
    ls.push_back({name, toks[0].text});
    i = k + 1;
  }
}

struct Point {
  bool present = false;
  double v = 0;
};

std::vector<Point> expand_values(const std::string& text) {
  std::vector<Point> out;
  std::istringstream in(text);
  std::string item;
  while (in >> item) {
    if (item == "_") {
      out.push_back({});
      continue;
    }
    size_t x = item.rfind('x');
    if (x != std::string::npos && x > 0 && item.find_first_not_of("0123456789", x + 1) == std::string::npos && x + 1 < item.size()) {
      std::string head = item.substr(0, x);
      int64_t times = std::atoll(item.c_str() + x + 1);
      if (head == "_") {
        for (int64_t k = 0; k < times; k++) out.push_back({});
        continue;
      }
      size_t op = std::string::npos;
      for (size_t k = 1; k < head.size(); k++)
        if ((head[k] == '+' || head[k] == '-') && head[k - 1] != 'e' && head[k - 1] != 'E') {
          op = k;
          break;
        }
      double a, b = 0;
      if (op == std::string::npos) {
        if (!parse_number(head, &a)) throw std::runtime_error("bad value " + item);
      } else {
        if (!parse_number(head.substr(0, op), &a) || !parse_number(head.substr(op + 1), &b))
          throw std::runtime_error("bad value " + item);
        if (head[op] == '-') b = -b;
      }
      for (int64_t j = 0; j <= times; j++) out.push_back({true, a + b * static_cast<double>(j)});
      continue;
    }
    double v;
    if (!parse_number(item, &v)) throw std::runtime_error("bad value " + item);
    out.push_back({true, v});
  }
  return out;
}

struct ExpectedSeries {
  Labels labels;
  std::vector<Point> points;
};

struct Eval {
  int line = 0;
  std::string query;
  bool range = false;
  int64_t t = 0, start = 0, end = 0, step = 0;
  bool fail = false, ordered = false, empty = false, scalar = false;
  double scalar_value = 0;
  std::string fail_msg, fail_regex;
  std::vector<ExpectedSeries> series;
};

std::string fmt_labels(const Labels& l) { return l.to_string(); }

std::string describe(const promql::Value& v) {
  std::ostringstream o;
  if (v.type == promql::ValueType::kScalar) {
    o << "scalar " << v.scalar;
  } else if (v.type == promql::ValueType::kVector) {
    for (auto& e : v.vector) o << "\n    " << fmt_labels(e.metric) << " " << e.v;
  } else if (v.type == promql::ValueType::kMatrix) {
    for (auto& s : v.matrix) {
      o << "\n    " << fmt_labels(s.metric);
      for (auto& p : s.samples) o << " " << p.v << "@" << p.t;
    }
  }
  return o.str();
}

// "" on success, else the reason.
std::string check(const Eval& e, MemoryLogStore& store) {
  promql::Value v;
  EngineOptions opts;
  try {
#ifdef OBSERVE_CONFORMANCE_SQL
    if (g_sql != nullptr) {
      v = e.range ? g_sql->range(e.query, e.start, e.end, e.step) : g_sql->instant(e.query, e.t);
    } else
#endif
    {
      Query q = parse_query(e.query);
      v = e.range ? range_query(store, q, e.start, e.end, e.step, opts) : instant_query(store, q, e.t, opts);
    }
  } catch (const std::exception& ex) {
    if (!e.fail) return std::string("unexpected error: ") + ex.what();
    std::string msg = ex.what();
    if (!e.fail_msg.empty() && msg.find(e.fail_msg) == std::string::npos)
      return "error \"" + msg + "\" does not contain \"" + e.fail_msg + "\"";
    if (!e.fail_regex.empty() && !RE2::PartialMatch(msg, e.fail_regex))
      return "error \"" + msg + "\" does not match /" + e.fail_regex + "/";
    return "";
  }
  if (e.fail) return "expected an error, got" + describe(v);
  if (e.scalar) {
    if (v.type != promql::ValueType::kScalar) return "expected a scalar, got" + describe(v);
    if (!float_equal(v.scalar, e.scalar_value)) return "scalar " + std::to_string(v.scalar) + " != expected";
    return "";
  }
  if (!e.range) {
    if (v.type != promql::ValueType::kVector) return "expected a vector, got" + describe(v);
    if (e.empty) return v.vector.empty() ? "" : "expected empty, got" + describe(v);
    if (v.vector.size() != e.series.size()) return "expected " + std::to_string(e.series.size()) + " series, got" + describe(v);
    for (size_t i = 0; i < e.series.size(); i++) {
      const auto& want = e.series[i];
      if (want.points.size() != 1 || !want.points[0].present) return "bad expected value";
      size_t j = 0;
      if (e.ordered) {
        j = i;
        if (!(v.vector[j].metric == want.labels)) return "order: got" + describe(v);
      } else {
        while (j < v.vector.size() && !(v.vector[j].metric == want.labels)) j++;
        if (j == v.vector.size()) return "missing series " + fmt_labels(want.labels) + "; got" + describe(v);
      }
      if (!float_equal(v.vector[j].v, want.points[0].v))
        return "series " + fmt_labels(want.labels) + ": value " + std::to_string(v.vector[j].v) + "; got" + describe(v);
    }
    return "";
  }
  if (v.type != promql::ValueType::kMatrix) return "expected a matrix, got" + describe(v);
  if (e.empty) return v.matrix.empty() ? "" : "expected empty, got" + describe(v);
  if (v.matrix.size() != e.series.size()) return "expected " + std::to_string(e.series.size()) + " series, got" + describe(v);
  for (const auto& want : e.series) {
    auto it = std::find_if(v.matrix.begin(), v.matrix.end(), [&](const promql::Series& s) { return s.metric == want.labels; });
    if (it == v.matrix.end()) return "missing series " + fmt_labels(want.labels) + "; got" + describe(v);
    size_t k = 0;
    for (size_t i = 0; i < want.points.size(); i++) {
      int64_t t = e.start + static_cast<int64_t>(i) * e.step;
      bool have = k < it->samples.size() && it->samples[k].t == t;
      if (have != want.points[i].present) return "series " + fmt_labels(want.labels) + " at " + std::to_string(t) + ": presence differs; got" + describe(v);
      if (have) {
        if (!float_equal(it->samples[k].v, want.points[i].v))
          return "series " + fmt_labels(want.labels) + " at " + std::to_string(t) + ": value differs; got" + describe(v);
        k++;
      }
    }
    if (k != it->samples.size()) return "series " + fmt_labels(want.labels) + " has extra points; got" + describe(v);
  }
  return "";
}

void load_line(const std::string& raw, MemoryLogStore* store) {
  std::string s = trim(raw);
  Labels stream;
  size_t i = parse_labels(s, 0, &stream);
  stream = Labels(stream.items());  // a stream label with an empty value is no label
  while (i < s.size() && s[i] == ' ') i++;
  char q = s[i];
  if (q != '"' && q != '`') throw std::runtime_error("expected quoted line: " + s);
  size_t close = s.find(q, i + 1);
  std::string line = s.substr(i + 1, close - i - 1);
  std::string rest = strip_comment(s.substr(close + 1));
  std::istringstream in(rest);
  std::string tok, at;
  in >> tok >> at;
  if (tok != "@") throw std::runtime_error("expected @ in " + s);
  int64_t start_ms, step_ms = 0, count = 1;
  if (!parse_time_ms(at, &start_ms)) throw std::runtime_error("bad time " + at);
  Labels meta;
  size_t rb = rest.find("[repeat");
  if (rb != std::string::npos) {
    std::istringstream r(rest.substr(rb + 1, rest.find(']', rb) - rb - 1));
    std::string repeat, every, step, f, n;
    r >> repeat >> every >> step >> f >> n;
    if (!parse_time_ms(step, &step_ms)) throw std::runtime_error("bad step " + step);
    count = std::atoll(n.c_str());
  }
  size_t mb = rest.find("[metadata");
  if (mb != std::string::npos) {
    std::string body = rest.substr(mb + 9, rest.rfind(']') - mb - 9);
    parse_labels("{" + trim(body) + "}", 0, &meta);
  }
  for (int64_t k = 0; k < count; k++) {
    std::string l = line;
    size_t p;
    while ((p = l.find("{{.i}}")) != std::string::npos) l.replace(p, 6, std::to_string(k));
    store->append(stream, (start_ms + k * step_ms) * 1000000, l, meta);
#ifdef OBSERVE_CONFORMANCE_SQL
    if (g_sql != nullptr) g_sql->append(stream, (start_ms + k * step_ms) * 1000000, l, meta);
#endif
  }
}

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
};

void run_file(const std::string& dir, const std::string& file, const std::set<std::string>& ratchet, Counts* total,
              std::vector<std::string>* unexpected, std::vector<std::string>* fixed) {
  std::ifstream in(dir + "/" + file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  MemoryLogStore store;
#ifdef OBSERVE_CONFORMANCE_SQL
  if (g_sql != nullptr) g_sql->clear();
#endif
  Counts c;
  size_t i = 0;
  auto indented = [&](size_t k) { return k < lines.size() && !lines[k].empty() && (lines[k][0] == ' ' || lines[k][0] == '\t'); };
  while (i < lines.size()) {
    std::string l = trim(strip_comment(lines[i]));
    if (l.empty()) {
      i++;
      continue;
    }
    if (l == "clear") {
      store.clear();
#ifdef OBSERVE_CONFORMANCE_SQL
      if (g_sql != nullptr) g_sql->clear();
#endif
      i++;
      continue;
    }
    if (l == "load") {
      i++;
      while (indented(i)) {
        std::string body = trim(lines[i]);
        if (!body.empty() && body[0] != '#') load_line(body, &store);
        i++;
      }
      continue;
    }
    if (l.rfind("eval ", 0) == 0) {
      Eval e;
      e.line = static_cast<int>(i + 1);
      std::istringstream h(l);
      std::string w, mode;
      h >> w >> mode;
      std::string q;
      if (mode == "instant") {
        std::string at, t;
        h >> at >> t;
        parse_time_ms(t, &e.t);
      } else {
        std::string from, t0, to, t1, st, s;
        h >> from >> t0 >> to >> t1 >> st >> s;
        e.range = true;
        parse_time_ms(t0, &e.start);
        parse_time_ms(t1, &e.end);
        parse_time_ms(s, &e.step);
      }
      std::getline(h, q);
      e.query = trim(q);
      i++;
      bool bad = false;
      while (indented(i)) {
        std::string x = trim(strip_comment(lines[i]));
        i++;
        if (x.empty()) continue;
        if (x == "expect empty") e.empty = true;
        else if (x == "expect ordered") e.ordered = true;
        else if (x.rfind("expect fail", 0) == 0) {
          e.fail = true;
          std::string rest = trim(x.substr(11));
          if (rest.rfind("msg:", 0) == 0) e.fail_msg = trim(rest.substr(4));
          else if (rest.rfind("regex:", 0) == 0) e.fail_regex = trim(rest.substr(6));
        } else if (x.rfind("skip ", 0) == 0) {
          continue;
        } else if (x[0] == '{') {
          ExpectedSeries s;
          size_t end = parse_labels(x, 0, &s.labels);
          try {
            s.points = expand_values(x.substr(end));
          } catch (const std::exception&) {
            bad = true;
          }
          e.series.push_back(std::move(s));
        } else {
          double v;
          if (parse_number(x, &v)) {
            e.scalar = true;
            e.scalar_value = v;
          } else {
            bad = true;
          }
        }
      }
      std::string id = file + ":" + std::to_string(e.line);
      if (bad) {
        c.skipped++;
        if (g_verbose) std::cout << "SKIP " << id << "\n";
        continue;
      }
      std::string why = check(e, store);
      bool listed = ratchet.count(id) > 0;
      if (why.empty()) {
        c.passed++;
        if (listed) fixed->push_back(id);
      } else {
        c.failed++;
        if (!listed) unexpected->push_back(id);
        if (g_verbose || !listed) std::cout << "FAIL " << id << ": " << e.query << "\n  " << why << "\n";
      }
      continue;
    }
    i++;  // unknown command
  }
  std::cout << file << ": " << c.passed << " passed, " << c.failed << " failed, " << c.skipped << " skipped\n";
  total->passed += c.passed;
  total->failed += c.failed;
  total->skipped += c.skipped;
}

std::string unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

// The corpora: every valid query parses, every invalid one is rejected.
void run_corpora(const std::string& dir, const std::set<std::string>& ratchet, Counts* total,
                 std::vector<std::string>* unexpected, std::vector<std::string>* fixed) {
  simdjson::dom::parser parser;
  // lenient: only a syntax error rejects (Loki's validation is stricter than the editor's
  // grammar, e.g. `{a!~"x"}` or sort(...) by (...)).
  auto accepts = [](const std::string& q, bool selector_only, bool lenient) {
    try {
      Query p = parse_query(q);
      if (selector_only && (!p.is_log || !p.log.stages.empty())) return false;
      return true;
    } catch (const SyntaxError& e) {
      return lenient && std::string(e.what()).rfind("parse error : ", 0) == 0;
    }
  };
  for (const char* name : {"loki_parser_tests.jsonl", "lezer_logql_cases.jsonl"}) {
    std::ifstream in(dir + "/" + name);
    Counts c;
    int lineno = 0;
    for (std::string l; std::getline(in, l);) {
      lineno++;
      if (trim(l).empty()) continue;
      simdjson::dom::element row;
      if (parser.parse(l).get(row)) continue;
      std::string q(row["query"].get_string().value());
      std::string_view hex;
      if (!row["query_hex"].get_string().get(hex)) q = unhex(std::string(hex));
      bool want;
      bool selector_only = false;
      std::string_view source;
      if (!row["source"].get_string().get(source)) selector_only = source.find("TestParseMatchers") != std::string_view::npos;
      bool lezer_error;
      if (!row["valid"].get_bool().get(want)) {
      } else if (!row["lezer_error"].get_bool().get(lezer_error)) {
        // The editor grammar is more tolerant than Loki: only what it accepts that Loki
        // also accepts must parse (not `{label=""}` selectors, not bare literals).
        if (lezer_error || q.find("{") == std::string::npos || q.find("=\"\"}") != std::string::npos ||
            q.find("=``}") != std::string::npos) {
          c.skipped++;
          continue;
        }
        want = true;
      } else {
        continue;
      }
      bool got = accepts(q, selector_only, std::string(name).rfind("lezer", 0) == 0);
      std::string id = std::string(name) + ":" + std::to_string(lineno);
      bool listed = ratchet.count(id) > 0;
      if (got == want) {
        c.passed++;
        if (listed) fixed->push_back(id);
      } else {
        c.failed++;
        if (!listed) unexpected->push_back(id);
        if (g_verbose || !listed) {
          std::string err;
          try {
            parse_query(q);
          } catch (const std::exception& e) {
            err = e.what();
          }
          std::cout << "FAIL " << id << ": " << (want ? "should parse: " : "should be rejected: ") << q << "\n  " << err << "\n";
        }
      }
    }
    std::cout << name << ": " << c.passed << " passed, " << c.failed << " failed, " << c.skipped << " skipped\n";
    total->passed += c.passed;
    total->failed += c.failed;
    total->skipped += c.skipped;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: logql_conformance DIR RATCHET [-v] [file ...]\n";
    return 2;
  }
  std::string dir = argv[1];
  DIR* d = opendir(dir.c_str());
  if (!d) {
    std::cout << "corpus " << dir << " not found: skipped\n";
    return 77;
  }
  std::vector<std::string> files, only;
  while (dirent* ent = readdir(d)) {
    std::string n = ent->d_name;
    if (n.size() > 10 && n.substr(n.size() - 10) == ".logqltest") files.push_back(n);
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  std::string conninfo;
  bool copy = false;
  for (int i = 3; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-v") g_verbose = true;
    else if (a == "--sql" && i + 1 < argc) conninfo = argv[++i];
    else if (a == "--copy") copy = true;
    else only.push_back(a);
  }
#ifdef OBSERVE_CONFORMANCE_SQL
  std::unique_ptr<observe::logql::conformance::SqlLogs> sql;
  if (!conninfo.empty()) {
    try {
      sql.reset(new observe::logql::conformance::SqlLogs(conninfo, copy));
    } catch (const std::exception& ex) {
      std::cerr << "SQL mode: " << ex.what() << "\n";
      return 2;
    }
    g_sql = sql.get();
  }
#else
  if (!conninfo.empty()) {
    std::cerr << "built without libpq: no SQL mode\n";
    return 2;
  }
#endif
  std::set<std::string> ratchet;
  size_t ratchet_evals = 0;
  {
    std::ifstream in(argv[2]);
    for (std::string l; std::getline(in, l);) {
      l = trim(l);
      if (l.empty() || l[0] == '#') continue;
      std::string id = l.substr(0, l.find(' '));
      if (l.find(' ') == std::string::npos) {
        std::cerr << "ratchet entry without a reason: " << l << "\n";
        return 2;
      }
      ratchet.insert(id);
      if (id.find(".logqltest:") != std::string::npos) ratchet_evals++;
    }
  }
  Counts total;
  std::vector<std::string> unexpected, fixed;
  for (auto& f : files) {
    if (!only.empty() && std::find(only.begin(), only.end(), f) == only.end()) continue;
    run_file(dir, f, ratchet, &total, &unexpected, &fixed);
  }
  int evals = total.passed + total.failed;
  if (only.empty() && conninfo.empty()) run_corpora(dir, ratchet, &total, &unexpected, &fixed);
  std::cout << "total: " << total.passed << " passed, " << total.failed << " failed, " << total.skipped << " skipped\n";
  bool ok = true;
  if (!unexpected.empty()) {
    std::cout << unexpected.size() << " failures not in the ratchet:";
    for (size_t k = 0; k < unexpected.size() && k < 40; k++) std::cout << " " << unexpected[k];
    if (unexpected.size() > 40) std::cout << " ...";
    std::cout << "\n";
    ok = false;
  }
  if (!fixed.empty()) {
    std::cout << fixed.size() << " ratchet entries pass now (remove them):";
    for (auto& u : fixed) std::cout << " " << u;
    std::cout << "\n";
    ok = false;
  }
  if (only.empty() && conninfo.empty() && evals > 0 && ratchet_evals * 50 > static_cast<size_t>(evals)) {
    std::cout << "ratchet lists " << ratchet_evals << " evals: more than 2% of " << evals << "\n";
    ok = false;
  }
  return ok ? 0 : 1;
}
