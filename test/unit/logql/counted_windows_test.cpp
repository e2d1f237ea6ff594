// Range queries of count_over_time, rate, bytes_over_time and bytes_rate hold one weighted
// point for each run of entries between two window boundaries (range_agg.cpp's `counted`).
// Checked against the windows counted by brute force over random entries: ties, entries
// appended out of order, streams merged by a grouping, offsets, windows longer and shorter
// than the step, a parser stage (the per-entry path) and a line filter (the stream's path).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/logql/engine.h"

namespace observe::logql {
namespace {

constexpr int64_t kMs = 1000000;

struct Entry {
  std::string app;
  int stream;
  int64_t t;
  std::string line;
};

TEST(LogqlCountedWindows, RangeQueriesEqualWindowsCountedByBruteForce) {
  std::mt19937_64 rng(20261208);
  for (int round = 0; round < 40; round++) {
    MemoryLogStore store;
    std::vector<Entry> entries;
    const int n = 1 + static_cast<int>(rng() % 400);
    for (int i = 0; i < n; i++) {
      int stream = static_cast<int>(rng() % 4);
      std::string app = stream < 2 ? "api" : "web";
      // Times on a coarse grid (ties, and entries exactly on window boundaries) or anywhere
      // (or a nanosecond either side of one).
      int64_t t = rng() % 2 ? static_cast<int64_t>(rng() % 120) * 1000 * kMs + static_cast<int64_t>(rng() % 3) - 1
                            : static_cast<int64_t>(rng() % (120000 * kMs));
      std::string line = (rng() % 3 ? "level=info " : "level=error ") + std::string(rng() % 20, 'x');
      store.append({{"app", app}, {"s", std::to_string(stream)}}, t, line);
      entries.push_back({app, stream, t, line});
    }
    const int64_t range_ms = 1000 * static_cast<int64_t>(1 + rng() % 40);
    const int64_t step_ms = 1000 * static_cast<int64_t>(1 + rng() % 15);
    const int64_t offset_ms = rng() % 3 ? 0 : 1000 * static_cast<int64_t>(rng() % 10);
    const int64_t start_ms = 1000 * static_cast<int64_t>(rng() % 30);
    const int64_t end_ms = start_ms + step_ms * static_cast<int64_t>(rng() % 40);
    const std::string win = "[" + std::to_string(range_ms / 1000) + "s]" +
                            (offset_ms ? " offset " + std::to_string(offset_ms / 1000) + "s" : "");
    struct Case {
      std::string query;
      bool by_app, only_error, bytes, per_second;
    };
    const Case cases[] = {
        {"count_over_time({app=~\".+\"}" + win + ")", false, false, false, false},
        {"sum by (app) (count_over_time({app=~\".+\"} | logfmt " + win + "))", true, false, false, false},
        // Two streams of an app become one series: their entries interleave.
        {"count_over_time({app=~\".+\"} | label_format s=\"0\" " + win + ")", true, false, false, false},
        {"bytes_over_time({app=~\".+\"}" + win + ")", false, false, true, false},
        {"rate({app=~\".+\"} |= \"error\" " + win + ")", false, true, false, true},
        {"bytes_rate({app=~\".+\"} | logfmt | level=\"error\" " + win + ")", false, true, true, true},
    };
    for (const Case& c : cases) {
      std::map<std::string, double> want;
      for (int64_t t = start_ms; t <= end_ms; t += step_ms) {
        const int64_t hi = (t - offset_ms) * kMs, lo = hi - range_ms * kMs;  // (lo, hi]
        std::map<std::string, double> sums;
        for (const Entry& e : entries) {
          if (e.t <= lo || e.t > hi) continue;
          if (c.only_error && e.line.find("error") == std::string::npos) continue;
          std::string key = c.by_app ? "app=" + e.app : "app=" + e.app + ",s=" + std::to_string(e.stream);
          sums[key] += c.bytes ? static_cast<double>(e.line.size()) : 1.0;
        }
        for (auto& [key, v] : sums)
          want[key + "@" + std::to_string(t)] = c.per_second ? v / (static_cast<double>(range_ms) / 1000.0) : v;
      }
      promql::Value got = range_query(store, c.query, start_ms, end_ms, step_ms, EngineOptions());
      std::map<std::string, double> have;
      for (auto& s : got.matrix) {
        std::string key = "app=" + std::string(s.metric.get("app"));
        if (!c.by_app) key += ",s=" + std::string(s.metric.get("s"));
        for (auto& p : s.samples) have[key + "@" + std::to_string(p.t)] = p.v;
      }
      EXPECT_EQ(have, want) << c.query << " round " << round << " " << start_ms << ".." << end_ms << " step "
                            << step_ms;
    }
  }
}

}  // namespace
}  // namespace observe::logql
