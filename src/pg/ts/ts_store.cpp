#include "pg/ts/ts_store.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <unordered_map>

#include "core/common/error.h"
#include "pg/border/border.h"
#include "pg/engine/time.h"
#include "pg/ts/ts_am.h"
#include "pg/engine/layout.h"
#include "pg/engine/scan.h"
#include "pg/engine/series.h"
#include "pg/engine/write_buffer.h"

namespace observe::pg {

void ts_check_metrics_shape(Relation rel) {
  if (!ts_is_observe_ts(rel))
    throw Error(ErrorKind::kInvalidParameter,
                std::string("\"") + RelationGetRelationName(rel) + "\" is not an observe_ts table");
  if (!ts_layout(rel)->metrics_shape)
    throw Error(ErrorKind::kInvalidParameter,
                std::string("\"") + RelationGetRelationName(rel) +
                    "\" is not shaped like observe.metrics (time timestamptz, name text, "
                    "labels jsonb, value float8)");
}

void ts_append_samples(Relation rel, const Labels& series, const int64_t* t_ms, const double* v,
                       size_t n) {
  ts_check_metrics_shape(rel);
  ts_buffer_append_samples(rel, series, t_ms, v, n);
}

// ms -> µs bounds, saturating so that extreme ranges stay extreme.
static int64_t bound_us(int64_t ms, bool upper) {
  constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1000 - kTsUnixEpochOffsetUs / 1000 - 1;
  if (ms >= kMaxMs) return std::numeric_limits<int64_t>::max();
  if (ms <= -kMaxMs) return std::numeric_limits<int64_t>::min();
  // [mint, maxt] in ms covers µs [mint*1000, maxt*1000 + 999] (ms is the floor of µs).
  return ts_unix_ms_to_us(ms) + (upper ? 999 : 0);
}

std::vector<promql::SeriesData> ts_select(Relation rel, const Matchers& matchers, int64_t mint_ms,
                                          int64_t maxt_ms, Snapshot snapshot,
                                          const promql::SelectHints& hints) {
  ts_check_metrics_shape(rel);
  std::shared_ptr<const TsLayout> layout = ts_layout(rel);
  std::vector<promql::SeriesData> out;
  if (mint_ms > maxt_ms) return out;
  TsReadSpec spec;
  spec.min_time = bound_us(mint_ms, false);
  spec.max_time = bound_us(maxt_ms, true);
  spec.all_series = false;
  spec.wanted.assign(layout->natts, false);
  spec.wanted[layout->value_att] = true;
  std::shared_ptr<SeriesDict> dict = ts_series_dict(layout->relid, layout->storage_id);
  spec.series = dict->match(matchers);
  if (spec.series.empty()) return out;
  TsReader selected(rel, snapshot, spec);  // writes this transaction's buffered rows first
  std::unordered_map<int32_t, size_t> index;
  int vcol = layout->attrs[layout->value_att].column;
  int32_t series_id;
  const chunk::ChunkData* data;
  while (selected.next_chunk_data(&series_id, &data)) {
    auto it = index.find(series_id);
    if (it == index.end()) {
      it = index.emplace(series_id, out.size()).first;
      out.push_back(promql::SeriesData{dict->get(series_id)->labels, {}});
    }
    // A series can have thousands of small chunks (many small transactions): a cancel must
    // not wait for all of them.
    if (interrupt_pending()) {
      selected.close();
      throw Error(ErrorKind::kCanceled, "canceled while reading chunks");
    }
    auto& samples = out[it->second].samples;
    const chunk::Column& col = data->columns.at(vcol);
    const std::vector<int64_t>& times = data->times;
    auto copy_rows = [&](size_t a, size_t b, bool check_each) {
      // Grow geometrically: reserving exactly what each chunk adds copied the whole series
      // per chunk, quadratic in the number of chunks (found by sql_fuzz: 40 s deaf to cancel).
      size_t need = samples.size() + (b - a);
      if (need > samples.capacity()) samples.reserve(std::max(need, 2 * samples.capacity()));
      for (size_t r = a; r < b; r++) {
        int64_t t = times[r];
        if (check_each && (t < spec.min_time || t > spec.max_time)) continue;
        if (!col.nulls.empty() && col.nulls[r]) continue;
        int64_t ms = ts_us_to_unix_ms(t);
        if (check_each && !hints.wanted(ms)) continue;
        samples.push_back(promql::Sample{ms, col.floats[r]});
      }
    };
    // Chunks are written sorted: the rows in range are one run, found by binary search.
    if (!std::is_sorted(times.begin(), times.end())) {
      copy_rows(0, times.size(), true);
      continue;
    }
    auto [first, last] = chunk::row_range(times, spec.min_time, spec.max_time);
    if (!hints.sparse() || first >= last) {
      copy_rows(first, last, false);
      continue;
    }
    // Only the rows in the query's windows, one binary search a window (Prometheus's
    // iterators seek the same way): `rate(x[1m])` every 5 minutes copies a fifth of them.
    int64_t last_ms = ts_us_to_unix_ms(times[last - 1]);
    for (int64_t end = hints.window_end_from(ts_us_to_unix_ms(times[first]));; end += hints.step) {
      int64_t begin = end - hints.range + 1;
      if (begin > last_ms) break;
      auto [a, b] = chunk::row_range(times, bound_us(begin, false), bound_us(end, true));
      copy_rows(std::max(a, first), std::min(b, last), false);
      if (end >= last_ms) break;
    }
  }
  selected.close();
  // Chunks of a series may overlap (out-of-order writes): sort, keeping the last duplicate as
  // the newest write.
  std::vector<promql::SeriesData> result;
  result.reserve(out.size());
  for (auto& s : out) {
    if (s.samples.empty()) continue;
    // The common case, chunks in time order without duplicates, needs neither step.
    bool increasing = true, sorted = true;
    for (size_t r = 1; r < s.samples.size() && sorted; r++) {
      increasing = increasing && s.samples[r - 1].t < s.samples[r].t;
      sorted = s.samples[r - 1].t <= s.samples[r].t;
    }
    if (increasing) {
      result.push_back(std::move(s));
      continue;
    }
    if (!sorted)
      std::stable_sort(s.samples.begin(), s.samples.end(),
                       [](const promql::Sample& a, const promql::Sample& b) { return a.t < b.t; });
    size_t w = 0;
    for (size_t r = 0; r < s.samples.size(); r++) {
      if (w > 0 && s.samples[w - 1].t == s.samples[r].t)
        s.samples[w - 1] = s.samples[r];
      else
        s.samples[w++] = s.samples[r];
    }
    s.samples.resize(w);
    result.push_back(std::move(s));
  }
  std::sort(result.begin(), result.end(),
            [](const promql::SeriesData& a, const promql::SeriesData& b) { return a.labels < b.labels; });
  return result;
}

}  // namespace observe::pg
