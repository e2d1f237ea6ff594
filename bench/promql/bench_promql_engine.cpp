// The PromQL engine without PostgreSQL: the node recording (samples.om.zst) loaded into
// MemoryStorage, then the range queries of compare.py over its four windows, each timed
// (median of --runs after a warm-up) for the whole range_query and for the selects alone
// (what the storage hands over), so the evaluator's share is the difference.
//
//   bench_promql_engine RECORDING [--runs N] [--query Q]...

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/promql/engine.h"
#include "core/promql/memory_storage.h"
#include "core/promql/parser.h"
#include "../tools/recording_reader.h"

using namespace observe::promql;

namespace {

using observe::bench::for_each_line;
using observe::bench::parse_ms;
using observe::bench::parse_value;

const char* const kQueries[] = {
    // compare.py's DASHBOARD, then EXTRA
    "rate(node_cpu_seconds_total[1m])",
    "sum by (mode) (rate(node_cpu_seconds_total[5m]))",
    "irate(node_network_receive_bytes_total[1m])",
    "topk(5, rate(node_disk_read_bytes_total[5m]))",
    "histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[5m])))",
    "avg_over_time(node_load1[5m])",
    "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
    "100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m])))",
    "sum by (device) (rate(node_network_transmit_bytes_total{device!=\"lo\"}[5m]))",
    "node_load1",
    "up == 1",
    "increase(node_network_receive_bytes_total[5m])",
    "deriv(node_memory_MemAvailable_bytes[5m])",
    "predict_linear(node_filesystem_avail_bytes[10m], 3600)",
    "quantile_over_time(0.95, node_load1[10m])",
    "stddev_over_time(process_resident_memory_bytes[5m])",
    "histogram_quantile(0.99, rate(prometheus_http_request_duration_seconds_bucket[1m]))",
    "rate(go_gc_duration_seconds_sum[1m]) / rate(go_gc_duration_seconds_count[1m])",
    "count by (job) (count_over_time(scrape_duration_seconds[1m]))",
    "changes(process_open_fds[5m])",
    "resets(node_network_receive_packets_total[10m])",
};



double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <typename F>
double median_ms(int runs, F&& f) {
  f();  // warm-up
  std::vector<double> t;
  for (int i = 0; i < runs; i++) {
    double t0 = now_ms();
    f();
    t.push_back(now_ms() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s RECORDING [--runs N] [--query Q]...\n", argv[0]);
    return 2;
  }
  int runs = 5;
  std::vector<std::string> queries;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--query") == 0) queries.push_back(argv[i + 1]);
  }
  if (queries.empty()) queries.assign(std::begin(kQueries), std::end(kQueries));

  MemoryStorage st;
  int64_t first = INT64_MAX, last = INT64_MIN;
  size_t samples = 0;
  std::string key;
  observe::Labels labels;
  for_each_line(argv[1], [&](std::string_view line) {
    if (line.empty() || line[0] == '#') return;
    size_t ts_sp = line.rfind(' ');
    size_t val_sp = line.rfind(' ', ts_sp - 1);
    std::string_view k = line.substr(0, val_sp);
    if (k != key) {
      key = std::string(k);
      labels = parse_series(key);
    }
    int64_t t = parse_ms(line.substr(ts_sp + 1));
    st.add(labels, t, parse_value(line.substr(val_sp + 1, ts_sp - val_sp - 1)));
    first = std::min(first, t);
    last = std::max(last, t);
    samples++;
  });
  std::printf("%zu samples, %zu series\n\n", samples, st.series_count());

  // compare.py's windows: whole seconds, from 5 minutes to the whole recording.
  int64_t end = last / 1000 * 1000, start = (first + 999) / 1000 * 1000;
  struct Window {
    const char* label;
    int64_t start, end, step;
  } windows[] = {{"last 5m", end - 300000, end, 1000},
                 {"last 1h", end - 3600000, end, 15000},
                 {"whole", start, end, 300000},
                 {"whole", start, end, 1000}};
  std::printf("%-70s %-8s %5s %8s %9s %9s\n", "query", "range", "step", "points", "query ms", "select ms");
  EngineOptions opts;
  for (const auto& q : queries) {
    for (const auto& w : windows) {
      size_t points = 0;
      double total = median_ms(runs, [&] {
        Value v = range_query(st, q, w.start, w.end, w.step, opts);
        points = 0;
        for (auto& s : v.matrix) points += s.samples.size();
      });
      // The selects alone, over the ranges the engine asks for.
      NodePtr expr = parse_expr(q);
      double sel = median_ms(runs, [&] {
        // lookback or the largest range in the query bounds what is selected; 10m covers all.
        std::vector<Node*> stack{expr.get()};
        while (!stack.empty()) {
          Node* n = stack.back();
          stack.pop_back();
          if (n->kind == NodeKind::kVectorSelector) st.select(n->matchers, w.start - 600000, w.end);
          for (auto& a : n->args) stack.push_back(a.get());
        }
      });
      std::printf("%-70.70s %-8s %4llds %8zu %9.2f %9.2f\n", q.c_str(), w.label,
                  static_cast<long long>(w.step / 1000), points, total, sel);
    }
  }
  return 0;
}
