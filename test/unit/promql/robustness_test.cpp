// Random queries from a token vocabulary: whatever they are, the engine must answer or
// throw observe::Error — never crash, hang or throw anything else — and every query that
// parses must print back to text that parses to the same tree. Deterministic (fixed seed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "core/common/error.h"
#include "core/promql/printer.h"
#include "test_util.h"

namespace observe::promql {
namespace {

const char* kTokens[] = {
    "m", "n_total", "h_bucket", "{", "}", "(", ")", "[", "]", "[5m]", "[1m:10s]", "[30s:]", ",", "=", "=~", "!=",
    "\"a\"", "\".+\"", "le", "job", "1", "0.5", "-1", "2", "NaN", "Inf", "5m", "+", "-", "*", "/", "%", "^",
    "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless", "atan2", "bool", "on", "ignoring", "(job)", "()",
    "group_left", "group_right", "sum", "avg", "count", "min", "max", "topk", "bottomk", "quantile",
    "count_values", "stddev", "by", "without", "offset", "@", "start()", "end()", "rate", "increase",
    "delta", "irate", "deriv", "predict_linear", "histogram_quantile", "histogram_fraction", "label_replace",
    "label_join", "absent", "scalar", "vector", "time()", "timestamp", "sort", "clamp", "round",
    "abs", "changes", "resets", "avg_over_time", "quantile_over_time", "last_over_time", "day_of_week",
    "step()", "range()", "[step() * 2]", "min_of", "max_of", "[1m+5s:step()]", "offset (1m * 2)", "offset -",
};

std::string random_query(std::mt19937& rng) {
  std::uniform_int_distribution<size_t> len(1, 14), tok(0, sizeof(kTokens) / sizeof(kTokens[0]) - 1);
  std::string q;
  size_t n = len(rng);
  for (size_t i = 0; i < n; i++) {
    if (i) q += ' ';
    q += kTokens[tok(rng)];
  }
  return q;
}

// Well-formed templates with random parts give the evaluator more to chew on.
std::string random_valid_query(std::mt19937& rng) {
  const char* vecs[] = {"m", "n_total", "h_bucket", "{job=~\".+\"}", "m offset 1m", "m @ 60", "vector(1)",
                        "-m", "abs(m)", "label_replace(m, \"x\", \"$1\", \"job\", \"(.*)\")"};
  const char* mats[] = {"n_total[1m]", "m[5m]", "m[2m:15s]", "rate(n_total[1m])[3m:]", "h_bucket[1m] offset -30s"};
  const char* fns[] = {"rate", "increase", "delta", "irate", "idelta", "deriv", "changes", "resets",
                       "avg_over_time", "max_over_time", "stddev_over_time", "count_over_time", "last_over_time"};
  const char* aggs[] = {"sum", "avg", "min", "max", "count", "stddev", "stdvar", "group"};
  const char* ops[] = {"+", "-", "*", "/", "%", "^", ">", "<=", "== bool", "and", "or", "unless",
                       "+ on(job)", "* ignoring(le) group_left"};
  std::uniform_int_distribution<int> pick(0, 9);
  auto v = [&]() -> std::string {
    switch (pick(rng) % 6) {
      case 0: return vecs[pick(rng) % 10];
      case 1: return std::string(fns[pick(rng) % 13]) + "(" + mats[pick(rng) % 5] + ")";
      case 2: return std::string(aggs[pick(rng) % 8]) + " by (job) (" + vecs[pick(rng) % 10] + ")";
      case 3: return "histogram_quantile(0." + std::to_string(pick(rng)) + ", h_bucket)";
      case 4: return "topk(" + std::to_string(pick(rng) - 2) + ", " + vecs[pick(rng) % 10] + ")";
      default: return "quantile_over_time(0.5, " + std::string(mats[pick(rng) % 5]) + ")";
    }
  };
  std::string q = v();
  int terms = pick(rng) % 3;
  for (int i = 0; i < terms; i++) q = "(" + q + ") " + ops[pick(rng) % 14] + " " + v();
  return q;
}

// PROMQL_FUZZ_ITERATIONS raises the count for a longer local run (e.g. under ASan).
int iterations(int fallback) {
  const char* env = std::getenv("PROMQL_FUZZ_ITERATIONS");
  return env ? std::atoi(env) : fallback;
}

MemoryStorage store() {
  MemoryStorage st;
  for (int s = 0; s < 3; s++) {
    std::vector<std::pair<double, double>> pts, cnt;
    for (int i = 0; i < 40; i++) {
      pts.push_back({i * 15.0, (i * 7 + s) % 11 - 3.0});
      cnt.push_back({i * 15.0, i % 17 == 5 ? 1.0 : i * (s + 1.0)});
    }
    pts[10].second = stale_nan();
    testing::add(st, "m{job=\"j" + std::to_string(s) + "\"}", pts);
    testing::add(st, "n_total{job=\"j" + std::to_string(s % 2) + "\", i=\"" + std::to_string(s) + "\"}", cnt);
    const char* les[] = {"0.1", "1", "+Inf"};
    testing::add(st, std::string("h_bucket{job=\"a\", le=\"") + les[s] + "\"}", cnt);
  }
  return st;
}

void exercise(MemoryStorage& st, const std::string& q) {
  NodePtr n;
  try {
    n = parse_expr(q);
  } catch (const SyntaxError& e) {
    EXPECT_GE(e.position(), 0) << q;
    EXPECT_LE(e.position(), static_cast<int>(q.size())) << q;
    return;
  }
  std::string printed = to_string(*n);
  EXPECT_EQ(to_string(*parse_expr(printed)), printed) << q;
  EngineOptions opts;
  opts.max_samples = 20000;
  try {
    instant_query(st, n, 300000, opts);
  } catch (const Error&) {
  }
  try {
    range_query(st, n, 0, 600000, 45000, opts);
  } catch (const Error&) {
  }
}

TEST(PromqlRobustness, RandomTokenSoup) {
  std::mt19937 rng(20261124);
  MemoryStorage st = store();
  for (int i = 0, n = iterations(3000); i < n; i++) exercise(st, random_query(rng));
}

TEST(PromqlRobustness, RandomWellFormedQueries) {
  std::mt19937 rng(42);
  MemoryStorage st = store();
  int parsed = 0, n = iterations(1500);
  for (int i = 0; i < n; i++) {
    std::string q = random_valid_query(rng);
    try {
      parse_expr(q);
      parsed++;
    } catch (const SyntaxError& e) {
      ADD_FAILURE() << q << ": " << e.what();
    }
    exercise(st, q);
  }
  EXPECT_EQ(parsed, n);
}

}  // namespace
}  // namespace observe::promql
