// Range evaluation (range_eval.cpp) against step-wise evaluation: a range query must give, at
// every step, bit for bit what an instant query at that time gives, on data with counter
// resets, staleness markers, gaps, jitter and a malformed bucket.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "core/common/error.h"
#include "test_util.h"

namespace observe::promql {
namespace {

MemoryStorage random_store(uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  MemoryStorage st;
  auto series = [&](const std::string& s, bool counter) {
    Labels l = parse_series(s);
    double v = counter ? 0 : 50;
    for (int64_t t = 0; t < 1800000; t += 10000 + static_cast<int64_t>(u(rng) * 8000)) {
      if (u(rng) < 0.05) t += 240000;  // a gap, longer than most windows
      if (u(rng) < 0.03) {
        st.add(l, t, stale_nan());
        continue;
      }
      if (counter) {
        v = u(rng) < 0.04 ? u(rng) * 3 : v + u(rng) * 10;  // increments and resets
      } else {
        v = u(rng) < 0.1 ? v : v + (u(rng) - 0.5) * 7;  // repeats (changes) and moves
      }
      st.add(l, t, v);
    }
  };
  for (const char* i : {"a", "b", "c"}) {
    for (const char* j : {"x", "y"}) {
      series(std::string("ctr{i=\"") + i + "\", j=\"" + j + "\"}", true);
      series(std::string("gge{i=\"") + i + "\", j=\"" + j + "\"}", false);
    }
    for (const char* le : {"0.1", "1", "10", "+Inf"}) series(std::string("h_bucket{i=\"") + i + "\", le=\"" + le + "\"}", true);
  }
  series("h_bucket{i=\"d\", le=\"oops\"}", true);
  series("one{k=\"v\"}", false);
  return st;
}

const char* const kQueries[] = {
    "ctr", "gge offset 1m", "ctr @ 600", "-gge", "rate(ctr[1m])", "rate(ctr[5m] offset 30s)", "increase(ctr[2m])",
    "delta(gge[3m])", "irate(ctr[1m])", "idelta(gge[1m])", "changes(gge[5m])", "resets(ctr[5m])", "deriv(gge[5m])",
    "predict_linear(gge[5m], 600)", "avg_over_time(gge[2m])", "sum_over_time(gge[2m])", "count_over_time(ctr[1m])",
    "min_over_time(gge[3m])", "max_over_time(gge[3m])", "last_over_time(gge[1m])", "first_over_time(gge[1m])",
    "stddev_over_time(gge[5m])", "stdvar_over_time(gge[5m])", "quantile_over_time(0.9, gge[5m])",
    "quantile_over_time(2, gge[5m])", "present_over_time(ctr[1m])", "mad_over_time(gge[5m])",
    "ts_of_max_over_time(gge[5m])", "ts_of_min_over_time(gge[5m])", "ts_of_last_over_time(gge[1m])",
    "double_exponential_smoothing(gge[5m], 0.5, 0.5)", "rate(ctr[1m] @ 900)", "sum(rate(ctr[1m]))",
    "sum by (i) (rate(ctr[5m]))", "avg without (j) (gge)", "count by (j) (ctr)", "min by (i) (gge)", "max(gge)",
    "group by (i) (gge)", "stddev by (j) (gge)", "stdvar(gge)", "quantile by (i) (0.3, gge)", "topk(2, gge)",
    "bottomk by (i) (1, rate(ctr[2m]))", "limitk(2, gge)", "topk(0, gge)", "count_values(\"v\", changes(gge[1m]))",
    "100 * (1 - avg by (i) (rate(ctr[5m])))", "gge > 50", "gge > bool 50", "50 < gge", "2 ^ gge", "gge / 0",
    "gge / ignoring(j) group_left sum without (j) (gge)", "rate(ctr[1m]) / on(i, j) gge", "gge - gge",
    "ctr > on(i, j) gge", "ctr < bool gge", "gge + on(i) group_left(j) one", "sum(gge) by (i) * on() group_right sum(gge)",
    "gge and ctr", "gge or rate(ctr[1m])", "gge unless on(i) ctr > 40", "abs(gge - 50)", "timestamp(gge)",
    "histogram_quantile(0.9, rate(h_bucket[5m]))", "histogram_quantile(0.5, sum by (le) (rate(h_bucket[5m])))",
    "histogram_quantile(scalar(one) / 100, rate(h_bucket[2m]))", "label_replace(rate(ctr[1m]), \"k\", \"$1\", \"i\", \"(.*)\")",
    "max_over_time(rate(ctr[1m])[5m:30s])", "scalar(sum(gge))", "vector(1) + sum(gge)", "time() - ctr",
    "sum(rate(ctr[1m]) or gge)", "sort(gge)", "absent(nonexistent)", "absent_over_time(ctr[1m])",
};

// The range result's points at t, as an instant vector sorted by labels.
std::vector<std::pair<Labels, double>> at(const Value& r, int64_t t) {
  std::vector<std::pair<Labels, double>> out;
  for (const auto& s : r.matrix)
    for (const auto& p : s.samples)
      if (p.t == t) out.push_back({s.metric, p.v});
  return out;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); }
bool close(double a, double b) {
  return same_bits(a, b) || a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b));
}

TEST(PromqlRangeEval, AgreesWithInstantQueriesAtEveryStep) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    MemoryStorage st = random_store(seed);
    for (const char* q : kQueries) {
      // Steps longer than the windows (150 s, 400 s) have storage leave samples out (SelectHints).
      for (int64_t step : {7000, 30000, 60000, 150000, 400000}) {
        int64_t start = 100000, end = 1700000;
        Value r;
        std::string range_error;
        try {
          r = range_query(st, q, start, end, step, {});
        } catch (const Error& e) {
          range_error = e.what();
        }
        for (int64_t t = start; t <= end; t += step) {
          Value v;
          try {
            v = instant_query(st, q, t, {});
          } catch (const Error& e) {
            // The range query fails at its first failing step.
            EXPECT_EQ(range_error, e.what()) << q << " at " << t;
            break;
          }
          ASSERT_EQ(range_error, "") << q << " step " << step;
          std::vector<std::pair<Labels, double>> inst;
          if (v.type == ValueType::kScalar) {
            inst.push_back({Labels(), v.scalar});
          } else {
            for (auto& e : v.vector) inst.push_back({e.metric, e.v});
          }
          std::sort(inst.begin(), inst.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
          auto got = at(r, t);
          ASSERT_EQ(got.size(), inst.size()) << q << " at " << t << " step " << step << " seed " << seed;
          for (size_t i = 0; i < got.size(); i++) {
            EXPECT_EQ(got[i].first, inst[i].first) << q << " at " << t;
            EXPECT_TRUE(same_bits(got[i].second, inst[i].second))
                << q << " at " << t << " " << got[i].first.to_string() << ": " << got[i].second << " vs " << inst[i].second;
          }
        }
      }
    }
  }
}

// Random expressions nesting what range evaluation handles natively and what it does not.
std::string random_expr(std::mt19937& rng, int depth) {
  std::uniform_int_distribution<int> pick(0, 99);
  auto one = [&](std::initializer_list<const char*> xs) { return std::string(xs.begin()[pick(rng) % xs.size()]); };
  std::string sel = one({"ctr", "gge", "h_bucket", "one", "gge{i=\"a\"}", "ctr{j!=\"x\"}"});
  std::string mod = one({"", "", "", " offset 1m", " @ 700", " offset -30s"});
  std::string range = one({"[1m]", "[2m]", "[5m]", "[45s]"});
  if (depth <= 0 || pick(rng) < 20) {
    if (pick(rng) < 60) return sel + mod;
    std::string fn = one({"rate", "increase", "delta", "irate", "idelta", "changes", "resets", "deriv",
                          "avg_over_time", "sum_over_time", "count_over_time", "min_over_time", "max_over_time",
                          "last_over_time", "stddev_over_time", "stdvar_over_time", "present_over_time"});
    if (pick(rng) < 15) return fn + "(" + sel + "[2m:20s]" + mod + ")";  // a subquery
    if (pick(rng) < 15) return "quantile_over_time(" + one({"0.3", "0.95", "1"}) + ", " + sel + range + mod + ")";
    return fn + "(" + sel + range + mod + ")";
  }
  std::string a = random_expr(rng, depth - 1);
  switch (pick(rng) % 9) {
    case 0:
    case 1: {
      std::string agg = one({"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"});
      std::string grouping = one({"", " by (i)", " without (j)", " by (le)", " by (__name__)"});
      return agg + grouping + " (" + a + ")";
    }
    // Not topk/bottomk/limitk: which series they keep depends on the input order when values
    // tie, and inputs built step by step (subqueries, aggregations) are ordered by first
    // appearance since the query's start in a range query, since the instant in an instant
    // query (in Prometheus: unspecified). kQueries has them over selectors.
    case 2: return "count_values(\"cv\", round(" + a + "))";
    case 3: return "quantile by (i) (" + one({"0.5", "0.9", "2"}) + ", " + a + ")";
    case 4: return "(" + a + ") " + one({"+", "*", "-", "/", ">", "< bool", "^"}) + " " + one({"2", "50", "-1", "time()"});
    case 5: return one({"3", "100"}) + " " + one({"-", "/", ">=", "== bool"}) + " (" + a + ")";
    case 6: {
      std::string b = random_expr(rng, depth - 1);
      return "(" + a + ") " + one({"+", "/", "- on(i, j)", "* ignoring(le)", "> on(i) group_left", "and", "or",
                                   "unless", "+ on(i) group_right"}) +
             " (" + b + ")";
    }
    case 7: return "histogram_quantile(" + one({"0.5", "0.99"}) + ", " + a + ")";
    default: return one({"-", "abs", "label_replace", "timestamp", "clamp_min"}) == "label_replace"
                        ? "label_replace(" + a + ", \"k\", \"$1\", \"i\", \"(.*)\")"
                        : "abs(" + a + ")";
  }
}

TEST(PromqlRangeEval, RandomExpressionsAgreeWithInstantQueries) {
  std::mt19937 rng(20261124);
  MemoryStorage st = random_store(5);
  int compared = 0;
  const char* env = std::getenv("PROMQL_FUZZ_ITERATIONS");  // more for a longer local run
  int n = env ? std::atoi(env) : 400;
  for (int k = 0; k < n; k++) {
    std::string q = random_expr(rng, 3);
    int64_t start = 60000, end = 1500000, step = k % 3 == 0 ? 15000 : k % 3 == 1 ? 45000 : 200000;
    Value r;
    std::string range_error;
    try {
      r = range_query(st, q, start, end, step, {});
    } catch (const Error& e) {
      range_error = e.what();
    }
    std::vector<std::string> step_errors;
    for (int64_t t = start; t <= end; t += step) {
      Value v;
      try {
        v = instant_query(st, q, t, {});
      } catch (const Error& e) {
        step_errors.push_back(e.what());
        continue;
      }
      if (!range_error.empty()) continue;
      std::vector<std::pair<Labels, double>> inst;
      for (auto& e : v.vector) inst.push_back({e.metric, e.v});
      if (v.type == ValueType::kScalar) inst.push_back({Labels(), v.scalar});
      std::sort(inst.begin(), inst.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      auto got = at(r, t);
      ASSERT_EQ(got.size(), inst.size()) << q << " at " << t;
      for (size_t i = 0; i < got.size(); i++) {
        ASSERT_EQ(got[i].first, inst[i].first) << q << " at " << t;
        // Sums over inputs built step by step may add in another order (see limitk above).
        ASSERT_TRUE(close(got[i].second, inst[i].second)) << q << " at " << t << ": " << got[i].second << " vs "
                                                          << inst[i].second;
        compared++;
      }
    }
    // A range query fails when some step does, with one of the steps' errors.
    EXPECT_EQ(range_error.empty(), step_errors.empty()) << q << ": " << range_error;
    if (!range_error.empty()) {
      EXPECT_NE(std::find(step_errors.begin(), step_errors.end(), range_error), step_errors.end()) << q;
    }
  }
  EXPECT_GT(compared, 10000);
}

TEST(PromqlRangeEval, AnnotationsMatchStepwise) {
  MemoryStorage st = random_store(4);
  for (const char* q : {"histogram_quantile(0.9, rate(h_bucket[5m]))", "quantile_over_time(2, gge[5m])",
                        "quantile by (i) (-1, gge)"}) {
    Value r = range_query(st, q, 100000, 1700000, 30000, {});
    std::vector<std::string> warnings;
    for (int64_t t = 100000; t <= 1700000; t += 30000) {
      Value v = instant_query(st, q, t, {});
      for (auto& w : v.warnings)
        if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
    }
    std::sort(warnings.begin(), warnings.end());
    std::vector<std::string> got = r.warnings;
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, warnings) << q;
  }
}

}  // namespace
}  // namespace observe::promql
