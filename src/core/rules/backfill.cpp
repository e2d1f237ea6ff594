#include "core/rules/backfill.h"

#include <algorithm>
#include <cmath>

#include "core/rules/evaluator.h"

namespace observe::rules {

namespace {

constexpr int64_t kDefaultBlockMs = 2 * 3600 * 1000;  // tsdb.DefaultBlockDuration

// The API client sends a time as float seconds (sec + nsec/1e9); Prometheus's parseTime splits
// it with Modf and rounds the fraction to milliseconds.
int64_t api_time_ms(int64_t ns) {
  int64_t sec = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
  int64_t nsec = ns - sec * 1000000000;
  double f = static_cast<double>(sec) + static_cast<double>(nsec) / 1e9;
  double whole;
  double frac = std::modf(f, &whole);
  frac = std::round(frac * 1000) / 1000;
  return static_cast<int64_t>(whole) * 1000 + static_cast<int64_t>(frac * 1e9) / 1000000;
}

}  // namespace

int64_t backfill_block_duration_ms(int64_t max_block_ms) {
  if (max_block_ms <= kDefaultBlockMs) return kDefaultBlockMs;
  // tsdb.ExponentialBlockRanges(2h, 10, 3)
  std::vector<int64_t> ranges;
  int64_t r = kDefaultBlockMs;
  for (int i = 0; i < 10; i++, r *= 3) ranges.push_back(r);
  size_t idx = ranges.size() - 1;
  for (size_t i = 0; i < ranges.size(); i++)
    if (ranges[i] > max_block_ms) {
      idx = i - 1;
      break;
    }
  return ranges[idx];
}

std::vector<BackfillQuery> backfill_queries(const std::string& group_name, const std::string& file,
                                            int64_t interval_ms, int64_t start_s, int64_t end_s,
                                            int64_t max_block_ms) {
  std::vector<BackfillQuery> out;
  if (interval_ms <= 0) return out;
  const int64_t block = backfill_block_duration_ms(max_block_ms);
  const int64_t start_ms = start_s * 1000, end_ms = end_s * 1000;
  const int64_t interval_ns = interval_ms * 1000000;
  // Floor division as Go's for these non-negative times; negative starts do not occur.
  for (int64_t block_start = block * (start_ms / block); block_start <= end_ms; block_start += block) {
    int64_t block_end = block_start + block - 1;
    int64_t curr_start_s = std::max(block_start / 1000, start_s);
    int64_t aligned_ns = group_eval_timestamp_ns(group_name, file, interval_ns, curr_start_s * 1000000000);
    // startWithAlignment.Unix() < currStart: whole seconds of the slot, truncated
    while (aligned_ns / 1000000000 < curr_start_s) aligned_ns += interval_ns;
    int64_t q_end_s = std::min(block_end / 1000, end_s);
    if (q_end_s * 1000000000 < aligned_ns) break;  // end.Before(startWithAlignment)
    out.push_back({api_time_ms(aligned_ns), q_end_s * 1000});
  }
  return out;
}

Labels backfill_series_labels(const Labels& result, const StringPairs& rule_labels, const std::string& record) {
  Labels l = result;
  for (const auto& [k, v] : rule_labels) l.set(k, v);
  l.set(kMetricNameLabel, record);
  return l;
}

}  // namespace observe::rules
