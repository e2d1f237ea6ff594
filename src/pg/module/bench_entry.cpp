// An entry point for benchmarking the scrape worker's write path without HTTP or text parsing.
// Not one of the extension's SQL objects: bench/write_path/run.sh creates a function on it in its
// own schema, as sql/border.sql does for the border self-tests.
//
//   observe_bench_write_scrape(series int, labels int, t_ms int8) RETURNS int8
//
// appends one scrape (one sample for each of `series` series with `labels` labels each, at t_ms)
// to observe.metrics through MetricsWriter, the worker's own writer. The series are kept for the
// backend's life as a target's scrape cache keeps them, so from the second call on the path is
// the worker's steady state: cached series ids, the flat write buffer, an L0 batch at commit.
#include <memory>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/scrape/sample.h"
#include "pg/border/border.h"
#include "pg/workers/metrics_writer.h"

namespace {

struct BenchSeries {
  int series = 0, labels = 0;
  std::vector<observe::scrape::SeriesPtr> all;
};

BenchSeries& bench_series(int series, int labels) {
  static BenchSeries cache;
  if (cache.series != series || cache.labels != labels) {
    cache.all.clear();
    for (int s = 0; s < series; s++) {
      std::vector<observe::Label> l;
      l.push_back({"__name__", "bench_metric_" + std::to_string(s % 10)});
      for (int k = 0; k < labels; k++)
        l.push_back({"label_" + std::to_string(k), "value_" + std::to_string((s / 10 + k) % 1000)});
      l.push_back({"series", std::to_string(s)});
      cache.all.push_back(observe::scrape::make_series(observe::Labels(std::move(l))));
    }
    cache.series = series;
    cache.labels = labels;
  }
  return cache;
}

}  // namespace

OBSERVE_FUNCTION(observe_bench_write_scrape) {
  int series = PG_GETARG_INT32(0);
  int labels = PG_GETARG_INT32(1);
  int64_t t_ms = PG_GETARG_INT64(2);
  if (series < 1 || series > 10000000 || labels < 0 || labels > 64)
    throw observe::Error(observe::ErrorKind::kInvalidParameter, "series must be in 1..10000000, labels in 0..64");
  BenchSeries& cache = bench_series(series, labels);
  std::vector<observe::scrape::Sample> samples;
  samples.reserve(cache.all.size());
  for (size_t i = 0; i < cache.all.size(); i++)
    samples.push_back({cache.all[i], t_ms, static_cast<double>((t_ms / 1000 + static_cast<int64_t>(i)) % 997)});
  observe::pg::MetricsWriter writer;
  writer.append(samples);
  PG_RETURN_INT64(static_cast<int64>(writer.written()));
}
