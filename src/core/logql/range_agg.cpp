#include "core/logql/range_agg.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cmath>
#include <map>
#include <unordered_map>

#include "core/common/error.h"
#include "core/logql/lexer.h"
#include "core/logql/pipeline.h"
#include "core/promql/quantile.h"

namespace observe::logql {

std::vector<const LineFilter*> pushdown_filters(const LogSelector& sel) {
  std::vector<const LineFilter*> out;
  for (auto& st : sel.stages) {
    if (st.kind != StageKind::kLineFilter) break;
    out.push_back(&st.line_filter);
  }
  return out;
}

void bind_leaves(const promql::Node& n, LogStore* store, const EvalLimits* limits) {
  if (n.kind == promql::NodeKind::kExternal) {
    if (auto* leaf = dynamic_cast<RangeAggLeaf*>(n.external.get())) leaf->bind(store, limits);
  }
  for (auto& a : n.args) bind_leaves(*a, store, limits);
}

namespace {

struct Pt {
  int64_t t;  // ns
  double v;
};

struct SeriesPts {
  Labels labels;
  bool error = false;
  std::vector<Pt> pts;
  // Counted windows (see `counted` in range()): the last point stands for every entry from
  // its time up to this one, the next window boundary.
  int64_t group_end = INT64_MIN;
  // One window whose value is a count or a sum of line sizes (see `direct` in range()): the
  // entries are counted and summed as they come instead of held as points.
  int64_t n = 0;
  double sum = 0;
};

Labels group_labels(const Labels& l, const RangeAggregation& agg) {
  if (!agg.has_grouping) return l;
  std::vector<Label> out;
  for (auto& lb : l.items()) {
    bool listed = std::find(agg.grouping.begin(), agg.grouping.end(), lb.name) != agg.grouping.end();
    if (listed != agg.without) out.push_back(lb);
  }
  return Labels::with_empty_values(std::move(out));
}

// Prometheus's extrapolatedRate for a counter, as a per-second rate.
double counter_rate(const Pt* p, size_t n, int64_t range_start_ns, int64_t range_end_ns, double range_s) {
  if (n < 2) return 0;
  double result = p[n - 1].v - p[0].v;
  for (size_t i = 1; i < n; i++)
    if (p[i].v < p[i - 1].v) result += p[i - 1].v;
  double to_start = static_cast<double>(p[0].t - range_start_ns) / 1e9;
  double to_end = static_cast<double>(range_end_ns - p[n - 1].t) / 1e9;
  double sampled = static_cast<double>(p[n - 1].t - p[0].t) / 1e9;
  double avg = sampled / static_cast<double>(n - 1);
  // The half-interval cap comes first; the zero point may only shorten it further.
  double threshold = avg * 1.1;
  if (to_start >= threshold) to_start = avg / 2;
  if (result > 0 && p[0].v >= 0) {
    double to_zero = sampled * (p[0].v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg / 2;
  double interval = sampled + to_start + to_end;
  return result * (interval / sampled) / range_s;
}

// v saturated at the int64 limits.
int64_t sat(__int128 v) {
  return static_cast<int64_t>(std::max<__int128>(INT64_MIN, std::min<__int128>(INT64_MAX, v)));
}

// The windows of a range query: at step k, (start_k, end_k] with end_k = sat(T_k - offset),
// start_k = sat(end_k - range), T_k = start + k * step, k = 0..last. An entry's membership in
// every window changes only across a boundary (a window's start or end).
struct WindowBounds {
  int64_t start_ms, step_ms, last, off_ns, range_ns;

  int64_t end_of(int64_t k) const {
    return sat((static_cast<__int128>(start_ms) + static_cast<__int128>(k) * step_ms) * 1000000 - off_ns);
  }
  int64_t start_of(int64_t k) const { return sat(static_cast<__int128>(end_of(k)) - range_ns); }

  // The smallest window end or start at or after t (INT64_MAX: none). Both are non-decreasing
  // in k: binary searches.
  int64_t next_boundary(int64_t t) const {
    return std::min(first_at_least(t, false), first_at_least(t, true));
  }

 private:
  int64_t first_at_least(int64_t t, bool starts) const {
    int64_t lo = 0, hi = last + 1;  // the answer's k is in [lo, hi]; hi: none
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if ((starts ? start_of(mid) : end_of(mid)) >= t) hi = mid; else lo = mid + 1;
    }
    return lo > last ? INT64_MAX : starts ? start_of(lo) : end_of(lo);
  }
};

double aggregate(const RangeAggregation& agg, const Pt* p, size_t n, int64_t win_start, int64_t win_end) {
  double range_s = static_cast<double>(agg.range_ms) / 1000.0;
  switch (agg.op) {
    case RangeOp::kCountOverTime: return static_cast<double>(n);
    case RangeOp::kRate: {
      if (!agg.unwrap) return static_cast<double>(n) / range_s;
      double s = 0;
      for (size_t i = 0; i < n; i++) s += p[i].v;
      return s / range_s;
    }
    case RangeOp::kBytesOverTime:
    case RangeOp::kSumOverTime: {
      double s = 0;
      for (size_t i = 0; i < n; i++) s += p[i].v;
      return s;
    }
    case RangeOp::kBytesRate: {
      double s = 0;
      for (size_t i = 0; i < n; i++) s += p[i].v;
      return s / range_s;
    }
    case RangeOp::kAvgOverTime: {
      double mean = 0, count = 0;
      for (size_t i = 0; i < n; i++) {
        count++;
        if (std::isinf(mean)) {
          if (std::isinf(p[i].v) && (mean > 0) == (p[i].v > 0)) continue;
          if (!std::isinf(p[i].v) && !std::isnan(p[i].v)) continue;
        }
        mean += p[i].v / count - mean / count;
      }
      return mean;
    }
    case RangeOp::kMinOverTime: {
      double m = p[0].v;
      for (size_t i = 1; i < n; i++)
        if (p[i].v < m || std::isnan(m)) m = p[i].v;
      return m;
    }
    case RangeOp::kMaxOverTime: {
      double m = p[0].v;
      for (size_t i = 1; i < n; i++)
        if (p[i].v > m || std::isnan(m)) m = p[i].v;
      return m;
    }
    case RangeOp::kStdvarOverTime:
    case RangeOp::kStddevOverTime: {
      double count = 0, mean = 0, aux = 0;
      for (size_t i = 0; i < n; i++) {
        count++;
        double delta = p[i].v - mean;
        mean += delta / count;
        aux += delta * (p[i].v - mean);
      }
      double var = aux / count;
      return agg.op == RangeOp::kStdvarOverTime ? var : std::sqrt(var);
    }
    case RangeOp::kQuantileOverTime: {
      std::vector<double> vals;
      vals.reserve(n);
      for (size_t i = 0; i < n; i++) vals.push_back(p[i].v);
      return promql::quantile(agg.param, std::move(vals));
    }
    case RangeOp::kFirstOverTime: return p[0].v;
    case RangeOp::kLastOverTime: return p[n - 1].v;
    case RangeOp::kRateCounter: return counter_rate(p, n, win_start, win_end, range_s);
    case RangeOp::kAbsentOverTime: return 1;
  }
  return 0;
}

Labels absent_labels(const RangeAggregation& agg) {
  std::vector<Label> out;
  for (auto& m : agg.log.matchers) {
    if (m.op() != MatchOp::kEqual) continue;
    bool dup = false;
    for (auto& o : out) dup |= o.name == m.name();
    if (!dup) out.push_back({m.name(), m.value()});
  }
  return Labels(std::move(out));
}

}  // namespace

std::vector<promql::Series> RangeAggLeaf::range(int64_t start_ms, int64_t end_ms, int64_t step_ms) {
  if (!store_) throw Error(ErrorKind::kInternal, "logql: range aggregation evaluated without a store");
  const RangeAggregation& agg = *agg_;
  const int64_t range_ns = agg.range_ms * 1000000, off_ns = agg.offset_ms * 1000000;
  if (step_ms <= 0) step_ms = 1;
  // Entries in (start - range - offset, end - offset], saturated at the int64 limits.
  const int64_t from = sat(static_cast<__int128>(start_ms) * 1000000 - range_ns - off_ns + 1);
  const int64_t to = sat(static_cast<__int128>(end_ms) * 1000000 - off_ns + 1);
  const bool need_line = agg.op == RangeOp::kBytesOverTime || agg.op == RangeOp::kBytesRate;

  std::vector<SeriesPts> series;
  std::unordered_map<uint64_t, std::vector<size_t>> index;
  auto series_for = [&](const Labels& l) -> SeriesPts& {
    auto& bucket = index[l.hash()];
    for (size_t i : bucket)
      if (series[i].labels == l) return series[i];
    bucket.push_back(series.size());
    series.push_back(SeriesPts{l, l.has(kErrorLabel), {}, 0, 0});
    return series.back();
  };

  Pipeline pipeline(agg.log.stages);
  LabelSet lbs;
  std::string line;
  int64_t read = 0, held = 0;
  static const Labels kNoMeta;
  auto filters = pushdown_filters(agg.log);
  // A pipeline of line filters only, without unwrap: an entry without metadata keeps its
  // stream's labels and its line, so its series is the stream's, found once (no label set,
  // line copy or label hashing a line).
  const bool filters_only = filters.size() == agg.log.stages.size() && !agg.unwrap;
  // A stream selector alone whose value is 1 an entry (count_over_time, rate,
  // absent_over_time): no line is read, so storage need not decode them.
  const bool lines_unused = agg.log.stages.empty() && !agg.unwrap && !need_line;
  // One window (an instant query) of count_over_time, rate, bytes_over_time or bytes_rate
  // without unwrap: its value is the entries' count or their line bytes' sum (exact in any
  // order below 2^53), so a filters-only entry is counted, not held as a point (1.85 million
  // points of 16 bytes grown by doubling were a third of a `|= "GET"` count's CPU).
  const bool direct = filters_only && start_ms == end_ms &&
                      (agg.op == RangeOp::kCountOverTime || agg.op == RangeOp::kRate ||
                       agg.op == RangeOp::kBytesOverTime || agg.op == RangeOp::kBytesRate);
  const WindowBounds bounds{start_ms, step_ms, end_ms >= start_ms ? (end_ms - start_ms) / step_ms : -1, off_ns,
                            range_ns};
  const int64_t direct_end = bounds.end_of(0), direct_start = bounds.start_of(0);  // (start, end]
  // Many windows of the same four functions: a window's value is again a count or a sum of
  // integers, and entries between two consecutive window boundaries (a window's start or end)
  // are in exactly the same windows, so a series holds one point for each run of its entries
  // that no boundary splits, weighted by their count (or line bytes), instead of a point an
  // entry (a volume panel's count_over_time over a day of logs held every entry's time).
  const bool counted = !direct && !agg.unwrap &&
                       (agg.op == RangeOp::kCountOverTime || agg.op == RangeOp::kRate ||
                        agg.op == RangeOp::kBytesOverTime || agg.op == RangeOp::kBytesRate);
  // Adds an entry's value as a point (or to the last point of its run); false if it made no
  // new point.
  auto add_point = [&](SeriesPts& sp, int64_t t, double v) {
    if (counted && !sp.pts.empty() && t >= sp.pts.back().t && t <= sp.group_end) {
      sp.pts.back().v += v;
      return false;
    }
    sp.pts.push_back({t, v});
    if (counted) sp.group_end = bounds.next_boundary(t);
    return true;
  };
  for (const StreamRef& s : store_->select(agg.log.matchers, from, to)) {
    if (!stream_can_pass(agg.log.stages, s.labels)) continue;
    Labels stream_series;
    size_t stream_index = SIZE_MAX;
    if (filters_only) {
      lbs.reset(s.labels, kNoMeta);
      stream_series = lbs.result();
      if (!lbs.has_error()) stream_series = group_labels(stream_series, agg);
    }
    auto on_entry = [&](const LogEntry& e) {
      if (limits_ && ((++read & 4095) == 0) && limits_->interrupted && limits_->interrupted())
        throw Error(ErrorKind::kCanceled, "query canceled");
      if (filters_only && e.metadata == nullptr) {
        // The store may have applied the filters exactly already (one memmem pass a chunk).
        if (!e.filters_applied)
          for (const LineFilter* f : filters)
            if (!line_filter_matches(*f, e.line)) return true;
        if (stream_index == SIZE_MAX) stream_index = static_cast<size_t>(&series_for(stream_series) - series.data());
        if (direct) {
          if (e.ts_ns > direct_start && e.ts_ns <= direct_end) {
            series[stream_index].n++;
            if (need_line) series[stream_index].sum += static_cast<double>(e.line.size());
          }
        } else if (!add_point(series[stream_index], e.ts_ns, need_line ? static_cast<double>(e.line.size()) : 1.0)) {
          return true;
        }
        if (limits_ && limits_->max_samples > 0 && ++held > limits_->max_samples)
          throw Error(ErrorKind::kLimitExceeded,
                      "query processing would load too many samples into memory in query execution");
        return true;
      }
      lbs.reset(s.labels, e.metadata ? *e.metadata : kNoMeta);
      line.assign(e.line.data(), e.line.size());
      if (!pipeline.process(e.ts_ns, &line, &lbs)) return true;
      double v = 1;
      if (need_line) v = static_cast<double>(line.size());
      if (agg.unwrap) {
        const std::string* raw = lbs.get(agg.unwrap->label);
        if (!raw) return true;
        std::string err;
        bool ok;
        if (agg.unwrap->conv == UnwrapConv::kDuration) {
          int64_t ns;
          ok = go_parse_duration(*raw, &ns, &err);
          v = static_cast<double>(ns) / 1e9;
        } else if (agg.unwrap->conv == UnwrapConv::kBytes) {
          ok = parse_bytes(*raw, &v, &err);
        } else {
          ok = go_parse_float(*raw, &v);
          if (!ok) err = "strconv.ParseFloat: parsing \"" + *raw + "\": invalid syntax";
        }
        if (!ok) {
          v = 0;
          lbs.set_error("SampleExtractionErr", err);
        }
        if (!post_unwrap_filters(agg.unwrap->post_filters, &lbs)) return true;
        lbs.del(agg.unwrap->label);
      }
      Labels l = lbs.result();
      if (!lbs.has_error()) l = group_labels(l, agg);
      SeriesPts& sp = series_for(l);
      if (direct) {
        if (e.ts_ns > direct_start && e.ts_ns <= direct_end) {
          sp.n++;
          sp.sum += v;
        }
      } else if (!add_point(sp, e.ts_ns, v)) {
        return true;
      }
      if (limits_ && limits_->max_samples > 0 && ++held > limits_->max_samples)
        throw Error(ErrorKind::kLimitExceeded,
                    "query processing would load too many samples into memory in query execution");
      return true;
    };
    if (lines_unused)
      store_->scan_without_lines(s, from, to, Direction::kForward, on_entry);
    else
      store_->scan(s, from, to, Direction::kForward, filters, on_entry);
  }
  for (auto& s : series)
    std::stable_sort(s.pts.begin(), s.pts.end(), [](const Pt& a, const Pt& b) { return a.t < b.t; });

  std::vector<promql::Series> out;
  promql::Series absent;
  if (agg.op == RangeOp::kAbsentOverTime) absent.metric = absent_labels(agg);
  std::vector<promql::Series> res(series.size());
  std::vector<size_t> lo(series.size(), 0), hi(series.size(), 0);
  // Counted: the weights of pts[lo, hi), kept as the window moves (integers: exact).
  std::vector<double> weight(counted ? series.size() : 0, 0.0);
  for (int64_t k = 0, t = start_ms; t <= end_ms; k++, t += step_ms) {
    const int64_t win_end = bounds.end_of(k), win_start = bounds.start_of(k);  // (start, end]
    bool any = false;
    for (size_t i = 0; i < series.size(); i++) {
      auto& pts = series[i].pts;
      size_t n;
      if (direct) {
        n = static_cast<size_t>(series[i].n);
      } else {
        while (lo[i] < pts.size() && pts[lo[i]].t <= win_start) {
          if (counted && lo[i] < hi[i]) weight[i] -= pts[lo[i]].v;
          lo[i]++;
        }
        if (hi[i] < lo[i]) hi[i] = lo[i];
        for (; hi[i] < pts.size() && pts[hi[i]].t <= win_end; hi[i]++)
          if (counted) weight[i] += pts[hi[i]].v;
        n = hi[i] - lo[i];
      }
      if (n == 0) continue;
      any = true;
      if (series[i].error) {
        std::string err(series[i].labels.get(kErrorLabel));
        throw Error(ErrorKind::kDataException,
                    "pipeline error: '" + err + "' for series: '" + series[i].labels.to_string() + "'.\nUse a label filter to intentionally skip this error. (e.g | __error__!=\"" + err + "\").\nTo skip all potential errors you can match empty errors.(e.g __error__=\"\")\nThe label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" )");
      }
      if (agg.op == RangeOp::kAbsentOverTime) continue;
      if (direct || counted) {
        const double range_s = static_cast<double>(agg.range_ms) / 1000.0;
        // Counted: the window's points' weights (entries, or line bytes: integers, exact in
        // any order below 2^53).
        const double c = counted ? weight[i] : static_cast<double>(series[i].n);
        const double bytes = counted ? weight[i] : series[i].sum;
        double v = agg.op == RangeOp::kCountOverTime ? c
                   : agg.op == RangeOp::kRate        ? c / range_s
                   : agg.op == RangeOp::kBytesOverTime ? bytes
                                                       : bytes / range_s;
        res[i].samples.push_back({t, v});
        continue;
      }
      res[i].samples.push_back({t, aggregate(agg, &pts[lo[i]], n, win_start, win_end)});
    }
    if (agg.op == RangeOp::kAbsentOverTime && !any) absent.samples.push_back({t, 1});
  }
  if (agg.op == RangeOp::kAbsentOverTime) {
    if (!absent.samples.empty()) out.push_back(std::move(absent));
    return out;
  }
  for (size_t i = 0; i < series.size(); i++) {
    if (res[i].samples.empty()) continue;
    res[i].metric = std::move(series[i].labels);
    out.push_back(std::move(res[i]));
  }
  return out;
}

std::vector<promql::VectorElement> RangeAggLeaf::at(int64_t t_ms) {
  std::vector<promql::VectorElement> out;
  for (auto& s : range(t_ms, t_ms, 1))
    for (auto& p : s.samples) out.push_back({s.metric, p.v, t_ms, false});
  return out;
}

}  // namespace observe::logql
