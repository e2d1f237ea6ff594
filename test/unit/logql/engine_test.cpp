#include "core/logql/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <cmath>

#include "core/common/error.h"
#include "core/logql/parser.h"

namespace observe::logql {
namespace {

constexpr int64_t kSec = 1000000000;

class LogqlEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two streams, one entry every 10s from t=10s to t=100s.
    for (int i = 1; i <= 10; i++) {
      store_.append({{"app", "api"}, {"env", "prod"}}, i * 10 * kSec,
                    "level=" + std::string(i % 2 ? "error" : "info") + " n=" + std::to_string(i));
      store_.append({{"app", "web"}, {"env", "prod"}}, i * 10 * kSec + 5 * kSec, "level=info n=" + std::to_string(i));
    }
  }
  LogResult logs(const std::string& q, int64_t start_s, int64_t end_s, size_t limit, Direction dir) {
    return log_query(store_, parse_query(q), start_s * kSec, end_s * kSec, limit, dir, opts_);
  }
  MemoryLogStore store_;
  EngineOptions opts_;
};

TEST_F(LogqlEngine, LogQueryBackwardLimitTakesTheNewestAcrossStreams) {
  LogResult r = logs(R"({env="prod"})", 0, 1000, 3, Direction::kBackward);
  std::vector<int64_t> ts;
  for (auto& s : r.streams)
    for (auto& e : s.entries) ts.push_back(e.first / kSec);
  std::sort(ts.begin(), ts.end());
  EXPECT_EQ(ts, (std::vector<int64_t>{95, 100, 105}));
  // Within a stream the entries come newest first.
  for (auto& s : r.streams)
    for (size_t i = 1; i < s.entries.size(); i++) EXPECT_GT(s.entries[i - 1].first, s.entries[i].first);
}

TEST_F(LogqlEngine, LogQueryForwardRangeIsStartInclusiveEndExclusive) {
  LogResult r = logs(R"({app="api"})", 20, 50, 0, Direction::kForward);
  ASSERT_EQ(r.streams.size(), 1u);
  ASSERT_EQ(r.streams[0].entries.size(), 3u);
  EXPECT_EQ(r.streams[0].entries.front().first, 20 * kSec);
  EXPECT_EQ(r.streams[0].entries.back().first, 40 * kSec);
}

TEST_F(LogqlEngine, LogQueryStreamsAreKeyedByParsedLabels) {
  LogResult r = logs(R"({app="api"} | logfmt | drop n)", 0, 1000, 0, Direction::kForward);
  ASSERT_EQ(r.streams.size(), 2u);  // level=error and level=info
  for (auto& s : r.streams) EXPECT_EQ(s.entries.size(), 5u);
  LogResult lf = logs(R"({app="api"} |= "n=3" | logfmt | line_format "{{.level}}:{{.n}}")", 0, 1000, 0, Direction::kForward);
  ASSERT_EQ(lf.streams.size(), 1u);
  EXPECT_EQ(lf.streams[0].entries[0].second, "error:3");
}

TEST_F(LogqlEngine, LineFiltersAreHandedToStorage) {
  int64_t before = store_.skipped();
  logs(R"({app="api"} |= "level=info" | logfmt)", 0, 1000, 0, Direction::kForward);
  EXPECT_EQ(store_.skipped() - before, 5);
  // Filters after a formatting stage change the line: they are not handed down.
  before = store_.skipped();
  logs(R"({app="api"} | line_format "x" |= "level=info")", 0, 1000, 0, Direction::kForward);
  EXPECT_EQ(store_.skipped(), before);
}

TEST_F(LogqlEngine, InstantMetricQueryUsesPromqlAggregations) {
  promql::Value v = instant_query(store_, R"(sum by (level) (count_over_time({env="prod"} | logfmt [1m])))", 60000, opts_);
  ASSERT_EQ(v.type, promql::ValueType::kVector);
  std::map<std::string, double> got;
  for (auto& e : v.vector) got[std::string(e.metric.get("level"))] = e.v;
  // (0,60]: api at 10..60 (error at 10,30,50), web at 15..55 (info).
  EXPECT_EQ(got["error"], 3);
  EXPECT_EQ(got["info"], 3 + 5);
}

// An instant count_over_time / rate / bytes_over_time / bytes_rate of line filters counts the
// entries as they come (range_agg.cpp's `direct`); a range query of several steps holds points.
// Both give the same value at the same time, windows and offsets included.
TEST_F(LogqlEngine, InstantCountsEqualTheRangeQuerysStep) {
  const char* queries[] = {
      R"(count_over_time({env="prod"}[25s]))",
      R"(count_over_time({env="prod"} |= "level=info" [25s]))",
      R"(sum by (app) (count_over_time({env="prod"} != "n=3" [30s] offset 10s)))",
      R"(rate({app="api"} |= "level=" != "n=1" [20s]))",
      R"(bytes_over_time({env="prod"} |= "n=" [40s]))",
      R"(sum(bytes_rate({env="prod"} |= "level=info" or "n=7" [35s])))",
      R"(count_over_time({env="prod"} |~ "n=[0-9]" [25s]))",
  };
  for (const char* q : queries) {
    for (int64_t t : {30000, 55000, 100000, 105000, 200000}) {
      promql::Value inst = instant_query(store_, q, t, opts_);
      promql::Value range = range_query(store_, q, t - 5000, t, 5000, opts_);
      std::map<std::string, double> a, b;
      for (auto& e : inst.vector) a[e.metric.to_string()] = e.v;
      for (auto& s : range.matrix)
        for (auto& smp : s.samples)
          if (smp.t == t) b[s.metric.to_string()] = smp.v;
      EXPECT_EQ(a, b) << q << " at " << t;
    }
  }
  // The window is exclusive at its start and inclusive at its end, as the points' path.
  promql::Value v = instant_query(store_, R"(count_over_time({app="api"} |= "level" [20s]))", 50000, opts_);
  ASSERT_EQ(v.vector.size(), 1u);
  EXPECT_EQ(v.vector[0].v, 2);  // 40s and 50s, not 30s
}

TEST_F(LogqlEngine, RangeMetricQueryStepsAndWindows) {
  promql::Value v = range_query(store_, R"(rate({app="api"}[20s]))", 20000, 100000, 40000, opts_);
  ASSERT_EQ(v.type, promql::ValueType::kMatrix);
  ASSERT_EQ(v.matrix.size(), 1u);
  ASSERT_EQ(v.matrix[0].samples.size(), 3u);
  for (auto& s : v.matrix[0].samples) EXPECT_DOUBLE_EQ(s.v, 0.1);
  promql::Value q = instant_query(store_, R"(quantile_over_time(0.5, {app="api"} | logfmt | unwrap n [1m]) by (app))", 100000, opts_);
  ASSERT_EQ(q.vector.size(), 1u);
  EXPECT_DOUBLE_EQ(q.vector[0].v, 7.5);  // n = 5..10 in (40s,100s]
  EXPECT_EQ(q.vector[0].metric.to_string(), R"({app="api"})");
}

TEST_F(LogqlEngine, ErrorsFailMetricQueriesUnlessFiltered) {
  store_.append({{"app", "api"}, {"env", "prod"}}, 55 * kSec, "not=json");
  EXPECT_THROW(instant_query(store_, R"(count_over_time({app="api"} | json [1m]))", 60000, opts_), Error);
  promql::Value v = instant_query(store_, R"(count_over_time({app="api"} | json | __error__="" [1m]))", 60000, opts_);
  EXPECT_TRUE(v.vector.empty());
  try {
    instant_query(store_, R"(count_over_time({app="api"} | logfmt | n > 1s [1m]))", 60000, opts_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pipeline error: 'LabelFilterErr'"), std::string::npos);
  }
}

TEST_F(LogqlEngine, QueryShapesTheEngineRejects) {
  EXPECT_THROW(instant_query(store_, R"({app="api"})", 60000, opts_), Error);
  EXPECT_THROW(range_query(store_, R"(approx_topk(1, count_over_time({app="api"}[1m])))", 0, 60000, 10000, opts_), Error);
  EXPECT_THROW(instant_query(store_, R"(count_over_time({app="api"} |~ "(" [1m]))", 60000, opts_), SyntaxError);
}

TEST_F(LogqlEngine, DivisionByZeroIsNaNAndHealthCheckWorks) {
  promql::Value v = instant_query(store_, R"(count_over_time({app="api"}[1m]) / 0)", 60000, opts_);
  ASSERT_EQ(v.vector.size(), 1u);
  EXPECT_TRUE(std::isnan(v.vector[0].v));
  promql::Value h = instant_query(store_, "vector(1)+vector(1)", 60000, opts_);
  ASSERT_EQ(h.vector.size(), 1u);
  EXPECT_EQ(h.vector[0].v, 2);
}

TEST_F(LogqlEngine, SampleBudgetSplitsRangeQueriesIntoSmallerBatches) {
  // 20 entries in total; a budget of 8 cannot hold the whole range at once, but every single
  // step's window (20s: at most 4 entries) fits, so the range query still answers.
  EngineOptions o;
  o.promql.max_samples = 8;
  promql::Value v = range_query(store_, R"(count_over_time({env="prod"}[20s]))", 20000, 100000, 20000, o);
  ASSERT_EQ(v.matrix.size(), 2u);
  for (auto& s : v.matrix) EXPECT_EQ(s.samples.size(), 5u);
  o.promql.max_samples = 1;
  EXPECT_THROW(range_query(store_, R"(count_over_time({env="prod"}[20s]))", 20000, 100000, 20000, o), Error);
}

TEST_F(LogqlEngine, CancellationAndSeriesLimit) {
  EngineOptions o;
  o.limits.max_series = 1;
  EXPECT_THROW(instant_query(store_, R"(count_over_time({env="prod"}[1m]))", 60000, o), Error);
  EXPECT_THROW(range_query(store_, R"(count_over_time({env="prod"}[1m]))", 60000, 120000, 60000, o), Error);
  // the limit counts what the query returns, as Loki's does: an aggregation of many is one
  EXPECT_EQ(instant_query(store_, R"(sum(count_over_time({env="prod"}[1m])))", 60000, o).vector.size(), 1u);
  for (int i = 0; i < 10000; i++) store_.append({{"app", "big"}}, (200 + i) * kSec, "x");
  EngineOptions c;
  c.limits.interrupted = [] { return true; };
  try {
    instant_query(store_, R"(count_over_time({app="big"}[3h]))", 11000000, c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCanceled);
  }
}

TEST_F(LogqlEngine, StreamsALabelFilterRejectsGiveTheSameAnswers) {
  // `app` is a stream label: the api stream is not read, the answer is web's lines only.
  LogResult r = logs(R"({env="prod"} | logfmt | app="web")", 0, 1000, 0, Direction::kForward);
  size_t entries = 0;
  for (auto& s : r.streams) {  // a stream per parsed label set (n differs)
    EXPECT_EQ(s.labels.get("app"), "web");
    entries += s.entries.size();
  }
  EXPECT_EQ(entries, 10u);
  // A json parse error in a stream the filter rejects cannot fail the metric query.
  promql::Value v = instant_query(store_, R"(sum(count_over_time({env="prod"} | json | app="none" [1000s])))", 1000000, opts_);
  ASSERT_EQ(v.vector.size(), 0u);
  v = instant_query(store_, R"(sum by (level) (count_over_time({env="prod"} | logfmt | app="api" or level="info" [1000s])))",
                    1000000, opts_);
  std::map<std::string, double> got;
  for (auto& e : v.vector) got[std::string(e.metric.get("level"))] = e.v;
  EXPECT_EQ(got["error"], 5);
  EXPECT_EQ(got["info"], 15);
}

}  // namespace
}  // namespace observe::logql
